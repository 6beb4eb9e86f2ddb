package bot

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Config holds the engine's own settings.
type Config struct {
	Prefix string
	// Owners are bot owners from config (phone numbers, LIDs or console
	// names): treated as admins in every group.
	Owners []string
	// MaxCommandRunes caps the length of a command the bot will parse.
	MaxCommandRunes int
	// SeenRetention is how long message ids are kept for dedupe.
	SeenRetention time.Duration
	// JobInterval is how often Run checks for due jobs.
	JobInterval time.Duration
	// SyncSends makes the engine send what a message or job queued right
	// after its commit, on the same goroutine, instead of from Run's
	// sender: the console and tests use it so replies follow their line.
	SyncSends bool
	// QuietHours holds bulk sends (normal notice fan-out and digests)
	// that fall due at night, after a retry or an offline spell, until
	// morning. Nil: no quiet hours.
	QuietHours *QuietHours
	// DeferDownloads downloads the attachments a handler asks for outside
	// the message's unit of work and handles the message once they are
	// in (mediafetch.go). Against WhatsApp it is on; the console's
	// attachments are local and come at once.
	DeferDownloads bool
	Log            *slog.Logger
	// Observer receives counts for metrics (optional).
	Observer Observer
}

// JobFunc runs a persisted job. An error reschedules it with backoff.
type JobFunc func(ctx context.Context, job Job) error

// InspectFunc looks at every message in an enabled group before commands
// run (moderation). Returning handled=true stops further processing.
type InspectFunc func(ctx context.Context, req *Request) (handled bool, err error)

// GroupChangeFunc is told about membership changes in enabled groups.
type GroupChangeFunc func(ctx context.Context, ch GroupChange, members []Person) error

// DataProvider lets a feature show and erase what it holds about a person,
// for the personal-data commands.
type DataProvider interface {
	// DataName names the feature ("Lending").
	DataName() string
	// DescribePerson lists, in plain sentences, what is held about person.
	DescribePerson(ctx context.Context, person int64) ([]string, error)
	// ForgetPerson deletes or anonymises it and says what was done.
	ForgetPerson(ctx context.Context, person int64) (string, error)
}

// PersonMerger is implemented by data providers that refer to people other
// than through a foreign key to people(id) (an id inside a text key such as
// "person:12"). When two records turn out to be one person, the store moves
// every foreign key itself and calls MergePerson, in the same transaction,
// for the rest.
type PersonMerger interface {
	MergePerson(ctx context.Context, tx Tx, from, into int64) error
}

// RecordPurger is implemented by data providers that keep closed records
// (returned loans, finished power checks, resolved reports). The retention
// job calls it so nothing closed is kept longer than the configured period.
type RecordPurger interface {
	// PurgeClosed deletes records closed before the cutoff and returns how
	// many rows went.
	PurgeClosed(ctx context.Context, before time.Time) (int64, error)
}

// Feature describes a feature family a group can switch on and off.
type Feature struct {
	Name        string
	Description string
}

// Engine is the bot's core: it turns inbound events into handler calls and
// runs scheduled jobs. All handling is serialised, so features need no locks
// of their own.
type Engine struct {
	cfg   Config
	obs   Observer
	store Store
	tr    Transport
	clock Clock
	log   *slog.Logger
	reg   *Registry

	jobs      *Jobs
	questions *Questions

	out         *Outbox
	audit       *AuditLog
	groups      *Groups
	attachments *Attachments
	health      *storeHealth

	mu    sync.Mutex // serialises all handling
	queue chan func(context.Context)

	fetch *fetcher // attachment downloads outside units of work
}

// NewEngine builds an engine; register features, then call Start and Run
// (or drive it synchronously with HandleMessage, as the console does).
func NewEngine(cfg Config, store Store, tr Transport, clock Clock) *Engine {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxCommandRunes <= 0 {
		cfg.MaxCommandRunes = 4000
	}
	if cfg.SeenRetention <= 0 {
		cfg.SeenRetention = 30 * 24 * time.Hour
	}
	if cfg.JobInterval <= 0 {
		cfg.JobInterval = time.Second
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	if clock == nil {
		clock = SystemClock{}
	}
	e := &Engine{
		cfg: cfg, obs: cfg.Observer, store: store, tr: tr, clock: clock, log: cfg.Log,
		queue:  make(chan func(context.Context), 4096),
		fetch:  newFetcher(),
		health: &storeHealth{obs: cfg.Observer, log: cfg.Log},
		audit:  &AuditLog{store: store, clock: clock},
	}
	e.out = newOutbox(cfg, store, tr, clock, e.health)
	e.reg = newRegistry(cfg.Prefix, e.out, store)
	e.reg.core = coreData{e}
	e.reg.fallback = e.directFallback()
	e.groups = &Groups{store: store, tr: tr, clock: clock, owners: cfg.Owners, quiet: cfg.QuietHours}
	e.attachments = &Attachments{tr: tr}
	e.jobs = newJobs(store, clock, cfg.Log, cfg.Observer, &e.mu, e.afterUnit, e.health)
	e.questions = &Questions{jobs: e.jobs, store: store, clock: clock}
	e.reg.router.Use(e.gates()...)
	e.registerBuiltins()
	return e
}

// now is the clock's time.
func (e *Engine) now() time.Time { return e.clock.Now() }

// prefix returns the command prefix ("!").
func (e *Engine) prefix() string { return e.reg.router.prefix }

// Enqueue hands an event to the engine's worker (started by Run). Transport
// adapters call it from their event loop so they never block on handling.
func (e *Engine) Enqueue(ctx context.Context, fn func(context.Context)) error {
	select {
	case e.queue <- fn:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DeliverMessage hands an inbound message to the worker and waits until its
// unit of work has committed: nil means the message is safely handled (or
// was a duplicate, or is ignored), so the transport may acknowledge it; an
// error means nothing was committed and the transport must not acknowledge,
// so WhatsApp delivers it again. It never waits for a send.
func (e *Engine) DeliverMessage(ctx context.Context, m *Message) error {
	return e.await(ctx, func(ctx context.Context) error { return e.deliver(ctx, m) })
}

// DeliverGroupChange is DeliverMessage for a membership event.
func (e *Engine) DeliverGroupChange(ctx context.Context, ch GroupChange) error {
	return e.await(ctx, func(ctx context.Context) error { return e.deliverGroupChange(ctx, ch) })
}

// await runs fn on the worker and waits for its result.
func (e *Engine) await(ctx context.Context, fn func(context.Context) error) error {
	done := make(chan error, 1)
	if err := e.Enqueue(ctx, func(ctx context.Context) { done <- fn(ctx) }); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Start does the start-up housekeeping: it purges old dedupe records. What
// an earlier run committed but did not get to send goes from Run's sender
// or, with synchronous sends, from the first FlushSends (the console calls
// it once it knows its groups again).
func (e *Engine) Start(ctx context.Context) error {
	if _, err := e.store.PurgeSeen(ctx, e.now().Add(-e.cfg.SeenRetention)); err != nil {
		return fmt.Errorf("purge seen messages: %w", err)
	}
	return nil
}

// Run processes queued events and due jobs until ctx is done, then finishes
// what is already queued. Unless SyncSends is set it also drains the send
// queue on its own goroutine, so pacing never holds up inbound handling.
func (e *Engine) Run(ctx context.Context) error {
	ticker := time.NewTicker(e.cfg.JobInterval)
	defer ticker.Stop()
	lastPurge := e.now()
	// Work runs under a context that shutdown does not cancel, so the
	// message in flight finishes its transaction instead of failing
	// half-way; ctx only decides when to stop taking new work.
	work := context.WithoutCancel(ctx)
	var senderDone chan struct{}
	if !e.cfg.SyncSends {
		senderDone = make(chan struct{})
		go func() {
			defer close(senderDone)
			e.out.run(ctx)
		}()
	}
	if e.cfg.DeferDownloads {
		go e.runFetcher(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			drainCtx, cancel := context.WithTimeout(work, 10*time.Second)
			defer cancel()
			for {
				select {
				case fn := <-e.queue:
					fn(drainCtx)
				default:
					if senderDone != nil {
						<-senderDone
					}
					// Fetches under way were cancelled with ctx; none
					// commits after Run returns.
					e.jobs.Wait()
					return nil
				}
			}
		case fn := <-e.queue:
			fn(work)
		case <-ticker.C:
			e.jobs.RunDue(ctx, work, true)
			if e.now().Sub(lastPurge) > 24*time.Hour {
				lastPurge = e.now()
				if _, err := e.store.PurgeSeen(work, e.now().Add(-e.cfg.SeenRetention)); err != nil {
					e.log.Error("purge seen messages", KeyErr, err)
				}
			}
		}
	}
}

// Outcome is what became of an inbound message.
type Outcome int

const (
	// Handled: acted on, and everything it did is committed.
	Handled Outcome = iota
	// Duplicate: already handled before (a redelivery); nothing done.
	Duplicate
	// Ignored: not for the bot (a group that has not opted in).
	Ignored
	// NotHandled: the store could not commit; nothing was kept, and the
	// transport must not acknowledge it so that it comes again.
	NotHandled
)

// HandleMessage processes one inbound message synchronously, in one unit
// of work: the dedupe mark, the sender's bookkeeping, every state change the
// handlers make and every send they queue commit together or not at all.
// A non-nil error means nothing was committed (Outcome NotHandled).
func (e *Engine) HandleMessage(ctx context.Context, m *Message) (Outcome, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out, err := e.handleInUnit(ctx, m)
	if err != nil {
		e.health.failed("handle message", err)
		return NotHandled, err
	}
	e.health.ok()
	switch out {
	case Duplicate:
		e.obs.MessageReceived("duplicate")
		e.log.Debug("duplicate delivery ignored", KeyChat, m.Chat.ID, KeyMsg, m.ID)
	case Ignored:
		e.obs.MessageReceived("ignored")
	}
	e.afterUnit(ctx)
	return out, nil
}

// FlushSends sends everything that is due now, one after another. The
// console and tests use it (Config.SyncSends) so that replies print right
// after the line that caused them.
func (e *Engine) FlushSends(ctx context.Context) { e.out.flush(ctx) }

// afterUnit sends at once what a unit of work queued when sends are
// synchronous (the console, tests).
func (e *Engine) afterUnit(ctx context.Context) {
	if e.cfg.SyncSends {
		e.out.flush(ctx)
	}
}

// parsed is a message's text as the router reads it, parsed once.
type parsed struct {
	name, args string
	isCommand  bool
	// The answers when the text carries a typed phone number: anywhere,
	// and after an "@".
	phoneReply, mentionPhoneReply string
}

func (e *Engine) handleInUnit(ctx context.Context, m *Message) (Outcome, error) {
	cleanMessage(m)
	var gs GroupSettings
	if m.Chat.IsGroup {
		var err error
		if gs, err = e.store.GroupSettings(ctx, m.Chat.ID); err != nil {
			return NotHandled, fmt.Errorf("group settings: %w", err)
		}
	}
	if err := e.nameMentions(ctx, m); err != nil {
		return NotHandled, err
	}
	var p parsed
	// Read once real mentions are names: a number left after an "@" was
	// typed, not picked from the phone's list.
	p.phoneReply, p.mentionPhoneReply = typedPhoneReply(m.Text, false), typedPhoneReply(m.Text, true)
	p.name, p.args, p.isCommand = e.reg.router.Parse(m.Text)
	if m.EditOf != "" {
		// An edit is inspected like a new message (moderation) but never
		// run: editing an old message must not repeat or change a command.
		p.isCommand = false
	}
	if m.Chat.IsGroup && !gs.Enabled {
		// In a group that has not opted in the bot keeps nothing — not
		// even message ids — except to handle the switch itself.
		if rt, ok := e.reg.router.Lookup(p.name); !p.isCommand || !ok || rt.Name != "bot" {
			return Ignored, nil
		}
	}
	out := Handled
	err := e.store.Atomic(WithPriority(ctx, PriorityReply), func(ctx context.Context) error {
		first, err := e.store.FirstSeen(ctx, m.Chat.ID, m.ID, e.now())
		if err != nil {
			return fmt.Errorf("dedupe: %w", err)
		}
		if !first {
			out = Duplicate
			return nil
		}
		if m.Chat.IsGroup && !gs.Removed.IsZero() {
			// A message from the group: the bot is in it again.
			if err := e.botMembership(ctx, GroupChange{Chat: m.Chat, Kind: BotAdded}); err != nil {
				return err
			}
		}
		if e.cfg.DeferDownloads && hasMedia(m) {
			return e.handleDeferringMedia(ctx, m, gs, p)
		}
		return e.handleMessage(ctx, m, gs, p)
	})
	return out, err
}

func (e *Engine) handleMessage(ctx context.Context, m *Message, gs GroupSettings, p parsed) error {
	req, err := e.requestFor(ctx, m, gs)
	if err != nil {
		return err
	}
	if m.PollVote != nil {
		e.obs.MessageReceived("poll_vote")
		return e.dispatchPollVote(ctx, req)
	}
	if p.isCommand {
		req.Command, req.Args, req.phoneReply = p.name, p.args, p.phoneReply
		if rt, ok := e.reg.router.Route(req); ok {
			req.Route = rt
			req.Command = rt.Name
			if rt.RedactsPhones {
				req.phoneReply = p.mentionPhoneReply
			}
		}
	}
	if m.Chat.IsGroup && !req.Group.Enabled {
		return e.botCommandWhileOff(ctx, req)
	}
	if m.Chat.IsGroup {
		if moderated, err := e.runInspectors(ctx, req); moderated || err != nil {
			return err
		}
	}
	if m.EditOf != "" {
		e.obs.MessageReceived("edit")
		return nil
	}
	if !p.isCommand {
		e.obs.MessageReceived("chatter")
		return e.runListeners(ctx, req)
	}
	e.obs.MessageReceived("command")
	return e.route(ctx, req)
}

// requestFor resolves the sender to a person and records what the message
// tells about them (reachable privately, a member of the group, the
// group's current name), then builds the request handlers see.
func (e *Engine) requestFor(ctx context.Context, m *Message, gs GroupSettings) (*Request, error) {
	now := e.now()
	person, err := e.store.ResolvePerson(ctx, m.Sender, now)
	if err != nil {
		return nil, fmt.Errorf("resolve sender: %w", err)
	}
	req := &Request{Msg: m, Chat: m.Chat, Sender: person, e: e}
	if !m.Chat.IsGroup {
		// Only a direct message makes someone reachable privately: WhatsApp
		// treats a DM to someone who only typed a command in a group as
		// cold outreach (error 463, reach-out time-lock), so features use
		// their group fallback until the person writes to the bot.
		if err := e.store.MarkContactable(ctx, person.ID); err != nil {
			return nil, fmt.Errorf("mark contactable: %w", err)
		}
		return req, nil
	}
	if err := e.store.SetMember(ctx, m.Chat.ID, person.ID, true, now); err != nil {
		return nil, fmt.Errorf("record member: %w", err)
	}
	if m.Chat.Name != "" && gs.Name != m.Chat.Name {
		gs.Name = m.Chat.Name
		if gs.Enabled {
			if err := e.store.SaveGroupSettings(ctx, gs); err != nil {
				return nil, fmt.Errorf("save group name: %w", err)
			}
		}
	}
	req.Group = gs
	return req, nil
}

// botCommandWhileOff answers "!bot" in a group that has not switched the
// bot on, the only message that reaches here from such a group: an admin
// gets the status or the switch, anyone else typing "!bot on" a clear
// refusal. Plain "!bot" from a member stays unanswered, so curious typing
// cannot make the bot chatty.
func (e *Engine) botCommandWhileOff(ctx context.Context, req *Request) error {
	if req.Args == "" {
		admin, err := req.IsAdmin(ctx)
		if err != nil || !admin {
			e.obs.MessageReceived("ignored")
			return err
		}
	}
	e.obs.MessageReceived("command")
	return e.runHandler(ctx, req, req.Route.Handler)
}

// runInspectors shows a group message to each inspector (moderation) in
// turn, until one handles it. An inspector's own failure is logged and the
// next one asked; a store that cannot write fails the message.
func (e *Engine) runInspectors(ctx context.Context, req *Request) (moderated bool, err error) {
	for _, inspect := range e.reg.inspectors {
		handled, err := e.safeInspect(ctx, inspect, req)
		if err != nil {
			if storeErr := e.checkUnit(ctx); storeErr != nil {
				return false, storeErr
			}
			e.log.Error("moderation check", KeyChat, req.Chat.ID, KeyErr, err)
			continue
		}
		if handled {
			e.obs.MessageReceived("moderated")
			return true, nil
		}
	}
	return false, nil
}

// runListeners gives a bare yes or no in a direct message to the feature
// whose question it answers, then passes plain chatter to every listener,
// in wiring order. A listener's own failure is logged and the rest still
// run; a store that cannot write fails the message.
func (e *Engine) runListeners(ctx context.Context, req *Request) error {
	if _, err := e.answerQuestion(ctx, req); err != nil {
		if storeErr := e.checkUnit(ctx); storeErr != nil {
			return storeErr
		}
		e.log.Error("yes/no answer", KeyChat, req.Chat.ID, KeyErr, err)
	}
	for _, l := range e.reg.listeners {
		if l.direct && !directOpen(req, false) {
			continue
		}
		if err := e.callSafely(ctx, l.fn, req); err != nil {
			if storeErr := e.checkUnit(ctx); storeErr != nil {
				return storeErr
			}
			e.log.Error("listener", KeyChat, req.Chat.ID, KeyErr, err)
		}
	}
	return nil
}

// checkUnit reports whether the unit of work of ctx can still commit,
// after a handler failed: a handler's own bug is answered and the message
// counts as handled, but a store that cannot write must fail the whole
// message so that it is delivered again.
func (e *Engine) checkUnit(ctx context.Context) error {
	return e.store.Atomic(ctx, func(context.Context) error { return nil })
}

func (e *Engine) route(ctx context.Context, req *Request) error {
	rt := req.Route
	if rt == nil && len(e.reg.router.Named(req.Command)) == 0 {
		// Before the length check: a long message that merely starts
		// with "!" is chatter, not a command too long.
		return e.unknownCommand(ctx, req)
	}
	if RuneLen(req.Msg.Text) > e.cfg.MaxCommandRunes {
		return req.Reply(ctx, fmt.Sprintf("That command is too long for me (over %d characters). Please send a shorter one.", e.cfg.MaxCommandRunes))
	}
	if rt == nil {
		// The name exists but every route declined it here (a route
		// with Match, e.g. lending's !join where lending is off): refuse
		// as that route would, rather than "unknown command".
		return e.declined(ctx, req, e.reg.router.Named(req.Command)[0])
	}
	if msg := req.phoneReply; msg != "" {
		// Whatever the command, a typed number would be stored and shown
		// on (a listing, a report, a mention turned "@a neighbour"): stop
		// here, once for every feature.
		e.obs.CommandHandled(req.Command, "refused", 0)
		return req.Reply(ctx, msg)
	}
	return e.runHandler(ctx, req, rt.gated)
}

// unknownCommand answers a "!word" that names no command, but only when it
// was meant as one: the word alone ("!halp"), or a word close to a real
// command ("!lnd drill", "!my data"). Everyday messages that merely start
// with "!" — "!important: bins tomorrow", "!NB road closed", "!urgent water
// leak" — are plain chatter in a group: no reply, and the listeners (a
// power-cut hint) see them as they would any other message.
func (e *Engine) unknownCommand(ctx context.Context, req *Request) error {
	p := e.prefix()
	// "!my data" for "!mydata": the name split in two by a space.
	if f := req.Fields(); len(f) > 0 && isWord(req.Command) {
		if joined, ok := e.reg.router.Lookup(req.Command + strings.ToLower(f[0])); ok && !joined.Hidden {
			e.obs.CommandHandled("unknown", "unknown", 0)
			return req.Reply(ctx, fmt.Sprintf("Unknown command %s%s — did you mean %s%s%s?", p, req.Command, p, req.Command, strings.ToLower(f[0])))
		}
	}
	if s := e.reg.router.Suggest(req.Command); s != "" && isWord(req.Command) && e.argsFit(s, req.Args) {
		e.obs.CommandHandled("unknown", "unknown", 0)
		return req.Reply(ctx, fmt.Sprintf("Unknown command %s%s — did you mean %s%s? Type %shelp for the list.", p, req.Command, p, s, p))
	}
	if (req.Args == "" && isWord(req.Command)) || !req.Chat.IsGroup {
		// In a direct message everything is said to the bot: an unknown
		// command is always answered there.
		e.obs.CommandHandled("unknown", "unknown", 0)
		return req.Reply(ctx, fmt.Sprintf("Unknown command %s%s. Type %shelp for the list.", p, req.Command, p))
	}
	return e.runListeners(ctx, req)
}

// argsFit reports whether the words after a mistyped name could be what
// the suggested command takes: "!warning ice on the hill" is not "!warnings
// @member", whose argument is a mention.
func (e *Engine) argsFit(name, args string) bool {
	rt, ok := e.reg.router.Lookup(name)
	if !ok || args == "" {
		return ok
	}
	usage := strings.TrimLeft(rt.Usage, "[")
	if strings.HasPrefix(usage, "@") {
		return strings.HasPrefix(args, "@")
	}
	return true
}

// isWord reports whether a typed command name is one word of letters and
// digits: "!important:" or "!NB," is punctuation-led chatter, not a command.
func isWord(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// nameMentions rewrites each "@447700900123" or "@<lid>" a transport left
// in the text into "@Name", so a mention never carries a phone number into
// what features store, show or send on (a pothole description, an item
// note). It only looks people up: someone merely mentioned is not stored
// (Request.Mentioned does that when a handler needs them), and an unknown
// number becomes "@a neighbour". Tokens that are not numbers (console
// names) are left alone.
func (e *Engine) nameMentions(ctx context.Context, m *Message) error {
	for i, mn := range m.Mentions {
		name := ""
		for _, a := range []Address{mn.Addr, mn.Alt} {
			if a == "" || name != "" {
				continue
			}
			p, err := e.store.PersonByAddr(ctx, a)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("look up mention: %w", err)
			}
			name = p.DisplayName()
		}
		shown := name
		if shown == "" {
			shown = Person{}.DisplayName()
		}
		for _, a := range []Address{mn.Addr, mn.Alt} {
			if u := a.User(); a != "" && allDigits(u) {
				m.Text = replaceMention(m.Text, "@"+u, "@"+shown)
			}
		}
		if name != "" {
			m.Mentions[i].Name = name
		}
	}
	return nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// replaceMention replaces whole "@token" words only, so "@12" does not eat
// into "@123".
func replaceMention(text, token, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, token)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := i + len(token)
		r, _ := utf8.DecodeRuneInString(text[end:])
		if end < len(text) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteString(text[:end])
			text = text[end:]
			continue
		}
		b.WriteString(text[:i] + with)
		text = text[end:]
	}
}

// declined answers a command whose routes all declined the request.
func (e *Engine) declined(ctx context.Context, req *Request, rt *Route) error {
	p := e.prefix()
	e.obs.CommandHandled(rt.Name, "refused", 0)
	switch {
	case rt.Feature != "" && req.Chat.IsGroup && !req.Group.FeatureOn(rt.Feature):
		return req.Reply(ctx, featureOffReply(rt.Feature, p))
	case !req.Chat.IsGroup:
		return req.Reply(ctx, groupOnlyReply(p, req.Command))
	case rt.Scope == DirectOnly:
		return req.Reply(ctx, directOnlyReply(p, req.Command))
	}
	return req.Reply(ctx, fmt.Sprintf("%s%s can't be used like that here. Type %shelp %s for how to use it.", p, req.Command, p, req.Command))
}

func (e *Engine) runHandler(ctx context.Context, req *Request, h HandlerFunc) error {
	started := time.Now() // wall time: this measures handler cost, not the bot's clock
	err := e.callSafely(ctx, h, req)
	took := time.Since(started)
	if err == nil {
		e.obs.CommandHandled(req.Command, "ok", took)
		return nil
	}
	if msg, ok := refused(err); ok {
		e.obs.CommandHandled(req.Command, "refused", 0)
		return req.Reply(ctx, msg)
	}
	if msg, ok := UserMessage(err); ok {
		e.obs.CommandHandled(req.Command, "user_error", took)
		return req.Reply(ctx, msg)
	}
	e.obs.CommandHandled(req.Command, "internal_error", took)
	return e.replyInternal(ctx, req, err)
}

// replyInternal logs a handler's failure and answers with the standard
// apology. When the failure was the store's (the unit of work can no longer
// commit), it returns the error instead, so the message is not marked
// handled and comes again.
func (e *Engine) replyInternal(ctx context.Context, req *Request, err error) error {
	if storeErr := e.checkUnit(ctx); storeErr != nil {
		return errors.Join(err, storeErr)
	}
	e.log.Error("command failed", KeyCommand, req.Command, KeyChat, req.Chat.ID, KeyMsg, req.Msg.ID, KeyErr, err)
	if rerr := req.Reply(ctx, InternalErrorReply); rerr != nil {
		return errors.Join(err, rerr)
	}
	return nil
}

// callSafely runs a handler in a savepoint of the unit of work, turning a
// panic into an error so one broken handler never takes the bot down; a
// handler that fails leaves nothing of what it wrote or queued. A user
// error (bot.Userf) is an answer, not a failure: what the handler did
// before giving it stays.
func (e *Engine) callSafely(ctx context.Context, h HandlerFunc, req *Request) error {
	var answer error
	err := e.store.Atomic(ctx, func(ctx context.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				e.log.Error("handler panicked", KeyCommand, req.Command, "panic", r, "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		err = h(ctx, req)
		if _, ok := UserMessage(err); ok {
			answer = err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return answer
}

func (e *Engine) safeInspect(ctx context.Context, fn InspectFunc, req *Request) (handled bool, err error) {
	err = e.store.Atomic(ctx, func(ctx context.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				e.log.Error("moderation check panicked", "panic", r, "stack", string(debug.Stack()))
				handled, err = false, fmt.Errorf("panic: %v", r)
			}
		}()
		handled, err = fn(ctx, req)
		return err
	})
	return handled, err
}

func (e *Engine) dispatchPollVote(ctx context.Context, req *Request) error {
	v := req.Msg.PollVote
	poll, err := e.store.Poll(ctx, req.Chat.ID, v.PollID)
	if errors.Is(err, ErrNotFound) {
		return nil // a vote on a poll the bot did not send, or one purged
	}
	if err != nil {
		return fmt.Errorf("load poll: %w", err)
	}
	votes := append([]string(nil), v.Options...)
	for _, h := range v.OptionHashes {
		for _, opt := range poll.Options {
			sum := sha256.Sum256([]byte(opt))
			if string(sum[:]) == string(h) {
				votes = append(votes, opt)
			}
		}
	}
	fn, ok := e.reg.polls[poll.Kind]
	if !ok {
		return nil
	}
	req.Poll, req.Votes = &poll, votes
	if err := e.callSafely(ctx, fn, req); err != nil {
		if msg, ok := UserMessage(err); ok {
			return req.Reply(ctx, msg)
		}
		if storeErr := e.checkUnit(ctx); storeErr != nil {
			return storeErr
		}
		// A vote the feature could not take is logged; the message still
		// counts as handled (a redelivery would fail the same way).
		e.log.Error("poll vote failed", KeyKind, poll.Kind, KeyChat, req.Chat.ID, KeyErr, err)
	}
	return nil
}

// HandleGroupChange processes a membership event synchronously, in one
// unit of work; an error means nothing was committed.
func (e *Engine) HandleGroupChange(ctx context.Context, ch GroupChange) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.store.Atomic(ctx, func(ctx context.Context) error { return e.handleGroupChange(ctx, ch) })
	if err != nil {
		e.health.failed("handle group change", err)
		return err
	}
	e.health.ok()
	e.afterUnit(ctx)
	return nil
}

func (e *Engine) handleGroupChange(ctx context.Context, ch GroupChange) error {
	if ch.Kind == BotRemoved || ch.Kind == BotAdded {
		return e.botMembership(ctx, ch) // groupgone.go
	}
	now := e.now()
	gs, err := e.store.GroupSettings(ctx, ch.Chat.ID)
	if err != nil {
		return fmt.Errorf("group settings: %w", err)
	}
	if !gs.Enabled {
		return nil // the bot keeps nothing about groups that have not opted in
	}
	people := make([]Person, 0, len(ch.Members))
	for _, m := range ch.Members {
		p, err := e.store.ResolvePerson(ctx, m, now)
		if err != nil {
			return fmt.Errorf("resolve member: %w", err)
		}
		people = append(people, p)
		switch ch.Kind {
		case MemberJoined:
			err = e.store.SetMember(ctx, ch.Chat.ID, p.ID, true, now)
		case MemberLeft:
			err = e.store.SetMember(ctx, ch.Chat.ID, p.ID, false, now)
		}
		if err != nil {
			return fmt.Errorf("record membership: %w", err)
		}
	}
	for _, h := range e.reg.groupHandlers {
		err := e.store.Atomic(ctx, func(ctx context.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					e.log.Error("group change handler panicked", "panic", r)
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			return h(ctx, ch, people)
		})
		if err != nil {
			if storeErr := e.checkUnit(ctx); storeErr != nil {
				return storeErr
			}
			e.log.Error("group change handler", KeyChat, ch.Chat.ID, KeyErr, err)
		}
	}
	return nil
}

// RunDueJobs runs every job due at the clock's current time, oldest first,
// and returns when they have all run: a two-phase job's fetch runs here,
// outside any unit of work, then its apply. Each unit of work is
// serialised with message handling; a fetch is not.
func (e *Engine) RunDueJobs(ctx context.Context) { e.jobs.RunDue(ctx, ctx, false) }

// AdvanceTo moves a manual clock forward to target, stopping at each job's
// due time on the way and running it then, so jobs see the time they were
// due at (the console's @advance and tests use it). With synchronous sends
// it also stops when a delayed send (a retry, an offline spell) falls due.
func (e *Engine) AdvanceTo(ctx context.Context, clock *ManualClock, target time.Time) error {
	for range 100000 {
		next, ok, err := e.nextEvent(ctx)
		if err != nil {
			return err
		}
		if !ok || next.After(target) {
			break
		}
		if next.After(clock.Now()) {
			clock.Set(next)
		}
		e.RunDueJobs(ctx)
		e.flushIfSync(ctx)
		// A job that failed was rescheduled later; a job or send that keeps
		// falling due in the past cannot stall us because time only moves
		// forward here and the loop is bounded.
		if n2, ok2, _ := e.nextEvent(ctx); ok2 && !n2.After(clock.Now()) && n2.Equal(next) {
			break
		}
	}
	if target.After(clock.Now()) {
		clock.Set(target)
	}
	e.flushIfSync(ctx)
	return nil
}

// nextEvent is when the next job, or with synchronous sends the next
// delayed send, falls due.
func (e *Engine) nextEvent(ctx context.Context) (time.Time, bool, error) {
	next, ok, err := e.store.NextJobAt(ctx)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next job: %w", err)
	}
	if !e.cfg.SyncSends {
		return next, ok, nil
	}
	send, sok, err := e.store.NextSendAt(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	if sok && (!ok || send.Before(next)) {
		return send, true, nil
	}
	return next, ok, nil
}

func (e *Engine) flushIfSync(ctx context.Context) {
	if e.cfg.SyncSends {
		e.mu.Lock()
		e.out.flush(ctx)
		e.mu.Unlock()
	}
}

// deliver handles m for DeliverMessage.
func (e *Engine) deliver(ctx context.Context, m *Message) error {
	_, err := e.HandleMessage(ctx, m)
	return err
}

// deliverGroupChange handles ch for DeliverGroupChange.
func (e *Engine) deliverGroupChange(ctx context.Context, ch GroupChange) error {
	return e.HandleGroupChange(ctx, ch)
}
