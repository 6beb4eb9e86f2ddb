package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// The outbox: one row per planned delivery of a notice, moved through
// pending/digest → sending → sent (or dropped, expired, superseded,
// failed, unconfirmed), each move audited in the same transaction.

// outboxOf is every delivery of a notice.
func (s store) outboxOf(ctx context.Context, notice int64) ([]outboxRow, error) {
	return queryOutbox(ctx, s.q(), `notice_id = ?`, notice)
}

// urgencyRank is the rank a delivery is stored with (urgency_rank): the
// drain takes emergencies, then urgent notices, then the rest.
func urgencyRank(u Urgency) int {
	switch u {
	case UrgencyEmergency:
		return 0
	case UrgencyUrgent:
		return 1
	}
	return 2
}

// duePending is up to limit pending rows due by now: every emergency row
// before any other, urgent before normal, and oldest first within each.
// A fan-out already planned therefore never holds up a later emergency.
// With urgentOnly (at night) normal notices' rows stay where they are.
func (s store) duePending(ctx context.Context, now time.Time, limit int, urgentOnly bool) ([]outboxRow, error) {
	return queryOutbox(ctx, s.q(), `state = 'pending' AND urgency_rank < ? AND due_at <= ? ORDER BY urgency_rank, due_at, id LIMIT ?`,
		rankLimit(urgentOnly), sqlkit.Millis(now), limit)
}

// rankLimit is the urgency rank rows must be below: normal notices'
// rows are left out with urgentOnly.
func rankLimit(urgentOnly bool) int {
	if urgentOnly {
		return 2
	}
	return 3
}

// paceUse is what the outbox sent since a moment: how many messages (a
// digest is one message for several rows) and when the first of them went.
type paceUse struct {
	Sent  int
	First time.Time
}

// sentSince counts the messages the outbox sent after since, of every
// notice or of emergencies only.
func (s store) sentSince(ctx context.Context, since time.Time, emergencyOnly bool) (paceUse, error) {
	q := `SELECT COUNT(DISTINCT msg_id), MIN(sent_at) FROM notice_outbox WHERE sent_at > COALESCE(CAST(? AS BIGINT), 0) AND msg_id <> ''`
	if emergencyOnly {
		q += ` AND urgency_rank = 0`
	}
	var u paceUse
	if err := s.q().QueryRowContext(ctx, q, sqlkit.Millis(since)).Scan(&u.Sent, sqlkit.TimeCol(&u.First)); err != nil {
		return paceUse{}, fmt.Errorf("count recent notice sends: %w", err)
	}
	return u, nil
}

// nextPendingDue is when the earliest pending row (with urgentOnly, of an
// urgent notice or an emergency) is due; ok is false when none is pending.
func (s store) nextPendingDue(ctx context.Context, urgentOnly bool) (at time.Time, ok bool, err error) {
	var next sql.NullInt64
	if err := s.q().QueryRowContext(ctx, `SELECT MIN(due_at) FROM notice_outbox WHERE state = 'pending' AND urgency_rank < ?`,
		rankLimit(urgentOnly)).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next outbox row: %w", err)
	}
	return sqlkit.Time(next), next.Valid, nil
}

// emergencyWaiting reports whether an emergency's delivery is due and not
// yet sent; bulk work (digests) waits behind it.
func (s store) emergencyWaiting(ctx context.Context, now time.Time) (bool, error) {
	var one int
	err := s.q().QueryRowContext(ctx, `SELECT 1 FROM notice_outbox WHERE state = 'pending' AND urgency_rank = 0 AND due_at <= ? LIMIT 1`, sqlkit.Millis(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("emergency deliveries waiting: %w", err)
	}
	return true, nil
}

// interrupted is the rows a crash left "sending".
func (s store) interrupted(ctx context.Context) ([]outboxRow, error) {
	return queryOutbox(ctx, s.q(), `state = 'sending'`)
}

// sentAs is the sent rows a message carried (a digest carries several).
func (s store) sentAs(ctx context.Context, msgID string) ([]outboxRow, error) {
	return queryOutbox(ctx, s.q(), `msg_id = ? AND state = 'sent'`, msgID)
}

// dueDigest is the chat's rows held for a digest due by now.
func (s store) dueDigest(ctx context.Context, target string, now time.Time) ([]outboxRow, error) {
	return queryOutbox(ctx, s.q(), `target = ? AND state = 'digest' AND due_at <= ? ORDER BY id`, target, sqlkit.Millis(now))
}

// heldDigest is a chat with rows held for its digest, and the earliest.
type heldDigest struct {
	chat string
	due  time.Time
}

// heldDigests lists every chat (or just chat) with rows held for the
// digest, with their earliest due time.
func (s store) heldDigests(ctx context.Context, chat string) ([]heldDigest, error) {
	q := `SELECT target, MIN(due_at) FROM notice_outbox WHERE state = 'digest'`
	var args []any
	if chat != "" {
		q += ` AND target = ?`
		args = append(args, chat)
	}
	rows, err := s.q().QueryContext(ctx, q+` GROUP BY target ORDER BY target`, args...)
	if err != nil {
		return nil, fmt.Errorf("held digests: %w", err)
	}
	list, err := sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (heldDigest, error) {
		var h heldDigest
		if err := r.Scan(&h.chat, sqlkit.TimeCol(&h.due)); err != nil {
			return h, fmt.Errorf("scan held digest: %w", err)
		}
		return h, nil
	})
	if err != nil {
		return nil, fmt.Errorf("held digests: %w", err)
	}
	return list, nil
}

// moveRow moves one row on from the state it was read in and audits why;
// nothing is audited when the row had moved on meanwhile.
func (s store) moveRow(ctx context.Context, row outboxRow, to string, rec AuditRecord) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		ok, err := updateOutbox(ctx, tx, row.ID, row.State, to, "")
		if err != nil || !ok {
			return err
		}
		rec.Target = row.Target
		return audit(ctx, tx, rec)
	})
}

// markSent records a row handed to the send queue under msgID, in
// language lang.
func (s store) markSent(ctx context.Context, row outboxRow, msgID string, lang Language, now time.Time) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		ok, err := updateOutbox(ctx, tx, row.ID, row.State, "sent", "attempts = attempts + 1, msg_id = ?, sent_at = COALESCE(CAST(? AS BIGINT), 0), last_error = '', language = ?", msgID, sqlkit.Millis(now), string(lang))
		if err != nil || !ok {
			return err
		}
		return audit(ctx, tx, AuditRecord{NoticeID: row.NoticeID, At: now, Event: "delivered", Actor: "bot", Target: row.Target})
	})
}

// settleInterrupted moves a row a crash left "sending" to to (pending
// again, or unconfirmed), due now, and audits it under event.
func (s store) settleInterrupted(ctx context.Context, row outboxRow, to, event string, now time.Time) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		if _, err := updateOutbox(ctx, tx, row.ID, "sending", to, "due_at = ?", sqlkit.Millis(now)); err != nil {
			return err
		}
		return audit(ctx, tx, AuditRecord{NoticeID: row.NoticeID, At: now, Event: event, Actor: "bot", Target: row.Target,
			Detail: "the bot stopped while sending; delivery unknown"})
	})
}

// markDigestSent moves the rows a digest carried to to (sent, or dropped
// when the group switched the bot off) under msgID, auditing each against
// its notice (notices[i] is rows[i]'s, langs[i] the language it went in).
func (s store) markDigestSent(ctx context.Context, rows []outboxRow, notices []*Notice, langs []Language, to string, rec AuditRecord, msgID string) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		for i, row := range rows {
			if _, err := updateOutbox(ctx, tx, row.ID, "digest", to, "attempts = attempts + 1, msg_id = ?, sent_at = COALESCE(CAST(? AS BIGINT), 0), language = ?", msgID, sqlkit.Millis(rec.At), string(langs[i])); err != nil {
				return err
			}
			r := rec
			r.NoticeID, r.Target = notices[i].ID, row.Target
			if err := audit(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
}

// unreachableReason is kept on a group whose notices were switched off
// because the bot could not post there.
const unreachableReason = "the bot could not post here (removed from the group?)"

// markFailed records that the send carrying rows will never go. A group
// switched off drops them; a chat the bot cannot post to (unreachable)
// has its group notices switched off too.
func (s store) markFailed(ctx context.Context, rows []outboxRow, sendErr error, errText string, now time.Time) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		for _, row := range rows {
			if _, err := updateOutbox(ctx, tx, row.ID, "sent", "failed", "last_error = ?", errText); err != nil {
				return err
			}
			if errors.Is(sendErr, bot.ErrGroupOff) {
				// The group's own choice, made after planning: this delivery
				// is dropped, its notice settings kept for its return.
				if _, err := updateOutbox(ctx, tx, row.ID, "failed", "dropped", ""); err != nil {
					return err
				}
				if err := audit(ctx, tx, AuditRecord{NoticeID: row.NoticeID, At: now, Event: "dropped", Actor: "bot", Target: row.Target,
					Detail: "the group switched the bot off before delivery"}); err != nil {
					return err
				}
				continue
			}
			detail := errText
			if errors.Is(sendErr, bot.ErrNotInChat) {
				detail = "permanent: " + errText + "; notices switched off for this chat"
				if row.Person == 0 {
					if _, err := tx.ExecContext(ctx, `UPDATE notice_groups SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE chat = ?`,
						unreachableReason, sqlkit.Millis(now), row.Target); err != nil {
						return fmt.Errorf("disable group notices: %w", err)
					}
				}
			}
			if err := audit(ctx, tx, AuditRecord{NoticeID: row.NoticeID, At: now, Event: "failed", Actor: "bot", Target: row.Target, Detail: detail}); err != nil {
				return err
			}
		}
		return nil
	})
}

// expireApproved marks an approved notice expired before it was sent.
func (s store) expireApproved(ctx context.Context, id int64, now time.Time) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		_, err := setState(ctx, tx, id, StateApproved, StateExpired, AuditRecord{At: now, Event: "expired", Actor: "bot", Detail: "expired before it could be sent"})
		return err
	})
}

// savePlan writes a notice's planned deliveries, supersedes the waiting
// rows of the original it replaces, and marks the notice planned, in one
// transaction. The UNIQUE (notice, target) constraint makes a rerun after
// a crash add nothing twice; groups and people count the rows added.
func (s store) savePlan(ctx context.Context, n *Notice, plan deliveryPlan, now time.Time) (groups, people int, err error) {
	err = s.tx(ctx, func(tx bot.Tx) error {
		for _, row := range plan.Supersede {
			ok, err := updateOutbox(ctx, tx, row.ID, row.State, "superseded", "")
			if err != nil {
				return err
			}
			if ok {
				if err := audit(ctx, tx, AuditRecord{NoticeID: row.NoticeID, At: now, Event: "superseded", Actor: "bot", Target: row.Target,
					Detail: fmt.Sprintf("not sent: replaced by %s #%d", n.MsgType, n.ID)}); err != nil {
					return err
				}
			}
		}
		for _, d := range plan.Deliveries {
			added, err := insertDelivery(ctx, tx, n, d)
			if err != nil {
				return err
			}
			switch {
			case !added:
			case d.Person != 0:
				people++
			default:
				groups++
			}
		}
		_, err := setState(ctx, tx, n.ID, StateApproved, StatePlanned, AuditRecord{At: now, Event: "planned", Actor: "bot",
			Detail: fmt.Sprintf("%d groups, %d subscribers", groups, people)})
		return err
	})
	return groups, people, err
}

// insertDelivery adds one outbox row unless the notice already has one
// for the target.
func insertDelivery(ctx context.Context, tx bot.Tx, n *Notice, d plannedDelivery) (added bool, err error) {
	var person any
	if d.Person != 0 {
		person = d.Person
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO notice_outbox (notice_id, target, person_id, state, due_at, reply_to, urgency_rank) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(notice_id, target) DO NOTHING`, n.ID, d.Target, person, d.State, sqlkit.Millis(d.Due), d.ReplyTo, urgencyRank(n.Urgency))
	if err != nil {
		return false, fmt.Errorf("plan delivery: %w", err)
	}
	k, _ := res.RowsAffected()
	return k == 1, nil
}

// outboxRow is one planned delivery.
type outboxRow struct {
	ID       int64
	NoticeID int64
	Target   string
	Person   int64
	State    string
	DueAt    time.Time
	Attempts int
	ReplyTo  string
	MsgID    string
	SentAt   time.Time
	// LastError is the latest send failure, phone numbers redacted.
	LastError string
}

const outboxCols = `id, notice_id, target, COALESCE(person_id, 0), state, due_at, attempts, reply_to, msg_id, NULLIF(sent_at, 0), last_error`

func scanOutbox(sc sqlkit.Scanner) (outboxRow, error) {
	var r outboxRow
	err := sc.Scan(&r.ID, &r.NoticeID, &r.Target, &r.Person, &r.State, sqlkit.TimeCol(&r.DueAt), &r.Attempts, &r.ReplyTo, &r.MsgID,
		sqlkit.TimeCol(&r.SentAt), &r.LastError)
	if err != nil {
		return r, fmt.Errorf("scan outbox: %w", err)
	}
	return r, nil
}

func queryOutbox(ctx context.Context, x execer, where string, args ...any) ([]outboxRow, error) {
	rows, err := x.QueryContext(ctx, `SELECT `+outboxCols+` FROM notice_outbox WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query outbox: %w", err)
	}
	return sqlkit.ScanAll(rows, scanOutbox)
}

// updateOutbox changes a row's state from an expected one; ok is false
// when the row had moved on.
func updateOutbox(ctx context.Context, x execer, id int64, from, to string, set string, args ...any) (bool, error) {
	q := `UPDATE notice_outbox SET state = ?`
	if set != "" {
		q += ", " + set
	}
	q += ` WHERE id = ? AND state = ?`
	all := append([]any{to}, args...)
	all = append(all, id, from)
	res, err := x.ExecContext(ctx, q, all...)
	if err != nil {
		return false, fmt.Errorf("update outbox: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
