package whatsapp

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"neighbourbot/bot"
)

// Sink receives translated events. *bot.Engine implements it. Both methods
// block until the event's database transaction committed (nil, also for a
// duplicate or an ignored message) or failed (an error: nothing was kept).
// The adapter acknowledges a message to WhatsApp only after a nil return, so
// a message whose handling failed is delivered again.
type Sink interface {
	DeliverMessage(ctx context.Context, m *bot.Message) error
	DeliverGroupChange(ctx context.Context, ch bot.GroupChange) error
}

// BacklogNotifier is told about commands that arrived from the offline
// backlog too old to act on, so the people who sent them are not left
// without a word.
type BacklogNotifier interface {
	// IsCommand reports whether text is a bot command (only those get a
	// notice; chatter from the backlog is skipped quietly).
	IsCommand(text string) bool
	// SkippedCommands posts one short line to chat: the bot was offline
	// from offline (zero when unknown) to online and ignored commands sent
	// before cutoff. It is called at most once per chat per outage and runs
	// in the event handler: it must only queue the send.
	SkippedCommands(ctx context.Context, chat bot.Chat, offline, cutoff, online time.Time) error
}

// Defaults for Options.
const (
	DefaultBacklogAct       = 10 * time.Minute
	DefaultMaxDownloadBytes = 16 << 20
	DefaultDownloadTimeout  = time.Minute
)

// Options tune the adapter.
type Options struct {
	// BacklogAct: messages sent up to this long before the connection came
	// (back) up are handled as if live; older ones are the offline backlog
	// and are skipped (commands among them get one notice per chat).
	// Zero means DefaultBacklogAct.
	BacklogAct time.Duration
	// Backlog, when set, is told about skipped backlog commands.
	Backlog BacklogNotifier
	// GroupInfoMaxAge bounds how long a cached participant list is trusted
	// without a membership event refreshing it.
	GroupInfoMaxAge time.Duration
	// MaxDownloadBytes caps an attachment's size: larger ones are refused
	// before downloading when WhatsApp declares the size, and the download
	// stops once it has read this much. Zero means DefaultMaxDownloadBytes.
	MaxDownloadBytes int64
	// DownloadTimeout bounds one attachment download (whatsmeow's media
	// HTTP client has none). Zero means DefaultDownloadTimeout.
	DownloadTimeout time.Duration
	Clock           bot.Clock
	Log             *slog.Logger
}

// Adapter is the WhatsApp side of the bot: event translator, group cache
// and bot.Transport.
type Adapter struct {
	cli   Client
	opts  Options
	clock bot.Clock
	log   *slog.Logger

	onlineAt  atomic.Int64 // unix nanoseconds of the latest Connected
	confirmed atomic.Bool  // a Connected event came and no disconnect since

	sinkMu  sync.RWMutex
	sink    Sink
	sinkCtx context.Context
	stopped atomic.Bool

	groupsMu sync.Mutex
	groups   map[types.JID]*cachedGroup
	groupGen map[types.JID]uint64
	// timers holds each group's disappearing-message timer in seconds. It
	// outlives cache invalidation, so a send still carries the timer when
	// the participant list cannot be fetched.
	timers map[types.JID]uint32

	outage outage
}

// outage is what the adapter knows about the latest time offline: when it
// began (zero after a restart: the process was not running) and which chats
// were already told that their commands were skipped.
type outage struct {
	mu                       sync.Mutex
	since                    time.Time
	notified                 map[bot.ChatID]bool
	skipped, skippedCommands int
}

// New builds an adapter over cli. It counts as online from now until
// MarkOnline says otherwise.
func New(cli Client, opts Options) *Adapter {
	if opts.Clock == nil {
		opts.Clock = bot.SystemClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.Log = redacted(opts.Log)
	if opts.GroupInfoMaxAge <= 0 {
		opts.GroupInfoMaxAge = 6 * time.Hour
	}
	if opts.BacklogAct <= 0 {
		opts.BacklogAct = DefaultBacklogAct
	}
	if opts.MaxDownloadBytes <= 0 {
		opts.MaxDownloadBytes = DefaultMaxDownloadBytes
	}
	if opts.DownloadTimeout <= 0 {
		opts.DownloadTimeout = DefaultDownloadTimeout
	}
	a := &Adapter{
		cli: cli, opts: opts, clock: opts.Clock, log: opts.Log,
		groups:   map[types.JID]*cachedGroup{},
		groupGen: map[types.JID]uint64{},
		timers:   map[types.JID]uint32{},
	}
	a.outage.notified = map[bot.ChatID]bool{}
	a.onlineAt.Store(a.clock.Now().UnixNano())
	return a
}

// Attach sets where translated events go. ctx bounds how long the event
// handler may wait for the sink (cancel it at shutdown).
func (a *Adapter) Attach(ctx context.Context, sink Sink) {
	a.sinkMu.Lock()
	defer a.sinkMu.Unlock()
	a.sink, a.sinkCtx = sink, ctx
}

// Stop makes the adapter refuse further inbound events, for shutdown: they
// are not acknowledged, so WhatsApp delivers them again after the restart.
func (a *Adapter) Stop() { a.stopped.Store(true) }

// MarkOnline records that the connection is (again) up at t. Anything sent
// before t − BacklogAct arrived while the bot was away and is skipped, so
// a restart or reconnect never replays old commands into groups.
func (a *Adapter) MarkOnline(t time.Time) {
	a.onlineAt.Store(t.UnixNano())
	a.confirmed.Store(true)
}

// MarkOffline records a dropped (or silently dead) connection at t and
// starts a new outage. Until the next MarkOnline the backlog line is "now":
// whatsmeow dispatches Connected from its own goroutine, so queued messages
// may overtake it after a reconnect.
func (a *Adapter) MarkOffline(t time.Time) {
	wasOnline := a.confirmed.Swap(false)
	a.outage.mu.Lock()
	defer a.outage.mu.Unlock()
	if wasOnline || a.outage.since.IsZero() {
		a.flushSkippedLocked()
		a.outage.since = t
		a.outage.notified = map[bot.ChatID]bool{}
	}
}

// online reports whether whatsmeow has a socket and is logged in on it.
func (a *Adapter) online() bool { return a.cli.IsLoggedIn() && a.cli.IsConnected() }

// Connected reports whether the bot is on WhatsApp now: logged in on an
// open socket, and no disconnect or keep-alive failure since the latest
// Connected event (a keep-alive forced reconnect leaves IsLoggedIn true
// while the new socket is still logging in). Readiness and the
// "connected" gauge read this.
func (a *Adapter) Connected() bool { return a.online() && a.confirmed.Load() }

// OnlineAt is the moment set by the latest MarkOnline.
func (a *Adapter) OnlineAt() time.Time { return time.Unix(0, a.onlineAt.Load()) }

// backlogBefore is the time before which a message counts as backlog.
func (a *Adapter) backlogBefore() time.Time {
	base := a.OnlineAt()
	if !a.confirmed.Load() {
		base = a.clock.Now()
	}
	return base.Add(-a.opts.BacklogAct)
}

// HandleEvent is registered with whatsmeow's AddEventHandlerWithSuccessStatus.
// For a message it returns true only once the message's handling has
// committed (or it is one the bot ignores); false makes whatsmeow withhold
// the receipt, so WhatsApp delivers the message again.
func (a *Adapter) HandleEvent(evt any) bool {
	switch evt := evt.(type) {
	case *events.Message:
		return a.handleMessage(evt)
	case *events.GroupInfo:
		return a.handleGroupInfo(evt)
	case *events.JoinedGroup:
		return a.handleJoinedGroup(evt)
	case *events.Connected:
		a.MarkOnline(a.clock.Now())
		a.sendPresence("connected")
	case *events.PushNameSetting:
		// The server learns the bot's name from its presence: without one,
		// people see "-" as the bot's name (whatsmeow presence.go).
		a.sendPresence("push name changed")
	case *events.Disconnected, *events.LoggedOut, *events.StreamReplaced, *events.ConnectFailure, *events.TemporaryBan:
		a.MarkOffline(a.clock.Now())
	case *events.KeepAliveTimeout:
		// After enough of these whatsmeow drops the socket and reconnects
		// without a Disconnected event: from here on the connection may be
		// dead, so the backlog line must not stay at the old connect.
		a.MarkOffline(a.clock.Now())
	case *events.KeepAliveRestored:
		a.MarkOnline(a.clock.Now())
	case *events.OfflineSyncCompleted:
		a.outage.mu.Lock()
		a.flushSkippedLocked()
		a.outage.mu.Unlock()
	}
	return true
}

// sendPresence tells WhatsApp the bot is "unavailable" (online without
// showing as online), which also publishes its push name.
func (a *Adapter) sendPresence(why string) {
	if err := a.cli.SendPresence(context.Background(), types.PresenceUnavailable); err != nil {
		a.log.Warn("could not send presence to WhatsApp", "when", why, "err", err)
	}
}

func (a *Adapter) target() (Sink, context.Context) {
	a.sinkMu.RLock()
	defer a.sinkMu.RUnlock()
	return a.sink, a.sinkCtx
}

func (a *Adapter) handleMessage(evt *events.Message) bool {
	sink, ctx := a.target()
	if sink == nil || a.stopped.Load() {
		a.log.Debug("message not taken: not accepting", "msg", evt.Info.ID)
		return false
	}
	m, reason := a.Translate(ctx, evt)
	if reason == ReasonBacklog {
		return a.skipBacklog(ctx, evt)
	}
	if m == nil {
		a.log.Debug("message ignored", "reason", reason, "chat", evt.Info.Chat, "msg", evt.Info.ID)
		return true
	}
	if err := sink.DeliverMessage(ctx, m); err != nil {
		a.log.Warn("message not handled; WhatsApp will deliver it again", "chat", m.Chat.ID, "msg", m.ID, "err", err)
		return false
	}
	return true
}

func (a *Adapter) handleGroupInfo(evt *events.GroupInfo) bool {
	// Any group notification may change who is admin or a member.
	a.InvalidateGroup(evt.JID)
	a.noteTimer(evt.JID, evt.Ephemeral)
	sink, ctx := a.target()
	if sink == nil || a.stopped.Load() {
		return false
	}
	changes := a.TranslateGroupInfo(ctx, evt)
	if !evt.Timestamp.IsZero() && evt.Timestamp.Before(a.backlogBefore()) {
		// A join from hours ago: the person may have left since, and a
		// welcome now would be noise. The bot's own removal or return
		// still counts: it says where the bot can post.
		a.log.Debug("group change ignored: offline backlog", "group", evt.JID, "at", evt.Timestamp)
		changes = slices.DeleteFunc(changes, func(ch bot.GroupChange) bool {
			return ch.Kind != bot.BotAdded && ch.Kind != bot.BotRemoved
		})
	}
	ok := true
	for _, ch := range changes {
		if err := sink.DeliverGroupChange(ctx, ch); err != nil {
			a.log.Warn("group change not handled; WhatsApp will deliver it again", "chat", ch.Chat.ID, "kind", ch.Kind, "err", err)
			ok = false
		}
	}
	return ok
}

// handleJoinedGroup tells the engine the bot was added to a group (whatsmeow
// sends this besides, or instead of, a GroupInfo join naming the bot).
func (a *Adapter) handleJoinedGroup(evt *events.JoinedGroup) bool {
	a.InvalidateGroup(evt.JID)
	a.noteTimer(evt.JID, &evt.GroupEphemeral)
	a.log.Info("added to a group", "group", evt.JID, "name", evt.Name)
	sink, ctx := a.target()
	if sink == nil || a.stopped.Load() {
		return false
	}
	group := evt.JID.ToNonAD()
	ch := bot.GroupChange{Chat: bot.Chat{ID: bot.ChatID(group.String()), IsGroup: true, Name: evt.Name}, Kind: bot.BotAdded, Time: a.clock.Now()}
	if err := sink.DeliverGroupChange(ctx, ch); err != nil {
		a.log.Warn("group change not handled; WhatsApp will deliver it again", "chat", ch.Chat.ID, "kind", ch.Kind, "err", err)
		return false
	}
	return true
}

// skipBacklog drops a message from the offline backlog. The first command
// skipped in a chat during an outage gets the one-line notice.
func (a *Adapter) skipBacklog(ctx context.Context, evt *events.Message) bool {
	chat := evt.Info.Chat.ToNonAD()
	n := a.opts.Backlog
	// Edits and other protocol messages from the backlog go quietly.
	isCommand := n != nil && evt.Message.GetProtocolMessage() == nil && n.IsCommand(textOf(evt.Message))
	a.outage.mu.Lock()
	a.outage.skipped++
	if isCommand {
		a.outage.skippedCommands++
	}
	id := bot.ChatID(chat.String())
	notify := isCommand && !a.outage.notified[id]
	since := a.outage.since
	a.outage.mu.Unlock()
	a.log.Debug("message ignored", "reason", ReasonBacklog, "chat", chat, "msg", evt.Info.ID, "sent", evt.Info.Timestamp)
	if !notify {
		return true
	}
	online := a.OnlineAt()
	if !a.confirmed.Load() {
		online = a.clock.Now()
	}
	c := bot.Chat{ID: id, IsGroup: chat.Server == types.GroupServer, Name: a.cachedGroupName(chat)}
	if err := n.SkippedCommands(ctx, c, since, a.backlogBefore(), online); err != nil {
		// Not acknowledged: the redelivery tries the notice again.
		a.log.Warn("could not queue the offline notice", "chat", chat, "err", err)
		return false
	}
	a.outage.mu.Lock()
	a.outage.notified[id] = true
	a.outage.mu.Unlock()
	return true
}

// flushSkippedLocked logs how much of the backlog was skipped since the
// last report. The caller holds a.outage.mu.
func (a *Adapter) flushSkippedLocked() {
	if a.outage.skipped == 0 {
		return
	}
	a.log.Info("skipped messages from the offline backlog", "messages", a.outage.skipped, "commands", a.outage.skippedCommands, "older_than", a.opts.BacklogAct)
	a.outage.skipped, a.outage.skippedCommands = 0, 0
}
