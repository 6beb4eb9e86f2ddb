package bot

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Engine is the bot's core and its inbound pipeline. A message is delivered
// (DeliverMessage, from the transport's goroutine, onto the one worker),
// handled in one unit of work (handleInUnit: dedupe, the sender's
// bookkeeping, everything handlers change and queue) and in it shown to the
// inspectors (moderation), then to the listeners (chatter, yes/no answers)
// or routed to its command's handler. All handling is serialised, so
// features need no locks of their own.
//
// The rest are types of their own, which the Kit hands to features: the
// Registry (what features answer), the Outbox (the send queue and its
// sender), Jobs (the scheduler), Groups (owners, admins, participants),
// Questions (yes/no questions), Attachments and the AuditLog.
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
	if cfg.Owner == "" {
		cfg.Owner = defaultOwner()
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
	e.groups = newGroups(cfg, store, tr, clock)
	e.attachments = &Attachments{tr: tr}
	e.jobs = newJobs(store, clock, cfg.Log, cfg.Observer, &e.mu, e.afterUnit, e.health)
	e.jobs.claims, e.jobs.owner = claimerOf(store), cfg.Owner
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
	return e.await(ctx, func(ctx context.Context) error {
		_, err := e.HandleMessage(ctx, m)
		return err
	})
}

// DeliverGroupChange is DeliverMessage for a membership event.
func (e *Engine) DeliverGroupChange(ctx context.Context, ch GroupChange) error {
	return e.await(ctx, func(ctx context.Context) error { return e.HandleGroupChange(ctx, ch) })
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
