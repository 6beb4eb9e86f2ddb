package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// Claims let several processes share one hub's jobs and send queue: a
// process claims what it will run, with a lease — its name in claimed_by
// and, in lease_until, when the claim lapses. Others skip claimed rows
// until then (on PostgreSQL, SELECT … FOR UPDATE SKIP LOCKED also keeps
// two claims made at the same moment apart), and take over a row whose
// lease lapsed, as when its process died. Finishing, retrying or
// postponing a row ends its claim. A claimed job's generation moves on, so
// a process whose lease lapsed and was taken over finds the job no longer
// current (JobCurrent) and cannot finish the new claimer's run. On SQLite
// (one process) the same calls work and never compete.

// Wake channels' payloads: what NOTIFY tells the other processes.
const (
	wakeJobs  = "jobs"
	wakeSends = "sends"
)

// SharesWork reports whether other processes may share this store's jobs
// and send queue (a hub on PostgreSQL): the engine then claims its work
// (bot.WorkClaimer). A SQLite file belongs to one process.
func (s *Store) SharesWork() bool { return s.backend == Postgres }

// ClaimJobs claims up to limit jobs due at now and not under another
// process's lease, oldest first, for owner until now+lease, and returns
// them (with the generation the claim gave them). Call it outside a unit
// of work, so the claim commits at once and others see it.
func (s *Store) ClaimJobs(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]bot.Job, error) {
	rows, err := s.conn().QueryContext(ctx, `UPDATE jobs SET claimed_by = ?, lease_until = ?, gen = gen + 1
		WHERE id IN (SELECT id FROM jobs WHERE run_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
			ORDER BY run_at, id LIMIT ?`+s.forUpdate(true)+`)
		RETURNING id, kind, COALESCE(key, ''), run_at, payload, attempts, last_error, gen`,
		owner, sqlkit.Millis(now.Add(lease)), sqlkit.Millis(now), sqlkit.Millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	jobs, err := sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (bot.Job, error) {
		var j bot.Job
		if err := rows.Scan(&j.ID, &j.Kind, &j.Key, sqlkit.TimeCol(&j.RunAt), &j.Payload, &j.Attempts, &j.LastErr, &j.Gen); err != nil {
			return bot.Job{}, fmt.Errorf("claim jobs: %w", err)
		}
		return j, nil
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives rows in no promised order.
	slices.SortFunc(jobs, func(a, b bot.Job) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return jobs, nil
}

// ClaimSend claims the send that should go next at now (as NextSend
// chooses it, among rows under no live lease) for owner until now+lease.
// A row claimed by another process still holds back the later rows of its
// chat, so a chat's order is kept across processes. Call it outside a
// unit of work.
func (s *Store) ClaimSend(ctx context.Context, owner string, now time.Time, lease time.Duration) (bot.QueuedSend, bool, error) {
	var q bot.QueuedSend
	var person sql.NullInt64
	var prio int
	err := s.conn().QueryRowContext(ctx, `UPDATE outbox SET claimed_by = ?, lease_until = ?
		WHERE id = (SELECT o.id FROM outbox o
			WHERE o.not_before <= ? AND (o.lease_until IS NULL OR o.lease_until <= ?)
			AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.chat = o.chat AND p.id < o.id AND p.priority <= o.priority)
			ORDER BY o.priority, o.id LIMIT 1`+s.forUpdate(true)+`)
		RETURNING id, chat, kind, msg_id, priority, payload, person_id, created_at, not_before, attempts, last_error`,
		owner, sqlkit.Millis(now.Add(lease)), sqlkit.Millis(now), sqlkit.Millis(now)).
		Scan(&q.ID, (*string)(&q.Chat), &q.Kind, &q.MsgID, &prio, &q.Payload, &person,
			sqlkit.TimeCol(&q.Created), sqlkit.TimeCol(&q.NotBefore), &q.Attempts, &q.LastErr)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.QueuedSend{}, false, nil
	}
	if err != nil {
		return bot.QueuedSend{}, false, fmt.Errorf("claim send: %w", err)
	}
	q.Priority, q.Person = bot.Priority(prio), person.Int64
	return q, true, nil
}

// notify tells the hub's other processes, once the unit of work of ctx
// commits, that jobs or sends changed, so they look again now rather than
// at their next timer (PostgreSQL's NOTIFY is delivered on commit and
// dropped on rollback). It does nothing on SQLite.
func (s *Store) notify(ctx context.Context, what string) error {
	if s.wake == "" {
		return nil
	}
	u := uowFrom(ctx)
	if u != nil && u.notified[what] {
		return nil
	}
	if _, err := s.conn().ExecContext(ctx, `SELECT pg_notify(CAST(? AS TEXT), CAST(? AS TEXT))`, s.wake, what); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if u != nil {
		if u.notified == nil {
			u.notified = map[string]bool{}
		}
		u.notified[what] = true
	}
	return nil
}

// moveJobPayloads points the jobs whose JSON payload names from in its
// "person" field (a message waiting for someone) at into.
func (s *Store) moveJobPayloads(ctx context.Context, tx bot.Tx, from, into int64) error {
	if s.backend != Postgres {
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET payload = CAST(json_set(CAST(payload AS TEXT), '$.person', ?) AS BLOB)
			WHERE json_valid(CAST(payload AS TEXT)) AND json_extract(CAST(payload AS TEXT), '$.person') = ?`, into, from); err != nil {
			return fmt.Errorf("merge people: jobs: %w", err)
		}
		return nil
	}
	// PostgreSQL 15 has no test for valid JSON that cannot fail, so the
	// payloads that mention "person" are read and rewritten here.
	rows, err := tx.QueryContext(ctx, `SELECT id, payload FROM jobs WHERE position(CAST('"person"' AS bytea) IN payload) > 0`)
	if err != nil {
		return fmt.Errorf("merge people: jobs: %w", err)
	}
	type job struct {
		id      int64
		payload []byte
	}
	jobs, err := sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (job, error) {
		var j job
		return j, rows.Scan(&j.id, &j.payload)
	})
	if err != nil {
		return fmt.Errorf("merge people: jobs: %w", err)
	}
	for _, j := range jobs {
		// Numbers stay as written (json.Number): a float would round ids
		// past 2^53.
		var m map[string]any
		dec := json.NewDecoder(bytes.NewReader(j.payload))
		dec.UseNumber()
		if dec.Decode(&m) != nil {
			continue
		}
		if p, ok := m["person"].(json.Number); !ok || p.String() != strconv.FormatInt(from, 10) {
			continue
		}
		m["person"] = into
		payload, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("merge people: jobs: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET payload = ? WHERE id = ?`, payload, j.id); err != nil {
			return fmt.Errorf("merge people: jobs: %w", err)
		}
	}
	return nil
}
