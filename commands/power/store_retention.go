package power

import (
	"context"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"time"
)

// closedChecks lists the checks closed before the cutoff.
func (s *store) closedChecks(ctx context.Context, before time.Time) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM power_checks WHERE state = 'closed' AND closed_at IS NOT NULL AND closed_at < ?`, sqlkit.Millis(before))
	if err != nil {
		return nil, fmt.Errorf("closed checks: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (int64, error) {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("closed checks: %w", err)
		}
		return id, nil
	})
}

// purgeClosed deletes the closed checks' answers and the checks, and
// returns the rows deleted.
func (s *store) purgeClosed(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("purge closed checks: %w", err)
	}
	defer tx.Rollback()
	const closed = `SELECT id FROM power_checks WHERE state = 'closed' AND closed_at IS NOT NULL AND closed_at < ?`
	steps := []struct{ what, query string }{
		{"answers", `DELETE FROM power_votes WHERE check_id IN (` + closed + `)`},
		{"checks", `DELETE FROM power_checks WHERE id IN (` + closed + `)`},
	}
	var total int64
	for _, st := range steps {
		res, err := tx.ExecContext(ctx, st.query, sqlkit.Millis(before))
		if err != nil {
			return 0, fmt.Errorf("purge closed %s: %w", st.what, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("purge closed %s: %w", st.what, err)
		}
		total += n
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("purge closed checks: %w", err)
	}
	return total, nil
}
