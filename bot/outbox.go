package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
// when ctx has none) and wakes the sender once it commits.
func (e *Engine) enqueue(ctx context.Context, chat ChatID, kind, msgID string, person int64, action any) error {
	payload, err := json.Marshal(action)
	if err != nil {
		return fmt.Errorf("queue %s: encode: %w", kind, err)
	}
	now := e.now()
	q := QueuedSend{Chat: chat, Kind: kind, MsgID: msgID, Priority: priorityOf(ctx), Payload: payload,
		Person: person, Created: now, NotBefore: now}
	return e.store.Atomic(ctx, func(ctx context.Context) error {
		if _, err := e.store.QueueSend(ctx, q); err != nil {
			return err
		}
		e.store.AfterCommit(ctx, e.sendersTurn)
		return nil
	})
}

// sendersTurn runs once a unit of work that queued sends has committed: it
// wakes Run's sender, or with synchronous sends sends them at once (so a
// send made outside any message or job, a webhook's or a directive's, goes
// too).
func (e *Engine) sendersTurn() {
	if e.cfg.SyncSends {
		e.FlushSends(context.Background())
		return
	}
	e.wakeSender()
}

func (e *Engine) wakeSender() {
	select {
	case e.wake <- struct{}{}:
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

// runSender drains the send queue until ctx ends. It runs on its own
// goroutine, so pacing delays sends but never holds up inbound handling.
func (e *Engine) runSender(ctx context.Context) {
	for ctx.Err() == nil {
		sent, wait := e.sendNext(ctx)
		if sent {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-e.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// FlushSends sends everything that is due now, one after another. The
// console and tests use it (Config.SyncSends) so that replies print right
// after the line that caused them.
func (e *Engine) FlushSends(ctx context.Context) {
	for range 10000 {
		if sent, _ := e.sendNext(ctx); !sent {
			return
		}
	}
}

// idleWait is how long the sender sleeps when it has nothing to do and is
// not woken; it also bounds how late a delayed row is picked up.
const idleWait = 30 * time.Second

// sendNext sends the next due row. It reports whether it did something,
// and otherwise how long to wait before looking again.
func (e *Engine) sendNext(ctx context.Context) (bool, time.Duration) {
	// One sender at a time: the console's flushes and Run's sender never
	// overlap, so a row is never sent twice at once.
	e.sendMu.Lock()
	defer e.sendMu.Unlock()
	now := e.now()
	q, ok, err := e.store.NextSend(ctx, now)
	if err != nil {
		e.storeFailed("read send queue", err)
		return false, 5 * time.Second
	}
	if !ok {
		at, ok, err := e.store.NextSendAt(ctx)
		if err != nil || !ok {
			return false, idleWait
		}
		return false, min(max(at.Sub(now), 10*time.Millisecond), idleWait)
	}
	if held := e.quietUntil(ctx, q, now); held.After(now) {
		// A bulk row that fell due at night waits for morning.
		if err := e.store.Atomic(context.WithoutCancel(ctx), func(ctx context.Context) error {
			return e.store.DelaySend(ctx, q.ID, held, false, q.LastErr)
		}); err != nil {
			e.storeFailed("update send queue", err)
			return false, 5 * time.Second
		}
		return true, 0
	}
	sendErr := e.deliverQueued(ctx, q)
	if ctx.Err() != nil {
		// Shutting down: the row stays and goes, under the same id, at
		// the next start.
		return false, 0
	}
	e.obs.Sent(q.Kind, sendErr)
	done := context.WithoutCancel(ctx)
	err = e.store.Atomic(done, func(ctx context.Context) error {
		return e.settleSend(ctx, q, sendErr)
	})
	if err != nil {
		e.storeFailed("update send queue", err)
		return false, 5 * time.Second
	}
	return true, 0
}

// settleSend records a send's outcome: gone when the server took it or it
// can never succeed, later otherwise.
func (e *Engine) settleSend(ctx context.Context, q QueuedSend, sendErr error) error {
	switch {
	case sendErr == nil:
		return e.store.FinishSend(ctx, q.ID)
	case errors.Is(sendErr, ErrNotConnected):
		// Offline is nobody's fault and uses up no attempt.
		return e.store.DelaySend(ctx, q.ID, e.now().Add(offlineWait), false, RedactPhones(sendErr.Error()))
	case errors.Is(sendErr, ErrExpired):
		e.log.Info("queued send dropped", KeyChat, q.Chat, KeyKind, q.Kind, "why", sendErr)
		return e.failSend(ctx, q, sendErr)
	case errors.Is(sendErr, ErrGroupGone):
		e.log.Info("queued send dropped: the bot was removed from the group", KeyChat, q.Chat, KeyKind, q.Kind)
		return e.failSend(ctx, q, sendErr)
	case errors.Is(sendErr, ErrGroupOff):
		e.log.Info("queued send dropped: the group switched the bot off", KeyChat, q.Chat, KeyKind, q.Kind)
		return e.failSend(ctx, q, sendErr)
	case Permanent(sendErr):
		e.log.Warn("send failed for good", KeyChat, q.Chat, KeyKind, q.Kind, KeyErr, redact(sendErr))
		return e.failSend(ctx, q, sendErr)
	case q.Attempts+1 >= maxSendAttempts:
		e.log.Error("send dropped after retries", KeyChat, q.Chat, KeyKind, q.Kind, "attempts", q.Attempts+1, KeyErr, redact(sendErr))
		return e.failSend(ctx, q, fmt.Errorf("gave up after %d attempts: %w", q.Attempts+1, sendErr))
	}
	wait := sendBackoff.Delay(q.Attempts+1, q.MsgID+string(q.Chat), RetryAfterOf(sendErr))
	e.log.Warn("send failed, will retry", KeyChat, q.Chat, "kind", q.Kind, "in", wait, "err", redact(sendErr))
	return e.store.DelaySend(ctx, q.ID, e.now().Add(wait), true, RedactPhones(sendErr.Error()))
}

// SendFailedFunc is told, inside the unit of work that drops the row, about a
// queued send that will never go: the bot left the chat, the server refused
// it for good, or it failed every retry. Features that track their own
// deliveries (council notices) record the failure here.
type SendFailedFunc func(ctx context.Context, q QueuedSend, err error) error

// onSendFailed adds a hook for sends that will never go.
func (e *Engine) onSendFailed(fn SendFailedFunc) { e.sendFailed = append(e.sendFailed, fn) }

// failSend drops a row and tells the hooks why.
func (e *Engine) failSend(ctx context.Context, q QueuedSend, err error) error {
	for _, fn := range e.sendFailed {
		if herr := fn(ctx, q, redact(err)); herr != nil {
			return fmt.Errorf("send failure hook: %w", herr)
		}
	}
	return e.store.FinishSend(ctx, q.ID)
}

// stillWanted reports ErrExpired for a message past its Expires, or whose
// feature its group has switched off since it was queued.
func (e *Engine) stillWanted(ctx context.Context, m OutMessage) error {
	if !m.Expires.IsZero() && !e.now().Before(m.Expires) {
		return fmt.Errorf("%w: expired at %s", ErrExpired, m.Expires.Format(time.RFC3339))
	}
	if m.Feature == "" {
		return nil
	}
	gs, err := e.store.GroupSettings(ctx, m.Chat)
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
func (e *Engine) quietUntil(ctx context.Context, q QueuedSend, now time.Time) time.Time {
	if q.Priority < PriorityNormal {
		return now
	}
	gs, err := e.store.GroupSettings(ctx, q.Chat)
	if err != nil {
		e.log.Warn("quiet hours of a group", KeyChat, q.Chat, KeyErr, err)
	}
	if own, ok := GroupQuiet(gs, e.cfg.QuietHours); ok && err == nil {
		return own.NextAllowed(now)
	}
	if q.Priority < PriorityBulk || e.cfg.QuietHours == nil {
		return now
	}
	return e.cfg.QuietHours.NextAllowed(now)
}

// Permanent reports whether a transport error can never succeed on retry:
// the bot left the chat, lacks admin rights, or may not message the person.
func Permanent(err error) bool {
	return errors.Is(err, ErrNotInChat) || errors.Is(err, ErrNotAdmin) || errors.Is(err, ErrNoContact) || errors.Is(err, ErrRejected)
}

// deliverQueued performs one queued action on the transport.
func (e *Engine) deliverQueued(ctx context.Context, q QueuedSend) error {
	if q.Priority > PriorityReply {
		// A group that switched the bot off since the row was written
		// gets nothing it did not ask for.
		if err := e.groupOpen(ctx, q.Chat); err != nil {
			return err
		}
	} else if err := e.groupPresent(ctx, q.Chat); err != nil {
		return err
	}
	switch q.Kind {
	case sendText:
		var m OutMessage
		if err := json.Unmarshal(q.Payload, &m); err != nil {
			return fmt.Errorf("%w: decode queued message: %v", ErrRejected, err)
		}
		if err := e.stillWanted(ctx, m); err != nil {
			return err
		}
		_, err := e.tr.Send(ctx, m)
		return err
	case sendPoll:
		var p OutPoll
		if err := json.Unmarshal(q.Payload, &p); err != nil {
			return fmt.Errorf("%w: decode queued poll: %v", ErrRejected, err)
		}
		_, err := e.tr.SendPoll(ctx, p)
		return err
	case sendEdit:
		var a editAction
		if err := json.Unmarshal(q.Payload, &a); err != nil {
			return fmt.Errorf("%w: decode queued edit: %v", ErrRejected, err)
		}
		return e.tr.Edit(ctx, a.Chat, a.ID, a.Text)
	case sendReact:
		var a reactAction
		if err := json.Unmarshal(q.Payload, &a); err != nil {
			return fmt.Errorf("%w: decode queued reaction: %v", ErrRejected, err)
		}
		return e.tr.React(ctx, a.Target, a.Emoji)
	case sendDelete:
		var a deleteAction
		if err := json.Unmarshal(q.Payload, &a); err != nil {
			return fmt.Errorf("%w: decode queued deletion: %v", ErrRejected, err)
		}
		return e.tr.Delete(ctx, a.Target)
	case sendRemove:
		var a removeAction
		if err := json.Unmarshal(q.Payload, &a); err != nil {
			return fmt.Errorf("%w: decode queued removal: %v", ErrRejected, err)
		}
		return e.tr.RemoveMember(ctx, a.Chat, a.Member)
	}
	return fmt.Errorf("%w: unknown queued kind %q", ErrRejected, q.Kind)
}

// forgetQueued takes a person who asked to be forgotten out of what still
// waits to be sent: direct messages to them are cancelled, and a group
// message that mentions them mentions "a neighbour" instead.
func (e *Engine) forgetQueued(ctx context.Context, person int64) error {
	if _, err := e.store.CancelSends(ctx, person); err != nil {
		return err
	}
	p, err := e.store.PersonByID(ctx, person)
	if err != nil {
		return fmt.Errorf("load person: %w", err)
	}
	addrs, err := e.store.PersonAddrs(ctx, person)
	if err != nil {
		return fmt.Errorf("load addresses: %w", err)
	}
	theirs := map[Address]bool{}
	for _, a := range addrs {
		theirs[a] = true
	}
	rows, err := e.store.QueuedTexts(ctx)
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
		if err := e.store.RewriteQueued(ctx, q.ID, payload); err != nil {
			return err
		}
	}
	return nil
}
