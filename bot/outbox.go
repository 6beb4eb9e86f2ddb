package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Priority orders the send queue: lower goes first. Within one chat the
// queue keeps the order rows of one priority were written in; a more
// urgent row may overtake a less urgent one.
type Priority int

const (
	// PriorityReply is for replies and direct answers to a resident's own
	// message: everything sent while handling an inbound message.
	PriorityReply Priority = iota
	// PriorityEmergency, PriorityUrgent: council notices by urgency.
	PriorityEmergency
	PriorityUrgent
	// PriorityNormal is for what jobs send: reminders, verdicts, follow-ups.
	PriorityNormal
	// PriorityBulk is for normal notice fan-out and digests, which may
	// wait behind everything else.
	PriorityBulk
)

type priorityKey struct{}

// WithPriority makes the sends queued with ctx go at p.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

func priorityOf(ctx context.Context) Priority {
	if p, ok := ctx.Value(priorityKey{}).(Priority); ok {
		return p
	}
	return PriorityNormal
}

// Outbox is the send queue: it queues what the bot sends or does in chats
// in the unit of work of ctx — each goes once that commits, paced, under an
// id fixed now — and its sender drains the queue, retries what failed and
// tells the send-failed hooks about what will never go. The Kit hands it to
// features as Out.
type Outbox struct {
	store  Store
	tr     Transport
	clock  Clock
	log    *slog.Logger
	obs    Observer
	health *storeHealth
	quiet  *QuietHours // the bot's quiet hours for bulk rows; nil: none
	// sync sends what a unit of work queued right after its commit, on the
	// same goroutine (Config.SyncSends).
	sync bool

	wake       chan struct{} // pokes the sender after a commit that queued sends
	sendMu     sync.Mutex    // one sender at a time
	sendFailed []SendFailedFunc

	// claims, on a store other processes share, claims each row before
	// it goes (nil: the store is this process's alone); owner names this
	// engine in the claims.
	claims WorkClaimer
	owner  string
}

func newOutbox(cfg Config, store Store, tr Transport, clock Clock, health *storeHealth) *Outbox {
	return &Outbox{store: store, tr: tr, clock: clock, log: cfg.Log, obs: cfg.Observer, health: health,
		quiet: cfg.QuietHours, sync: cfg.SyncSends, wake: make(chan struct{}, 1),
		claims: claimerOf(store), owner: cfg.Owner}
}

// Send-queue row kinds.
const (
	sendText   = "text"
	sendPoll   = "poll"
	sendEdit   = "edit"
	sendReact  = "react"
	sendDelete = "delete"
	sendRemove = "remove"
)

// QueuedSend is one row of the durable send queue.
type QueuedSend struct {
	ID        int64
	Chat      ChatID
	Kind      string
	MsgID     string // fixed before sending; empty for actions that have none
	Priority  Priority
	Payload   []byte // JSON of the action
	Person    int64  // recipient of a direct message, 0 otherwise
	Created   time.Time
	NotBefore time.Time
	Attempts  int
	LastErr   string
}

type editAction struct {
	Chat ChatID
	ID   string
	Text string
}

type reactAction struct {
	Target MessageRef
	Emoji  string
}

type deleteAction struct{ Target MessageRef }

type removeAction struct {
	Chat   ChatID
	Member Address
}

// enqueue writes one send-queue row in the unit of work of ctx (a new one
// when ctx has none) and wakes the sender once it commits. In a unit of
// work the row needs no savepoint of its own: it is one statement, which
// SQLite writes whole or not at all.
func (o *Outbox) enqueue(ctx context.Context, chat ChatID, kind, msgID string, person int64, action any) error {
	payload, err := json.Marshal(action)
	if err != nil {
		return fmt.Errorf("queue %s: encode: %w", kind, err)
	}
	now := o.clock.Now()
	q := QueuedSend{Chat: chat, Kind: kind, MsgID: msgID, Priority: priorityOf(ctx), Payload: payload,
		Person: person, Created: now, NotBefore: now}
	if !o.store.InUnit(ctx) {
		return o.store.Atomic(ctx, func(ctx context.Context) error { return o.queue(ctx, q) })
	}
	return o.queue(ctx, q)
}

// queue writes q and has the sender take its turn after the commit.
func (o *Outbox) queue(ctx context.Context, q QueuedSend) error {
	if _, err := o.store.QueueSend(ctx, q); err != nil {
		return err
	}
	o.store.AfterCommit(ctx, o.sendersTurn)
	return nil
}

// sendersTurn runs once a unit of work that queued sends has committed: it
// wakes Run's sender, or with synchronous sends sends them at once (so a
// send made outside any message or job, a webhook's or a directive's, goes
// too).
func (o *Outbox) sendersTurn() {
	if o.sync {
		o.flush(context.Background())
		return
	}
	o.wakeSender()
}

func (o *Outbox) wakeSender() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// sendBackoff spaces a failing send's retries: 5 seconds doubling to 10
// minutes, spread a little so that a fan-out's failed sends do not all come
// back in the same second.
var sendBackoff = Backoff{Base: 5 * time.Second, Max: 10 * time.Minute, Jitter: 0.2}

// offlineWait is how often a send waiting for the connection is tried again.
const offlineWait = 30 * time.Second

// maxSendAttempts bounds retries of a failing send; offline time does not
// count.
const maxSendAttempts = 10

// run drains the send queue until ctx ends (Run starts it). It runs on its own
// goroutine, so pacing delays sends but never holds up inbound handling.
func (o *Outbox) run(ctx context.Context) {
	for ctx.Err() == nil {
		sent, wait := o.sendNext(ctx)
		if sent {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-o.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// flush sends everything that is due now, one after another. The
// console and tests use it (Config.SyncSends) so that replies print right
// after the line that caused them.
func (o *Outbox) flush(ctx context.Context) {
	for range 10000 {
		if sent, _ := o.sendNext(ctx); !sent {
			return
		}
	}
}

// idleWait is how long the sender sleeps when it has nothing to do and is
// not woken; it also bounds how late a delayed row is picked up.
const idleWait = 30 * time.Second

// sendNext sends the next due row. It reports whether it did something,
// and otherwise how long to wait before looking again.
func (o *Outbox) sendNext(ctx context.Context) (bool, time.Duration) {
	// One sender at a time: the console's flushes and Run's sender never
	// overlap, so a row is never sent twice at once.
	o.sendMu.Lock()
	defer o.sendMu.Unlock()
	now := o.clock.Now()
	q, ok, err := o.next(ctx, now)
	if err != nil {
		o.health.failed("read send queue", err)
		return false, 5 * time.Second
	}
	if !ok {
		at, ok, err := o.store.NextSendAt(ctx)
		if err != nil || !ok {
			return false, idleWait
		}
		if o.claims != nil && !at.After(now) {
			// Due but held by another process's claim.
			return false, sharedWait
		}
		return false, min(max(at.Sub(now), 10*time.Millisecond), idleWait)
	}
	if held := o.quietUntil(ctx, q, now); held.After(now) {
		// A bulk row that fell due at night waits for morning.
		if err := o.store.Atomic(context.WithoutCancel(ctx), func(ctx context.Context) error {
			return o.store.DelaySend(ctx, q.ID, held, false, q.LastErr)
		}); err != nil {
			o.health.failed("update send queue", err)
			return false, 5 * time.Second
		}
		return true, 0
	}
	sendErr := o.deliverQueued(ctx, q)
	if ctx.Err() != nil {
		// Shutting down: the row stays and goes, under the same id, at
		// the next start — or from another process at once.
		o.unclaim(q)
		return false, 0
	}
	o.obs.Sent(q.Kind, sendErr)
	done := context.WithoutCancel(ctx)
	err = o.store.Atomic(done, func(ctx context.Context) error {
		return o.settleSend(ctx, q, sendErr)
	})
	if err != nil {
		o.health.failed("update send queue", err)
		return false, 5 * time.Second
	}
	return true, 0
}

// next is the row to send now: claimed for this engine when the store is
// shared, simply the next one otherwise.
func (o *Outbox) next(ctx context.Context, now time.Time) (QueuedSend, bool, error) {
	if o.claims != nil {
		return o.claims.ClaimSend(ctx, o.owner, now, sendLease)
	}
	return o.store.NextSend(ctx, now)
}

// unclaim gives a claimed row back untouched, for another process to take
// now rather than when the lease lapses.
func (o *Outbox) unclaim(q QueuedSend) {
	if o.claims == nil {
		return
	}
	err := o.store.Atomic(context.Background(), func(ctx context.Context) error {
		return o.store.DelaySend(ctx, q.ID, q.NotBefore, false, q.LastErr)
	})
	if err != nil {
		o.log.Warn("give back a claimed send", KeyChat, q.Chat, KeyErr, err)
	}
}

// settleSend records a send's outcome: gone when the server took it or it
// can never succeed, later otherwise.
func (o *Outbox) settleSend(ctx context.Context, q QueuedSend, sendErr error) error {
	switch {
	case sendErr == nil:
		return o.store.FinishSend(ctx, q.ID)
	case errors.Is(sendErr, ErrNotConnected):
		// Offline is nobody's fault and uses up no attempt.
		return o.store.DelaySend(ctx, q.ID, o.clock.Now().Add(offlineWait), false, RedactPhones(sendErr.Error()))
	case errors.Is(sendErr, ErrExpired):
		o.log.Info("queued send dropped", KeyChat, q.Chat, KeyKind, q.Kind, "why", sendErr)
		return o.failSend(ctx, q, sendErr)
	case errors.Is(sendErr, ErrGroupGone):
		o.log.Info("queued send dropped: the bot was removed from the group", KeyChat, q.Chat, KeyKind, q.Kind)
		return o.failSend(ctx, q, sendErr)
	case errors.Is(sendErr, ErrGroupOff):
		o.log.Info("queued send dropped: the group switched the bot off", KeyChat, q.Chat, KeyKind, q.Kind)
		return o.failSend(ctx, q, sendErr)
	case Permanent(sendErr):
		o.log.Warn("send failed for good", KeyChat, q.Chat, KeyKind, q.Kind, KeyErr, redact(sendErr))
		return o.failSend(ctx, q, sendErr)
	case q.Attempts+1 >= maxSendAttempts:
		o.log.Error("send dropped after retries", KeyChat, q.Chat, KeyKind, q.Kind, "attempts", q.Attempts+1, KeyErr, redact(sendErr))
		return o.failSend(ctx, q, fmt.Errorf("gave up after %d attempts: %w", q.Attempts+1, sendErr))
	}
	wait := sendBackoff.Delay(q.Attempts+1, q.MsgID+string(q.Chat), RetryAfterOf(sendErr))
	o.log.Warn("send failed, will retry", KeyChat, q.Chat, "kind", q.Kind, "in", wait, "err", redact(sendErr))
	return o.store.DelaySend(ctx, q.ID, o.clock.Now().Add(wait), true, RedactPhones(sendErr.Error()))
}

// SendFailedFunc is told, inside the unit of work that drops the row, about a
// queued send that will never go: the bot left the chat, the server refused
// it for good, or it failed every retry. Features that track their own
// deliveries (council notices) record the failure here.
type SendFailedFunc func(ctx context.Context, q QueuedSend, err error) error

// onSendFailed adds a hook for sends that will never go.
func (o *Outbox) onSendFailed(fn SendFailedFunc) { o.sendFailed = append(o.sendFailed, fn) }

// failSend drops a row and tells the hooks why.
func (o *Outbox) failSend(ctx context.Context, q QueuedSend, err error) error {
	for _, fn := range o.sendFailed {
		if herr := fn(ctx, q, redact(err)); herr != nil {
			return fmt.Errorf("send failure hook: %w", herr)
		}
	}
	return o.store.FinishSend(ctx, q.ID)
}

// stillWanted reports ErrExpired for a message past its Expires, or whose
// feature its group has switched off since it was queued.
func (o *Outbox) stillWanted(ctx context.Context, m OutMessage) error {
	if !m.Expires.IsZero() && !o.clock.Now().Before(m.Expires) {
		return fmt.Errorf("%w: expired at %s", ErrExpired, m.Expires.Format(time.RFC3339))
	}
	if m.Feature == "" {
		return nil
	}
	gs, err := o.store.GroupSettings(ctx, m.Chat)
	if err != nil {
		return fmt.Errorf("group settings: %w", err)
	}
	if gs.Known && !gs.FeatureOn(m.Feature) {
		return fmt.Errorf("%w: the group switched %s off", ErrExpired, m.Feature)
	}
	return nil
}

// quietUntil is when a row may go: now, or the end of quiet hours. A
// group with its own quiet hours (!quiet) holds every non-urgent row —
// what jobs and fan-outs post — by them; elsewhere the bot's quiet hours
// hold bulk rows (the features hold their own jobs by them).
func (o *Outbox) quietUntil(ctx context.Context, q QueuedSend, now time.Time) time.Time {
	if q.Priority < PriorityNormal {
		return now
	}
	gs, err := o.store.GroupSettings(ctx, q.Chat)
	if err != nil {
		o.log.Warn("quiet hours of a group", KeyChat, q.Chat, KeyErr, err)
	}
	if own, ok := GroupQuiet(gs, o.quiet); ok && err == nil {
		return own.NextAllowed(now)
	}
	if q.Priority < PriorityBulk || o.quiet == nil {
		return now
	}
	return o.quiet.NextAllowed(now)
}

// Permanent reports whether a transport error can never succeed on retry:
// the bot left the chat, lacks admin rights, or may not message the person.
func Permanent(err error) bool {
	return errors.Is(err, ErrNotInChat) || errors.Is(err, ErrNotAdmin) || errors.Is(err, ErrNoContact) || errors.Is(err, ErrRejected)
}

// deliverQueued performs one queued action on the transport.
func (o *Outbox) deliverQueued(ctx context.Context, q QueuedSend) error {
	if q.Priority > PriorityReply {
		// A group that switched the bot off since the row was written
		// gets nothing it did not ask for.
		if err := o.groupOpen(ctx, q.Chat); err != nil {
			return err
		}
	} else if err := o.groupPresent(ctx, q.Chat); err != nil {
		return err
	}
	switch q.Kind {
	case sendText:
		var m OutMessage
		if err := json.Unmarshal(q.Payload, &m); err != nil {
			return fmt.Errorf("%w: decode queued message: %v", ErrRejected, err)
		}
		if err := o.stillWanted(ctx, m); err != nil {
			return err
		}
		_, err := o.tr.Send(ctx, m)
		return err
	case sendPoll:
		var p OutPoll
		if err := json.Unmarshal(q.Payload, &p); err != nil {
			return fmt.Errorf("%w: decode queued poll: %v", ErrRejected, err)
		}
		_, err := o.tr.SendPoll(ctx, p)
		return err
	case sendEdit:
		var a editAction
		if err := json.Unmarshal(q.Payload, &a); err != nil {
			return fmt.Errorf("%w: decode queued edit: %v", ErrRejected, err)
		}
		return o.tr.Edit(ctx, a.Chat, a.ID, a.Text)
	case sendReact:
		var a reactAction
		if err := json.Unmarshal(q.Payload, &a); err != nil {
			return fmt.Errorf("%w: decode queued reaction: %v", ErrRejected, err)
		}
		return o.tr.React(ctx, a.Target, a.Emoji)
	case sendDelete:
		var a deleteAction
		if err := json.Unmarshal(q.Payload, &a); err != nil {
			return fmt.Errorf("%w: decode queued deletion: %v", ErrRejected, err)
		}
		return o.tr.Delete(ctx, a.Target)
	case sendRemove:
		var a removeAction
		if err := json.Unmarshal(q.Payload, &a); err != nil {
			return fmt.Errorf("%w: decode queued removal: %v", ErrRejected, err)
		}
		return o.tr.RemoveMember(ctx, a.Chat, a.Member)
	}
	return fmt.Errorf("%w: unknown queued kind %q", ErrRejected, q.Kind)
}

// forgetQueued takes a person who asked to be forgotten out of what still
// waits to be sent: direct messages to them are cancelled, and a group
// message that mentions them mentions "a neighbour" instead.
func (o *Outbox) forgetQueued(ctx context.Context, person int64) error {
	if _, err := o.store.CancelSends(ctx, person); err != nil {
		return err
	}
	p, err := o.store.PersonByID(ctx, person)
	if err != nil {
		return fmt.Errorf("load person: %w", err)
	}
	addrs, err := o.store.PersonAddrs(ctx, person)
	if err != nil {
		return fmt.Errorf("load addresses: %w", err)
	}
	theirs := map[Address]bool{}
	for _, a := range addrs {
		theirs[a] = true
	}
	rows, err := o.store.QueuedTexts(ctx)
	if err != nil {
		return err
	}
	for _, q := range rows {
		var m OutMessage
		if err := json.Unmarshal(q.Payload, &m); err != nil {
			continue // unreadable rows are dropped by the sender anyway
		}
		kept, changed := m.Mentions[:0:0], false
		for _, mn := range m.Mentions {
			if theirs[mn.Addr] {
				m.Text = replaceMention(m.Text, "@"+mn.Name, Person{}.DisplayName())
				changed = true
				continue
			}
			kept = append(kept, mn)
		}
		if !changed {
			continue
		}
		m.Mentions = kept
		if name := p.DisplayName(); name != (Person{}).DisplayName() {
			m.Text = replaceMention(m.Text, "@"+name, Person{}.DisplayName())
		}
		payload, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("encode queued message: %w", err)
		}
		if err := o.store.RewriteQueued(ctx, q.ID, payload); err != nil {
			return err
		}
	}
	return nil
}

// Send queues a message the bot was not asked for in this moment (a
// reminder, a verdict, a notice), in the unit of work of ctx: it goes once
// that commits, under the id it returns. It refuses groups that have switched
// the bot off since the job was planned (ErrGroupOff): the bot speaks only
// where it is welcome. Replies to a command go through Request.Reply.
func (o *Outbox) Send(ctx context.Context, m OutMessage) (string, error) {
	if err := o.groupOpen(ctx, m.Chat); err != nil {
		return "", err
	}
	return o.queueSend(ctx, m)
}

// queueSend queues a text under a fixed message id.
func (o *Outbox) queueSend(ctx context.Context, m OutMessage) (string, error) {
	if m.ID == "" {
		m.ID = o.tr.NewMessageID()
	}
	if err := o.enqueue(ctx, m.Chat, sendText, m.ID, 0, m); err != nil {
		return "", err
	}
	return m.ID, nil
}

// groupOpen reports ErrGroupOff for a known group that is switched off.
func (o *Outbox) groupOpen(ctx context.Context, chat ChatID) error {
	gs, err := o.store.GroupSettings(ctx, chat)
	if err != nil {
		return fmt.Errorf("group settings: %w", err)
	}
	if !gs.Removed.IsZero() {
		return ErrGroupGone
	}
	if gs.Known && !gs.Enabled {
		return ErrGroupOff
	}
	return nil
}

// CanDM reports whether the bot may message a person privately: only people
// who have sent it a direct message may be, since messaging people who never
// wrote to the account gets it banned.
func (o *Outbox) CanDM(ctx context.Context, p Person) (bool, error) {
	if p.Addr == "" {
		return false, nil
	}
	ok, err := o.store.Contactable(ctx, p.ID)
	if err != nil {
		return false, fmt.Errorf("contactable: %w", err)
	}
	return ok, nil
}

// DM queues a direct message to a person. It returns ErrNoContact, without
// queuing, for someone who never addressed the bot.
func (o *Outbox) DM(ctx context.Context, p Person, text string) error {
	ok, err := o.CanDM(ctx, p)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNoContact
	}
	m := OutMessage{Chat: ChatID(p.Addr), ID: o.tr.NewMessageID(), Text: text}
	return o.enqueue(ctx, m.Chat, sendText, m.ID, p.ID, m)
}

// SendPoll queues the poll p (Chat, Question, Options, Multiple) and
// remembers it, in the same unit of work, so votes reach the handler
// registered for kind, with ref naming the feature's own record. It returns
// the poll's message id.
func (o *Outbox) SendPoll(ctx context.Context, kind, ref string, p OutPoll) (string, error) {
	if err := o.groupOpen(ctx, p.Chat); err != nil {
		return "", err
	}
	p.ID = o.tr.NewMessageID()
	err := o.store.Atomic(ctx, func(ctx context.Context) error {
		saved := Poll{Chat: p.Chat, ID: p.ID, Kind: kind, Ref: ref, Question: p.Question, Options: p.Options, Created: o.clock.Now()}
		if err := o.store.SavePoll(ctx, saved); err != nil {
			return fmt.Errorf("save poll: %w", err)
		}
		return o.enqueue(ctx, p.Chat, sendPoll, p.ID, 0, p)
	})
	if err != nil {
		return "", err
	}
	return p.ID, nil
}

// Edit queues a new text for a message the bot sent.
func (o *Outbox) Edit(ctx context.Context, chat ChatID, id, text string) error {
	return o.enqueue(ctx, chat, sendEdit, "", 0, editAction{Chat: chat, ID: id, Text: text})
}

// React queues a reaction on a message; an empty emoji removes it.
func (o *Outbox) React(ctx context.Context, target MessageRef, emoji string) error {
	return o.enqueue(ctx, target.Chat, sendReact, "", 0, reactAction{Target: target, Emoji: emoji})
}

// Delete queues the removal of a message for everyone (for a member's
// message the bot must be group admin).
func (o *Outbox) Delete(ctx context.Context, target MessageRef) error {
	return o.enqueue(ctx, target.Chat, sendDelete, "", 0, deleteAction{Target: target})
}

// RemoveMember queues the removal of a member from a group.
func (o *Outbox) RemoveMember(ctx context.Context, chat ChatID, member Address) error {
	return o.enqueue(ctx, chat, sendRemove, "", 0, removeAction{Chat: chat, Member: member})
}

// groupPresent reports ErrGroupGone for a group the bot was removed from,
// so even a reply queued before the removal is not sent into it.
func (o *Outbox) groupPresent(ctx context.Context, chat ChatID) error {
	gs, err := o.store.GroupSettings(ctx, chat)
	if err != nil {
		return fmt.Errorf("group settings: %w", err)
	}
	if !gs.Removed.IsZero() {
		return ErrGroupGone
	}
	return nil
}
