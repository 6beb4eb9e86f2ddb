package power

import (
	"context"
	"fmt"
	"time"
)

// PurgeClosed deletes power checks closed before the cutoff with their
// answers and the core's record of the polls sent for them (polls rows of
// kind "power" whose ref is the check's id), so a late vote on such a poll
// is ignored like any vote on an unknown poll. Open checks and ended ones
// still waiting for the power to come back have no closed_at and are never
// touched.
func (d dataProvider) PurgeClosed(ctx context.Context, before time.Time) (int64, error) {
	return d.f.st.purgeClosed(ctx, before)
}

// purgeClosed is PurgeClosed's one transaction; it returns the rows deleted.
func (s *store) purgeClosed(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("purge closed checks: %w", err)
	}
	defer tx.Rollback()
	const closed = `SELECT id FROM power_checks WHERE state = 'closed' AND closed_at IS NOT NULL AND closed_at < ?`
	// The polls and answers go first, explicitly rather than by cascade, so
	// they are counted and the polls (which have no foreign key) found.
	steps := []struct{ what, query string }{
		{"polls", `DELETE FROM polls WHERE kind = '` + pollKind + `' AND ref IN (SELECT CAST(id AS TEXT) FROM (` + closed + `))`},
		{"answers", `DELETE FROM power_votes WHERE check_id IN (` + closed + `)`},
		{"checks", `DELETE FROM power_checks WHERE id IN (` + closed + `)`},
	}
	var total int64
	for _, st := range steps {
		res, err := tx.ExecContext(ctx, st.query, ms(before))
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
