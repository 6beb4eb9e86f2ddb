package notices

import (
	"context"
	"errors"
	"time"

	"neighbourbot/bot"
)

// The drain: what is due in the outbox goes out at the notice pace, most
// urgent first, each row to its recipient once; a crash mid-send is
// settled at the next run.

// drainJob sends what is due in the outbox at the notice pace, most
// urgent first, then books itself for when the next row may go.
func (r *Feature) drainJob(ctx context.Context, job bot.Job) error {
	now := r.clock.Now()
	if err := r.recoverInterrupted(ctx, now); err != nil {
		return err
	}
	allow, err := r.paceAllowance(ctx, now)
	if err != nil {
		return err
	}
	rows, err := r.st.duePending(ctx, now, r.cfg.SendBatch, r.quiet(now))
	if err != nil {
		return err
	}
	cache := map[int64]*Notice{}
	sent := 0
	for _, row := range rows {
		n, ok := cache[row.NoticeID]
		if !ok {
			if n, err = r.st.notice(ctx, row.NoticeID); err != nil {
				return err
			}
			cache[row.NoticeID] = n
		}
		if sent >= allow.of(n.Urgency) {
			break
		}
		delivered, err := r.deliver(ctx, n, row, now)
		if err != nil {
			return err
		}
		if delivered {
			sent++
		}
	}
	return r.scheduleNextDrain(ctx, now)
}

// allowance is how many messages the outbox may send now: send_batch in
// any send_gap. An emergency counts only other emergencies' sends, so one
// approved in the middle of a fan-out goes within seconds rather than
// after the gap; that lets at most one extra batch through per gap.
type allowance struct{ any, emergency int }

func (a allowance) of(u Urgency) int {
	if u == UrgencyEmergency {
		return a.emergency
	}
	return a.any
}

// paceAllowance counts what went in the last send_gap.
func (r *Feature) paceAllowance(ctx context.Context, now time.Time) (allowance, error) {
	since := now.Add(-r.cfg.SendGap.D())
	all, err := r.st.sentSince(ctx, since, false)
	if err != nil {
		return allowance{}, err
	}
	em, err := r.st.sentSince(ctx, since, true)
	if err != nil {
		return allowance{}, err
	}
	return allowance{any: max(r.cfg.SendBatch-all.Sent, 0), emergency: max(r.cfg.SendBatch-em.Sent, 0)}, nil
}

// scheduleNextDrain books the drain for the next pending row, or, while
// the last send_gap is full, for when its earliest send leaves the window.
// Every drain books the time the outbox itself says, so drains booked by
// several plans fall on the same job rather than pacing side by side.
func (r *Feature) scheduleNextDrain(ctx context.Context, now time.Time) error {
	at, ok, err := r.st.nextPendingDue(ctx, false)
	if err != nil || !ok {
		return err
	}
	if r.quiet(now) {
		// A normal notice's fan-out that ran into the night stops until
		// the morning, rather than filling the send queue with rows that
		// would all fall due at once then.
		at = r.deps.QuietHours.NextAllowed(now)
		if urgent, ok, err := r.st.nextPendingDue(ctx, true); err != nil {
			return err
		} else if ok && urgent.Before(at) {
			at = urgent
		}
	}
	if !at.After(now) {
		used, err := r.st.sentSince(ctx, now.Add(-r.cfg.SendGap.D()), false)
		if err != nil {
			return err
		}
		if used.Sent >= r.cfg.SendBatch {
			at = laterOf(at, used.First.Add(r.cfg.SendGap.D()))
		}
	}
	if !at.After(now) {
		at = now.Add(time.Second)
	}
	return r.scheduleDrain(ctx, at)
}

// quiet reports whether now is within quiet hours, when normal notices
// wait for the morning.
func (r *Feature) quiet(now time.Time) bool {
	return r.deps.QuietHours.NextAllowed(now).After(now)
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// recoverInterrupted deals with rows left "sending" by a crash between
// handing a message to WhatsApp and recording it. Whether it arrived is
// unknown: emergencies are sent again (a duplicate beats a missed
// warning); anything else is recorded as unconfirmed and not repeated.
func (r *Feature) recoverInterrupted(ctx context.Context, now time.Time) error {
	rows, err := r.st.interrupted(ctx)
	if err != nil {
		return err
	}
	for _, row := range rows {
		n, err := r.st.notice(ctx, row.NoticeID)
		if err != nil {
			return err
		}
		to, event := "unconfirmed", "unconfirmed"
		if n.Urgency == UrgencyEmergency {
			to, event = "pending", "resending"
		}
		if err := r.st.settleInterrupted(ctx, row, to, event, now); err != nil {
			return err
		}
		r.log.Warn("notice delivery interrupted by a restart", "notice", row.NoticeID, "target", row.Target, "action", event)
	}
	return nil
}

// deliver sends one outbox row. It returns a retry time when the send
// failed for a reason worth retrying.
func (r *Feature) deliver(ctx context.Context, n *Notice, row outboxRow, now time.Time) (delivered bool, err error) {
	finish := func(to, event, detail string) error {
		return r.st.moveRow(ctx, row, to, AuditRecord{NoticeID: n.ID, At: now, Event: event, Actor: "bot", Detail: detail})
	}
	if n.Expired(now) {
		return false, finish("expired", "expired", "expired before it could be sent; dropped")
	}
	chat, reason, err := r.recipient(ctx, n, row)
	if err != nil {
		return false, err
	}
	if reason != "" {
		return false, finish("dropped", "dropped", reason)
	}
	if held, err := r.electionHold(ctx, n, row, now); err != nil || held {
		return false, err
	}
	if lapsed, err := r.lapseIfClosedBy(ctx, n, row, now, lapsedReason(row), now); err != nil || lapsed {
		return false, err
	}
	text, lang, err := r.messageFor(ctx, n, row)
	if err != nil {
		return false, err
	}
	extra, err := r.councilLines(ctx, n, now)
	if err != nil {
		return false, err
	}
	out := bot.OutMessage{Chat: chat, Text: text + extra}
	if row.ReplyTo != "" {
		out.ReplyTo = &bot.MessageRef{Chat: chat, ID: row.ReplyTo, Text: n.Title}
	}
	// The core's send queue takes it from here, under a message id fixed
	// now: it retries while WhatsApp is away or flaky, and tells
	// recordSendFailure if it never goes.
	msgID, sendErr := r.out.Send(bot.WithPriority(ctx, sendPriority(n.Urgency)), out)
	switch {
	case errors.Is(sendErr, bot.ErrGroupOff):
		// The group's own choice, made after planning: this delivery is
		// dropped, but its notice settings stay for when the bot is back.
		return false, finish("dropped", "dropped", "the group switched the bot off before delivery")
	case sendErr != nil:
		return false, sendErr
	}
	err = r.st.markSent(ctx, row, msgID, lang, now)
	if err == nil {
		err = r.afterDelivered(ctx, n, row, chat, msgID, now)
	}
	return err == nil, err
}

// sendPriority places a notice in the send queue: emergencies and urgent
// notices before everything but replies, normal fan-out last.
func sendPriority(u Urgency) bot.Priority {
	switch u {
	case UrgencyEmergency:
		return bot.PriorityEmergency
	case UrgencyUrgent:
		return bot.PriorityUrgent
	}
	return bot.PriorityBulk
}

// recordSendFailure is told by the send queue about a delivery that will
// never go. A chat the bot can no longer post to has its notices switched
// off; either way the delivery is marked failed and audited.
func (r *Feature) recordSendFailure(ctx context.Context, q bot.QueuedSend, sendErr error) error {
	if q.MsgID == "" {
		return nil
	}
	// A digest is one message for several rows.
	rows, err := r.st.sentAs(ctx, q.MsgID)
	if err != nil || len(rows) == 0 {
		return err
	}
	now, errText := r.clock.Now(), errorText(sendErr)
	if errors.Is(sendErr, bot.ErrNotInChat) && !errors.Is(sendErr, bot.ErrGroupOff) {
		for _, row := range rows {
			r.log.Warn("notice recipient unreachable; subscription disabled", "notice", row.NoticeID, "target", row.Target, bot.KeyErr, errText)
		}
	}
	return r.st.markFailed(ctx, rows, sendErr, errText, now)
}

// errorText is an error as stored in the outbox and the audit: short, and
// without phone numbers (subscribers' chats are their numbers).
func errorText(err error) string {
	return bot.Truncate(bot.RedactPhones(err.Error()), 300)
}

// recipient resolves where a row goes, or why it no longer should.
func (r *Feature) recipient(ctx context.Context, n *Notice, row outboxRow) (bot.ChatID, string, error) {
	if row.Person != 0 {
		p, err := r.core.PersonByID(ctx, row.Person)
		if errors.Is(err, bot.ErrNotFound) {
			return "", "subscriber no longer known", nil
		}
		if err != nil {
			return "", "", err
		}
		if p.Addr == "" {
			return "", "subscriber asked to be forgotten", nil
		}
		if row.ReplyTo == "" {
			subs, err := r.st.subscriptions(ctx, row.Person)
			if err != nil {
				return "", "", err
			}
			wants := false
			for _, s := range subs {
				wants = wants || subscriberWants(n, s)
			}
			if !wants {
				return "", "subscriber unsubscribed before delivery", nil
			}
		}
		return bot.ChatID(p.Addr), "", nil
	}
	chat := bot.ChatID(row.Target)
	gs, err := r.core.GroupSettings(ctx, chat)
	if err != nil {
		return "", "", err
	}
	prefs, err := r.st.groupPrefs(ctx, chat)
	if err != nil {
		return "", "", err
	}
	if !gs.Enabled || !gs.FeatureOn(featureName) || !prefs.Enabled {
		return "", "the group switched notices off before delivery", nil
	}
	return chat, "", nil
}
