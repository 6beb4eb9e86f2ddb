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

// Delivery settings and holds: a group's notice settings and digest time,
// residents' private subscriptions, and the outbox rows an election period
// or a closed question keeps back. The outbox's own moves are in
// store_outbox.go.

// saveGroupPrefs stores a group's notice settings.
func (s store) saveGroupPrefs(ctx context.Context, g groupPrefs, now time.Time) error {
	return saveGroupPrefs(ctx, s.q(), g, now)
}

// undigest turns the chat's rows held for its digest back into single
// deliveries, due at due.
func (s store) undigest(ctx context.Context, chat bot.ChatID, due time.Time) error {
	if _, err := s.q().ExecContext(ctx, `UPDATE notice_outbox SET state = 'pending', due_at = ? WHERE target = ? AND state = 'digest'`,
		sqlkit.Millis(due), string(chat)); err != nil {
		return fmt.Errorf("undo digest: %w", err)
	}
	return nil
}

// moveDigest makes the chat's rows held for its digest due at due.
func (s store) moveDigest(ctx context.Context, chat bot.ChatID, due time.Time) error {
	if _, err := s.q().ExecContext(ctx, `UPDATE notice_outbox SET due_at = ? WHERE target = ? AND state = 'digest'`, sqlkit.Millis(due), string(chat)); err != nil {
		return fmt.Errorf("move digest: %w", err)
	}
	return nil
}

// subscribe adds a private subscription (nothing when it exists).
func (s store) subscribe(ctx context.Context, person int64, topic, area string, now time.Time) error {
	if _, err := s.q().ExecContext(ctx, `INSERT INTO notice_subscriptions (person_id, topic, area, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, person, topic, area, sqlkit.Millis(now)); err != nil {
		return fmt.Errorf("save subscription: %w", err)
	}
	return nil
}

// unsubscribe removes the person's subscriptions to topic ("" for every
// one) and counts them.
func (s store) unsubscribe(ctx context.Context, person int64, topic string) (int64, error) {
	q := `DELETE FROM notice_subscriptions WHERE person_id = ?`
	args := []any{person}
	if topic != "" {
		q += ` AND topic = ?`
		args = append(args, topic)
	}
	res, err := s.q().ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("remove subscriptions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// reachedOrLapsed is notice id's deliveries that were sent, or lapsed
// because its question closed first.
func (s store) reachedOrLapsed(ctx context.Context, id int64) ([]outboxRow, error) {
	return queryOutbox(ctx, s.q(), `notice_id = ? AND state IN ('sent', ?)`, id, lapsedState)
}

// lapseRow moves row to lapsed, keeping why, and audits rec against it;
// nothing happens when the row had moved on meanwhile.
func (s store) lapseRow(ctx context.Context, row outboxRow, why string, rec AuditRecord) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		moved, err := updateOutbox(ctx, tx, row.ID, row.State, lapsedState, "last_error = ?", why)
		if err != nil || !moved {
			return err
		}
		rec.Target = row.Target
		return audit(ctx, tx, rec)
	})
}

// holdForPeriod makes row wait, pending, until due for an election period
// to end, and audits rec when it is set.
func (s store) holdForPeriod(ctx context.Context, row outboxRow, due time.Time, rec *AuditRecord) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		ok, err := updateOutbox(ctx, tx, row.ID, row.State, "pending", "due_at = ?, last_error = ?", sqlkit.Millis(due), periodNote)
		if err != nil || !ok || rec == nil {
			return err
		}
		r := *rec
		r.Target = row.Target
		return audit(ctx, tx, r)
	})
}

// releasePeriodHolds makes every delivery held by an election period due
// at now, for the drain to check again.
func (s store) releasePeriodHolds(ctx context.Context, now time.Time) error {
	if _, err := s.q().ExecContext(ctx, `UPDATE notice_outbox SET due_at = ? WHERE state = 'pending' AND last_error = ?`, sqlkit.Millis(now), periodNote); err != nil {
		return fmt.Errorf("release held deliveries: %w", err)
	}
	return nil
}

// heldByPeriods counts deliveries waiting for an election period to end.
func (s store) heldByPeriods(ctx context.Context) (int, error) {
	var n int
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_outbox WHERE state = 'pending' AND last_error = ?`, periodNote).Scan(&n); err != nil {
		return 0, fmt.Errorf("count held deliveries: %w", err)
	}
	return n, nil
}

// notSent lists a notice's lapsed deliveries by reason.
func (s store) notSent(ctx context.Context, id int64) ([]NotSent, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT last_error, COUNT(*) - COUNT(person_id), COUNT(person_id) FROM notice_outbox
		WHERE notice_id = ? AND state = ? GROUP BY last_error ORDER BY last_error`, id, lapsedState)
	if err != nil {
		return nil, fmt.Errorf("deliveries not sent: %w", err)
	}
	list, err := sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (NotSent, error) {
		var ns NotSent
		if err := r.Scan(&ns.Reason, &ns.Groups, &ns.Subscribers); err != nil {
			return ns, fmt.Errorf("scan deliveries not sent: %w", err)
		}
		return ns, nil
	})
	if list == nil && err == nil {
		list = []NotSent{}
	}
	return list, err
}

// groupPrefs is a group's notice settings (areas live in the core).
type groupPrefs struct {
	Chat           bot.ChatID
	Enabled        bool
	Topics         []string // nil means all
	DigestAt       int      // minutes after local midnight; -1 = off
	DisabledReason string
}

func (g groupPrefs) allTopics() bool { return len(g.Topics) == 0 }

func (s store) groupPrefs(ctx context.Context, chat bot.ChatID) (groupPrefs, error) {
	g := groupPrefs{Chat: chat, DigestAt: -1}
	var enabled int
	var topics string
	err := s.q().QueryRowContext(ctx, `SELECT enabled, topics, digest_at, disabled_reason FROM notice_groups WHERE chat = ?`, string(chat)).
		Scan(&enabled, &topics, &g.DigestAt, &g.DisabledReason)
	if errors.Is(err, sql.ErrNoRows) {
		return g, nil
	}
	if err != nil {
		return g, fmt.Errorf("load notice settings: %w", err)
	}
	g.Enabled = enabled == 1
	if topics != "all" {
		g.Topics = splitList(topics)
	}
	return g, nil
}

func saveGroupPrefs(ctx context.Context, x execer, g groupPrefs, now time.Time) error {
	topics := "all"
	if !g.allTopics() {
		topics = joinList(g.Topics)
	}
	enabled := 0
	if g.Enabled {
		enabled = 1
	}
	_, err := x.ExecContext(ctx, `INSERT INTO notice_groups (chat, enabled, topics, digest_at, disabled_reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(chat) DO UPDATE SET enabled = excluded.enabled, topics = excluded.topics, digest_at = excluded.digest_at,
		disabled_reason = excluded.disabled_reason, updated_at = excluded.updated_at`,
		string(g.Chat), enabled, topics, g.DigestAt, g.DisabledReason, sqlkit.Millis(now))
	if err != nil {
		return fmt.Errorf("save notice settings: %w", err)
	}
	return nil
}

func (s store) enabledGroupPrefs(ctx context.Context) (map[bot.ChatID]groupPrefs, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT chat, topics, digest_at FROM notice_groups WHERE enabled = 1`)
	if err != nil {
		return nil, fmt.Errorf("list notice groups: %w", err)
	}
	// A loop rather than sqlkit.ScanAll: the rows fold into a map, and a
	// council-wide fan-out reads every group (one allocation less a row).
	defer rows.Close()
	out := map[bot.ChatID]groupPrefs{}
	for rows.Next() {
		var chat, topics string
		g := groupPrefs{Enabled: true}
		if err := rows.Scan(&chat, &topics, &g.DigestAt); err != nil {
			return nil, fmt.Errorf("scan notice group: %w", err)
		}
		g.Chat = bot.ChatID(chat)
		if topics != "all" {
			g.Topics = splitList(topics)
		}
		out[g.Chat] = g
	}
	return out, rows.Err()
}

// subscription is one resident's private subscription.
type subscription struct {
	Person int64
	Topic  string // a topic or "all"
	Area   string
}

func (s store) subscriptions(ctx context.Context, person int64) ([]subscription, error) {
	q := `SELECT person_id, topic, area FROM notice_subscriptions`
	var args []any
	if person != 0 {
		q += ` WHERE person_id = ?`
		args = append(args, person)
	}
	rows, err := s.q().QueryContext(ctx, q+` ORDER BY person_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (subscription, error) {
		var sub subscription
		if err := r.Scan(&sub.Person, &sub.Topic, &sub.Area); err != nil {
			return sub, fmt.Errorf("scan subscription: %w", err)
		}
		return sub, nil
	})
}

// relayed is a notice already delivered to a chat, for "!notices".
type relayed struct {
	Title  string
	SentAt time.Time
}

func (s store) recentRelayed(ctx context.Context, chat bot.ChatID, limit int) ([]relayed, error) {
	// The title in the language it went out in.
	rows, err := s.q().QueryContext(ctx, `SELECT CASE o.language WHEN 'cy' THEN n.title_cy WHEN 'both' THEN n.title_cy || ' / ' || n.title ELSE n.title END,
		NULLIF(o.sent_at, 0) FROM notice_outbox o JOIN notices n ON n.id = o.notice_id
		WHERE o.target = ? AND o.state = 'sent' ORDER BY o.sent_at DESC, o.id DESC LIMIT ?`, string(chat), limit)
	if err != nil {
		return nil, fmt.Errorf("recent notices: %w", err)
	}
	return sqlkit.ScanAll(rows, func(sc sqlkit.Scanner) (relayed, error) {
		var r relayed
		if err := sc.Scan(&r.Title, sqlkit.TimeCol(&r.SentAt)); err != nil {
			return r, fmt.Errorf("scan recent notice: %w", err)
		}
		return r, nil
	})
}
