package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"time"

	"neighbourbot/bot"
)

// QueueSend writes a send-queue row in the unit of work of ctx.
func (s *Store) QueueSend(ctx context.Context, q bot.QueuedSend) (int64, error) {
	var person any
	if q.Person != 0 {
		person = q.Person
	}
	var id int64
	if err := s.conn().QueryRowContext(ctx, `INSERT INTO outbox (chat, kind, msg_id, priority, payload, person_id, created_at, not_before)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		string(q.Chat), q.Kind, q.MsgID, int(q.Priority), q.Payload, person, sqlkit.Millis(q.Created), sqlkit.Millis(q.NotBefore)).Scan(&id); err != nil {
		return 0, fmt.Errorf("queue send: %w", err)
	}
	return id, s.notify(ctx, wakeSends)
}

// NextSend returns the send that should go next at now: the most urgent row
// that is due and has nothing as urgent queued before it in its chat, so
// that order within a chat is kept among sends of one priority while an
// emergency still overtakes a normal notice held for morning.
func (s *Store) NextSend(ctx context.Context, now time.Time) (bot.QueuedSend, bool, error) {
	var q bot.QueuedSend
	var person sql.NullInt64
	var notBefore sql.NullInt64
	var created sql.NullInt64
	var prio int
	err := s.conn().QueryRowContext(ctx, `SELECT o.id, o.chat, o.kind, o.msg_id, o.priority, o.payload, o.person_id, o.created_at, o.not_before, o.attempts, o.last_error
		FROM outbox o
		WHERE o.not_before <= ? AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat = o.chat AND p.id < o.id AND p.priority <= o.priority)
		ORDER BY o.priority, o.id LIMIT 1`, sqlkit.Millis(now)).
		Scan(&q.ID, (*string)(&q.Chat), &q.Kind, &q.MsgID, &prio, &q.Payload, &person, &created, &notBefore, &q.Attempts, &q.LastErr)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.QueuedSend{}, false, nil
	}
	if err != nil {
		return bot.QueuedSend{}, false, fmt.Errorf("next send: %w", err)
	}
	q.Priority, q.Person = bot.Priority(prio), person.Int64
	q.Created, q.NotBefore = sqlkit.Time(created), sqlkit.Time(notBefore)
	return q, true, nil
}

// NextSendAt is when the earliest queued row becomes due.
func (s *Store) NextSendAt(ctx context.Context) (time.Time, bool, error) {
	var at sql.NullInt64
	if err := s.conn().QueryRowContext(ctx, `SELECT MIN(not_before) FROM outbox`).Scan(&at); err != nil {
		return time.Time{}, false, fmt.Errorf("next send time: %w", err)
	}
	if !at.Valid {
		return time.Time{}, false, nil
	}
	return sqlkit.Time(at), true, nil
}

// FinishSend removes a row the server accepted (or that failed for good).
func (s *Store) FinishSend(ctx context.Context, id int64) error {
	if _, err := s.conn().ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id); err != nil {
		return fmt.Errorf("finish send: %w", err)
	}
	return nil
}

// DelaySend moves a row later; a retry counts an attempt, a postponement
// (the transport is offline) does not.
func (s *Store) DelaySend(ctx context.Context, id int64, at time.Time, countAttempt bool, lastErr string) error {
	inc := 0
	if countAttempt {
		inc = 1
	}
	if _, err := s.conn().ExecContext(ctx, `UPDATE outbox SET not_before = ?, attempts = attempts + ?, last_error = ?, claimed_by = '', lease_until = NULL WHERE id = ?`,
		sqlkit.Millis(at), inc, lastErr, id); err != nil {
		return fmt.Errorf("delay send: %w", err)
	}
	return s.notify(ctx, wakeSends)
}

// CancelSends deletes queued rows to a person (direct messages) and returns
// how many went.
func (s *Store) CancelSends(ctx context.Context, person int64) (int64, error) {
	res, err := s.conn().ExecContext(ctx, `DELETE FROM outbox WHERE person_id = ?`, person)
	if err != nil {
		return 0, fmt.Errorf("cancel sends: %w", err)
	}
	return res.RowsAffected()
}

// CancelChatSends deletes the rows queued for a chat at priority from and
// below (a group that switched the bot off keeps only its replies).
func (s *Store) CancelChatSends(ctx context.Context, chat bot.ChatID, from bot.Priority) (int64, error) {
	res, err := s.conn().ExecContext(ctx, `DELETE FROM outbox WHERE chat = ? AND priority >= ?`, string(chat), int(from))
	if err != nil {
		return 0, fmt.Errorf("cancel chat sends: %w", err)
	}
	return res.RowsAffected()
}

// SendQueueStats reports the queue's depth and the age of its oldest row.
func (s *Store) SendQueueStats(ctx context.Context) (depth int, oldest time.Time, err error) {
	var at sql.NullInt64
	if err := s.conn().QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox`).Scan(&depth, &at); err != nil {
		return 0, time.Time{}, fmt.Errorf("send queue stats: %w", err)
	}
	if at.Valid {
		oldest = sqlkit.Time(at)
	}
	return depth, oldest, nil
}

// QueuedTexts lists the queued text messages, oldest first.
func (s *Store) QueuedTexts(ctx context.Context) ([]bot.QueuedSend, error) {
	rows, err := s.conn().QueryContext(ctx, `SELECT id, chat, msg_id, payload FROM outbox WHERE kind = 'text' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("queued texts: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (bot.QueuedSend, error) {
		q := bot.QueuedSend{Kind: "text"}
		if err := rows.Scan(&q.ID, (*string)(&q.Chat), &q.MsgID, &q.Payload); err != nil {
			return bot.QueuedSend{}, fmt.Errorf("queued texts: %w", err)
		}
		return q, nil
	})
}

// RewriteQueued replaces a queued row's payload.
func (s *Store) RewriteQueued(ctx context.Context, id int64, payload []byte) error {
	if _, err := s.conn().ExecContext(ctx, `UPDATE outbox SET payload = ? WHERE id = ?`, payload, id); err != nil {
		return fmt.Errorf("rewrite queued send: %w", err)
	}
	return nil
}
