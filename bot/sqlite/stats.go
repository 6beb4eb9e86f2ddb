package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"time"
)

// DueJobStats counts the jobs due at now and gives the run time of the oldest
// (zero when none), for the jobs-due gauges: a queue that only grows means
// the engine is stuck or a job keeps failing.
func (s *Store) DueJobStats(ctx context.Context, now time.Time) (int, time.Time, error) {
	var n int
	var oldest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(run_at), 0) FROM jobs WHERE run_at <= ?`, sqlkit.Millis(now)).Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("count due jobs: %w", err)
	}
	if n == 0 {
		return 0, time.Time{}, nil
	}
	return n, sqlkit.Time(oldest), nil
}

// Ping checks the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}
