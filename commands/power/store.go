package power

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"time"

	"neighbourbot/bot"
)

// Check states.
const (
	stateOpen   = "open"
	stateEnded  = "ended"
	stateClosed = "closed"
)

// Verdicts given when the window ends.
const (
	verdictNone    = "none"
	verdictSingle  = "single"
	verdictSeveral = "several"
)

// Vote sources: the starter's implicit Off, a typed !off/!on, a poll vote.
const (
	sourceStarter = "starter"
	sourceTyped   = "typed"
	sourcePoll    = "poll"
)

// check is one row of power_checks.
type check struct {
	ID         int64
	Chat       bot.ChatID
	StarterID  int64 // 0 when the starter asked to be forgotten
	StartedAt  time.Time
	WindowEnds time.Time
	State      string
	Verdict    string
	PeakOff    int
	StatusMsg  string
	Incident   string
	// VerdictOff and VerdictOn are the answers counted at the verdict; -1
	// for checks finished by older versions.
	VerdictOff, VerdictOn int
	// IncidentDetails is the JSON of the incidents the verdict named
	// (incidentsJSON).
	IncidentDetails string
	RestoredAt      time.Time // zero until someone reports the power back
	ClosedAt        time.Time
}

// tally counts the answers in a check.
type tally struct {
	Off, On int
	// OnlyOff is the single person off when Off == 1.
	OnlyOff int64
}

// vote is one person's current answer.
type vote struct {
	Off    bool
	Source string
}

type store struct{ db bot.DB }

const checkColumns = `id, chat, starter_id, started_at, window_ends, state, verdict, peak_off, status_msg, incident, verdict_off, verdict_on, incident_details, restored_at, closed_at`

func scanCheck(r sqlkit.Scanner) (check, error) {
	var c check
	var chat string
	var starter sql.NullInt64
	if err := r.Scan(&c.ID, &chat, &starter, sqlkit.TimeCol(&c.StartedAt), sqlkit.TimeCol(&c.WindowEnds), &c.State, &c.Verdict, &c.PeakOff, &c.StatusMsg, &c.Incident,
		&c.VerdictOff, &c.VerdictOn, &c.IncidentDetails, sqlkit.TimeCol(&c.RestoredAt), sqlkit.TimeCol(&c.ClosedAt)); err != nil {
		return check{}, err
	}
	c.Chat = bot.ChatID(chat)
	c.StarterID = starter.Int64
	return c, nil
}

// active returns the group's unfinished check (open or ended), if any.
func (s *store) active(ctx context.Context, chat bot.ChatID) (check, bool, error) {
	c, err := scanCheck(s.db.QueryRowContext(ctx, `SELECT `+checkColumns+` FROM power_checks WHERE chat = ? AND state <> 'closed'`, string(chat)))
	if errors.Is(err, sql.ErrNoRows) {
		return check{}, false, nil
	}
	if err != nil {
		return check{}, false, fmt.Errorf("load active check: %w", err)
	}
	return c, true, nil
}

func (s *store) byID(ctx context.Context, id int64) (check, error) {
	c, err := scanCheck(s.db.QueryRowContext(ctx, `SELECT `+checkColumns+` FROM power_checks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return check{}, bot.ErrNotFound
	}
	if err != nil {
		return check{}, fmt.Errorf("load check %d: %w", id, err)
	}
	return c, nil
}

// start closes an earlier unfinished check in the group (one whose verdict
// left nothing to wait for) and opens a new one with the starter counted as
// Off, in one transaction.
func (s *store) start(ctx context.Context, chat bot.ChatID, starter int64, now, windowEnds time.Time, closeEarlier int64) (check, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return check{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if closeEarlier != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE power_checks SET state = 'closed', closed_at = ? WHERE id = ? AND state <> 'closed'`, sqlkit.Millis(now), closeEarlier); err != nil {
			return check{}, fmt.Errorf("close earlier check: %w", err)
		}
	}
	id, err := sqlkit.InsertID(ctx, tx, `INSERT INTO power_checks (chat, starter_id, started_at, window_ends, state, peak_off) VALUES (?, ?, ?, ?, 'open', 1) RETURNING id`,
		string(chat), starter, sqlkit.Millis(now), sqlkit.Millis(windowEnds))
	if err != nil {
		return check{}, fmt.Errorf("insert check: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO power_votes (check_id, person_id, off, source, voted_at) VALUES (?, ?, 1, 'starter', ?)`, id, starter, sqlkit.Millis(now)); err != nil {
		return check{}, fmt.Errorf("insert starter vote: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return check{}, fmt.Errorf("commit check: %w", err)
	}
	return check{ID: id, Chat: chat, StarterID: starter, StartedAt: now.UTC(), WindowEnds: windowEnds.UTC(), State: stateOpen, PeakOff: 1}, nil
}

// discard deletes a check that was never announced, with its votes.
func (s *store) discard(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM power_votes WHERE check_id = ?`, id); err != nil {
		return fmt.Errorf("discard check votes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM power_checks WHERE id = ?`, id); err != nil {
		return fmt.Errorf("discard check: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit discard: %w", err)
	}
	return nil
}

// unfinished lists every check not yet closed, in any group.
func (s *store) unfinished(ctx context.Context) ([]check, error) {
	return s.checks(ctx, "load unfinished checks", `SELECT `+checkColumns+` FROM power_checks WHERE state <> 'closed' ORDER BY id`)
}

// checks runs a query selecting checkColumns and scans every row.
func (s *store) checks(ctx context.Context, what, query string, args ...any) ([]check, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (check, error) {
		c, err := scanCheck(rows)
		if err != nil {
			return check{}, fmt.Errorf("scan check: %w", err)
		}
		return c, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// newerCheck reports whether the group started a check after id.
func (s *store) newerCheck(ctx context.Context, chat bot.ChatID, id int64) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM power_checks WHERE chat = ? AND id > ?`, string(chat), id).Scan(&n); err != nil {
		return false, fmt.Errorf("look for a newer check: %w", err)
	}
	return n > 0, nil
}

func (s *store) setStatusMsg(ctx context.Context, id int64, msg string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE power_checks SET status_msg = ? WHERE id = ?`, msg, id); err != nil {
		return fmt.Errorf("save status message: %w", err)
	}
	return nil
}

func (s *store) voteOf(ctx context.Context, checkID, person int64) (vote, bool, error) {
	var v vote
	var off int
	err := s.db.QueryRowContext(ctx, `SELECT off, source FROM power_votes WHERE check_id = ? AND person_id = ?`, checkID, person).Scan(&off, &v.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return vote{}, false, nil
	}
	if err != nil {
		return vote{}, false, fmt.Errorf("load vote: %w", err)
	}
	v.Off = off == 1
	return v, true, nil
}

// setVote records a person's answer (replacing an earlier one), or removes
// it when v is nil, and raises the check's peak; all in one transaction. It
// returns the tally after the change.
func (s *store) setVote(ctx context.Context, checkID, person int64, v *vote, now time.Time) (tally, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return tally{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if v == nil {
		_, err = tx.ExecContext(ctx, `DELETE FROM power_votes WHERE check_id = ? AND person_id = ?`, checkID, person)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO power_votes (check_id, person_id, off, source, voted_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (check_id, person_id) DO UPDATE SET off = excluded.off, source = excluded.source, voted_at = excluded.voted_at`,
			checkID, person, boolInt(v.Off), v.Source, sqlkit.Millis(now))
	}
	if err != nil {
		return tally{}, fmt.Errorf("save vote: %w", err)
	}
	t, err := countVotes(ctx, tx, checkID)
	if err != nil {
		return tally{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE power_checks SET peak_off = CASE WHEN peak_off >= ? THEN peak_off ELSE ? END WHERE id = ?`, t.Off, t.Off, checkID); err != nil {
		return tally{}, fmt.Errorf("update peak: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return tally{}, fmt.Errorf("commit vote: %w", err)
	}
	return t, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func countVotes(ctx context.Context, q querier, checkID int64) (tally, error) {
	rows, err := q.QueryContext(ctx, `SELECT person_id, off FROM power_votes WHERE check_id = ?`, checkID)
	if err != nil {
		return tally{}, fmt.Errorf("count votes: %w", err)
	}
	defer rows.Close()
	var t tally
	for rows.Next() {
		var person int64
		var off int
		if err := rows.Scan(&person, &off); err != nil {
			return tally{}, fmt.Errorf("scan vote: %w", err)
		}
		if off == 1 {
			t.Off++
			t.OnlyOff = person
		} else {
			t.On++
		}
	}
	if err := rows.Err(); err != nil {
		return tally{}, fmt.Errorf("count votes: %w", err)
	}
	if t.Off != 1 {
		t.OnlyOff = 0
	}
	return t, nil
}

func (s *store) tally(ctx context.Context, checkID int64) (tally, error) {
	return countVotes(ctx, s.db, checkID)
}

// finishWindow records the verdict of an open check. It reports false when
// the check was no longer open (already finished, e.g. a job run twice).
func (s *store) finishWindow(ctx context.Context, id int64, verdict string, t tally, incident, incidentDetails string, now time.Time) (bool, error) {
	state := stateEnded
	var closed any
	if verdict == verdictNone {
		state, closed = stateClosed, sqlkit.Millis(now)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE power_checks SET state = ?, verdict = ?, verdict_off = ?, verdict_on = ?, incident = ?, incident_details = ?,
		peak_off = CASE WHEN peak_off >= ? THEN peak_off ELSE ? END, closed_at = ? WHERE id = ? AND state = 'open'`,
		state, verdict, t.Off, t.On, incident, incidentDetails, t.Off, t.Off, closed, id)
	if err != nil {
		return false, fmt.Errorf("record verdict: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record verdict: %w", err)
	}
	return n == 1, nil
}

// restore closes an unfinished check as restored at now.
func (s *store) restore(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE power_checks SET state = 'closed', restored_at = ?, closed_at = ? WHERE id = ? AND state <> 'closed'`, sqlkit.Millis(now), sqlkit.Millis(now), id)
	if err != nil {
		return false, fmt.Errorf("record restoration: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record restoration: %w", err)
	}
	return n == 1, nil
}

// expire closes a check nobody marked restored.
func (s *store) expire(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE power_checks SET state = 'closed', closed_at = ? WHERE id = ? AND state <> 'closed'`, sqlkit.Millis(now), id)
	if err != nil {
		return false, fmt.Errorf("close stale check: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("close stale check: %w", err)
	}
	return n == 1, nil
}

// history returns the group's latest checks, newest first.
func (s *store) history(ctx context.Context, chat bot.ChatID, limit int) ([]check, error) {
	return s.checks(ctx, "load history", `SELECT `+checkColumns+` FROM power_checks WHERE chat = ? ORDER BY started_at DESC, id DESC LIMIT ?`, string(chat), limit)
}

// suggestState is a group's hint setting.
func (s *store) suggestState(ctx context.Context, chat bot.ChatID) (on bool, last time.Time, err error) {
	var sug int
	// last_suggested is NOT NULL DEFAULT 0, 0 being "never": NULLIF reads
	// it as the zero time, like a NULL elsewhere.
	err = s.db.QueryRowContext(ctx, `SELECT suggest, NULLIF(last_suggested, 0) FROM power_groups WHERE chat = ?`, string(chat)).Scan(&sug, sqlkit.TimeCol(&last))
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("load hint setting: %w", err)
	}
	return sug == 1, last, nil
}

func (s *store) setSuggest(ctx context.Context, chat bot.ChatID, on bool) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO power_groups (chat, suggest) VALUES (?, ?)
		ON CONFLICT (chat) DO UPDATE SET suggest = excluded.suggest`, string(chat), boolInt(on))
	if err != nil {
		return fmt.Errorf("save hint setting: %w", err)
	}
	return nil
}

func (s *store) markSuggested(ctx context.Context, chat bot.ChatID, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE power_groups SET last_suggested = ? WHERE chat = ?`, sqlkit.Millis(now), string(chat)); err != nil {
		return fmt.Errorf("save hint time: %w", err)
	}
	return nil
}

// personVotes summarises a person's answers for !mydata.
func (s *store) personVotes(ctx context.Context, person int64) (answered int, lastOff bool, lastAt time.Time, err error) {
	var n int
	err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM power_votes WHERE person_id = ?`, person).Scan(&n)
	if err != nil {
		return 0, false, time.Time{}, fmt.Errorf("count answers: %w", err)
	}
	if n == 0 {
		return 0, false, time.Time{}, nil
	}
	var off int
	var at time.Time
	err = s.db.QueryRowContext(ctx, `SELECT off, voted_at FROM power_votes WHERE person_id = ? ORDER BY voted_at DESC LIMIT 1`, person).Scan(&off, sqlkit.TimeCol(&at))
	if err != nil {
		return 0, false, time.Time{}, fmt.Errorf("latest answer: %w", err)
	}
	return n, off == 1, at, nil
}

func (s *store) startedBy(ctx context.Context, person int64) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM power_checks WHERE starter_id = ?`, person).Scan(&n); err != nil {
		return 0, fmt.Errorf("count started checks: %w", err)
	}
	return n, nil
}

// forget deletes a person's answers and removes them as starter, keeping
// each check's counts (peak_off) for the group's history.
func (s *store) forget(ctx context.Context, person int64) (votes, started int64, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM power_votes WHERE person_id = ?`, person)
	if err != nil {
		return 0, 0, fmt.Errorf("delete answers: %w", err)
	}
	votes, _ = res.RowsAffected()
	res, err = tx.ExecContext(ctx, `UPDATE power_checks SET starter_id = NULL WHERE starter_id = ?`, person)
	if err != nil {
		return 0, 0, fmt.Errorf("anonymise checks: %w", err)
	}
	started, _ = res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	return votes, started, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
