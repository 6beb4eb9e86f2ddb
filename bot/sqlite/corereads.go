package sqlite

import (
	"context"
	"database/sql"
	"neighbourbot/bot/sqlkit"

	"errors"
	"fmt"

	"neighbourbot/bot"
)

// The core's tables are this package's alone: what features (and the
// console's wiring) need of them is asked here, in the unit of work of ctx.

// GroupMembers lists a group's current members as the bot has seen them
// (spoke there or joined, and have not left), leaving out forgotten people,
// in the order they joined.
func (s *Store) GroupMembers(ctx context.Context, chat bot.ChatID) ([]bot.Person, error) {
	rows, err := s.conn().QueryContext(ctx, `SELECT p.id, p.name, p.preferred FROM memberships m JOIN people p ON p.id = m.person_id
		WHERE m.chat = ? AND m.present = 1 AND p.forgotten = 0 ORDER BY m.since, p.id`, string(chat))
	if err != nil {
		return nil, fmt.Errorf("group members: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (bot.Person, error) {
		var p bot.Person
		var pref string
		if err := rows.Scan(&p.ID, &p.Name, &pref); err != nil {
			return bot.Person{}, fmt.Errorf("group members: %w", err)
		}
		p.Addr = bot.Address(pref)
		return p, nil
	})
}

// LatestPoll returns the newest poll the bot sent in a chat.
func (s *Store) LatestPoll(ctx context.Context, chat bot.ChatID) (bot.Poll, bool, error) {
	var id string
	err := s.conn().QueryRowContext(ctx, `SELECT msg_id FROM polls WHERE chat = ? ORDER BY created_at DESC, msg_id DESC LIMIT 1`, string(chat)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Poll{}, false, nil
	}
	if err != nil {
		return bot.Poll{}, false, fmt.Errorf("latest poll: %w", err)
	}
	p, err := s.Poll(ctx, chat, id)
	return p, err == nil, err
}

// DeletePolls forgets the polls of kind with the given refs (a feature's
// closed records) and returns how many went.
func (s *Store) DeletePolls(ctx context.Context, kind string, refs []string) (int64, error) {
	var total int64
	for _, ref := range refs {
		res, err := s.conn().ExecContext(ctx, `DELETE FROM polls WHERE kind = ? AND ref = ?`, kind, ref)
		if err != nil {
			return total, fmt.Errorf("delete polls: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// JobPending reports whether a job with this key is waiting.
func (s *Store) JobPending(ctx context.Context, key string) (bool, error) {
	var n int
	if err := s.conn().QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE key = ?`, key).Scan(&n); err != nil {
		return false, fmt.Errorf("job pending: %w", err)
	}
	return n > 0, nil
}

// KeyedJob returns the pending job booked under key, if there is one.
func (s *Store) KeyedJob(ctx context.Context, key string) (bot.Job, bool, error) {
	var j bot.Job
	var at sql.NullInt64
	err := s.conn().QueryRowContext(ctx, `SELECT id, kind, COALESCE(key, ''), run_at, payload, attempts, last_error, gen FROM jobs WHERE key = ?`, key).
		Scan(&j.ID, &j.Kind, &j.Key, &at, &j.Payload, &j.Attempts, &j.LastErr, &j.Gen)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.Job{}, false, nil
	}
	if err != nil {
		return bot.Job{}, false, fmt.Errorf("keyed job: %w", err)
	}
	j.RunAt = sqlkit.Time(at)
	return j, true, nil
}

// AuditAfter returns up to limit audit entries with ids above afterID,
// oldest first (the live log forwards from its watermark in this order, so
// that an entry is never skipped).
func (s *Store) AuditAfter(ctx context.Context, afterID int64, limit int) ([]bot.AuditEntry, error) {
	rows, err := s.conn().QueryContext(ctx, `SELECT id, at, chat, actor_id, actor_name, action, target_id, target_name, detail
		FROM audit_log WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("audit entries after %d: %w", afterID, err)
	}
	return scanAudit(rows)
}

// ForgetSeen deletes the dedupe records of a chat: for a direct chat the
// chat id is the person's own WhatsApp address, which must not outlive an
// erasure.
func (s *Store) ForgetSeen(ctx context.Context, chat bot.ChatID) (int64, error) {
	res, err := s.conn().ExecContext(ctx, `DELETE FROM seen_messages WHERE chat = ?`, string(chat))
	if err != nil {
		return 0, fmt.Errorf("forget delivery records: %w", err)
	}
	return res.RowsAffected()
}
