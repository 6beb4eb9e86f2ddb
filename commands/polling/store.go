package polling

import (
	"context"
	"database/sql"
	"errors"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// loadState reads a source's row of poll_state under its stored key; a
// source never polled has none and gets the zero State.
func loadState(ctx context.Context, db bot.DB, key string) (State, error) {
	var st State
	err := db.QueryRowContext(ctx, `SELECT next_at, failures, failing_since, last_success, last_attempt, last_error, idle FROM poll_state WHERE name = ?`, key).
		Scan(sqlkit.TimeCol(&st.NextAt), &st.Failures, sqlkit.TimeCol(&st.FailingSince), sqlkit.TimeCol(&st.LastSuccess), sqlkit.TimeCol(&st.LastAttempt), &st.LastError, &st.Idle)
	if errors.Is(err, sql.ErrNoRows) {
		return State{}, nil
	}
	if err != nil {
		return State{}, err
	}
	return st, nil
}

// saveState writes a source's row of poll_state. next_at is NOT NULL: an
// unset time is written as the zero time's own milliseconds, which
// sqlkit.Time reads back as the zero time.
func saveState(ctx context.Context, db bot.DB, key string, st State) error {
	_, err := db.ExecContext(ctx, `INSERT INTO poll_state (name, next_at, failures, failing_since, last_success, last_attempt, last_error, idle)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET next_at = excluded.next_at, failures = excluded.failures, failing_since = excluded.failing_since,
			last_success = excluded.last_success, last_attempt = excluded.last_attempt, last_error = excluded.last_error, idle = excluded.idle`,
		key, st.NextAt.UnixMilli(), st.Failures, sqlkit.Millis(st.FailingSince), sqlkit.Millis(st.LastSuccess), sqlkit.Millis(st.LastAttempt), st.LastError, sqlkit.Flag(st.Idle))
	return err
}
