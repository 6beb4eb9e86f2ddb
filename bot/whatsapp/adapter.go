// Package whatsapp connects the bot core to WhatsApp through whatsmeow. It
// owns the translation of whatsmeow events into transport-neutral
// bot.Message and bot.GroupChange values, the group-info cache behind admin
// checks, and the bot.Transport implementation that sends texts, replies,
// mentions, reactions, polls, edits, deletions and removals. It is the only
// package that imports whatsmeow's messaging API; the process lifecycle
// (linking, reconnects, exit codes) lives in cmd/neighbourbot.
package whatsapp

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"neighbourbot/bot"
)

// Sink receives translated events. *bot.Engine implements it; both methods
// only queue work, so the whatsmeow event loop is never held up by handling.
type Sink interface {
	EnqueueMessage(ctx context.Context, m *bot.Message) error
	EnqueueGroupChange(ctx context.Context, ch bot.GroupChange) error
}

// Options tune the adapter.
type Options struct {
	// BacklogGrace: messages timestamped earlier than (online time −
	// BacklogGrace) are the offline backlog and are ignored.
	BacklogGrace time.Duration
	// GroupInfoMaxAge bounds how long a cached participant list is trusted
	// without a membership event refreshing it.
	GroupInfoMaxAge time.Duration
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
	confirmed atomic.Bool  // a Connected event came and no Disconnected since

	sinkMu  sync.RWMutex
	sink    Sink
	sinkCtx context.Context
	stopped atomic.Bool

	groupsMu sync.Mutex
	groups   map[types.JID]*cachedGroup
	groupGen map[types.JID]uint64
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
	if opts.GroupInfoMaxAge <= 0 {
		opts.GroupInfoMaxAge = 6 * time.Hour
	}
	if opts.BacklogGrace < 0 {
		opts.BacklogGrace = 0
	}
	a := &Adapter{
		cli: cli, opts: opts, clock: opts.Clock, log: opts.Log,
		groups:   map[types.JID]*cachedGroup{},
		groupGen: map[types.JID]uint64{},
	}
	a.onlineAt.Store(a.clock.Now().UnixNano())
	return a
}

// Attach sets where translated events go. ctx bounds how long the event
// handler may wait for room in the sink's queue (cancel it at shutdown).
func (a *Adapter) Attach(ctx context.Context, sink Sink) {
	a.sinkMu.Lock()
	defer a.sinkMu.Unlock()
	a.sink, a.sinkCtx = sink, ctx
}

// Stop makes the adapter drop further inbound events, for shutdown: what is
// already queued is still handled, nothing new is taken on.
func (a *Adapter) Stop() { a.stopped.Store(true) }

// MarkOnline records that the connection is (again) up at t. Anything sent
// before t − BacklogGrace arrived while the bot was away and is ignored, so
// a restart or reconnect never replays old commands into groups.
func (a *Adapter) MarkOnline(t time.Time) {
	a.onlineAt.Store(t.UnixNano())
	a.confirmed.Store(true)
}

// MarkOffline records a dropped connection. Until the next MarkOnline the
// backlog line is "now": whatsmeow dispatches Connected from its own
// goroutine, so queued messages may overtake it after a reconnect.
func (a *Adapter) MarkOffline() { a.confirmed.Store(false) }

// OnlineAt is the moment set by the latest MarkOnline.
func (a *Adapter) OnlineAt() time.Time { return time.Unix(0, a.onlineAt.Load()) }

// backlogBefore is the time before which a message counts as backlog.
func (a *Adapter) backlogBefore() time.Time {
	base := a.OnlineAt()
	if !a.confirmed.Load() {
		base = a.clock.Now()
	}
	return base.Add(-a.opts.BacklogGrace)
}

// HandleEvent is registered with whatsmeow's AddEventHandler. It translates
// messages and membership changes and queues them; it never handles them
// itself, because whatsmeow acknowledges a stanza only after its handlers
// return.
func (a *Adapter) HandleEvent(evt any) {
	switch evt := evt.(type) {
	case *events.Message:
		a.handleMessage(evt)
	case *events.GroupInfo:
		a.handleGroupInfo(evt)
	case *events.JoinedGroup:
		a.InvalidateGroup(evt.JID)
		a.log.Info("added to a group", "group", evt.JID, "name", evt.Name)
	case *events.Connected:
		a.MarkOnline(a.clock.Now())
	case *events.Disconnected:
		a.MarkOffline()
	}
}

func (a *Adapter) target() (Sink, context.Context) {
	a.sinkMu.RLock()
	defer a.sinkMu.RUnlock()
	return a.sink, a.sinkCtx
}

func (a *Adapter) handleMessage(evt *events.Message) {
	sink, ctx := a.target()
	if sink == nil || a.stopped.Load() {
		a.log.Debug("message dropped: not accepting", "msg", evt.Info.ID)
		return
	}
	m, reason := a.Translate(ctx, evt)
	if m == nil {
		a.log.Debug("message ignored", "reason", reason, "chat", evt.Info.Chat, "msg", evt.Info.ID)
		return
	}
	if err := sink.EnqueueMessage(ctx, m); err != nil {
		a.log.Warn("message not queued", "chat", m.Chat.ID, "msg", m.ID, "err", err)
	}
}

func (a *Adapter) handleGroupInfo(evt *events.GroupInfo) {
	// Any group notification may change who is admin or a member.
	a.InvalidateGroup(evt.JID)
	sink, ctx := a.target()
	if sink == nil || a.stopped.Load() {
		return
	}
	for _, ch := range a.TranslateGroupInfo(ctx, evt) {
		if err := sink.EnqueueGroupChange(ctx, ch); err != nil {
			a.log.Warn("group change not queued", "chat", ch.Chat.ID, "kind", ch.Kind, "err", err)
		}
	}
}
