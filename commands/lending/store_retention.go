package lending

import (
	"context"
	"fmt"
	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
	"time"
)

// purgeClosed is PurgeClosed's one transaction; it returns the rows deleted.
func (s *store) purgeClosed(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("purge closed lending records: %w", err)
	}
	defer tx.Rollback()
	cutoff := sqlkit.Millis(before)
	// Signups go first and explicitly (rather than by cascade) so they are
	// counted.
	steps := []struct{ what, query string }{
		{"loans", `DELETE FROM lending_loans WHERE state = 'closed' AND closed_at > 0 AND closed_at < ?`},
		{"requests", `DELETE FROM lending_wants WHERE expires_at < ?`},
		{"errand signups", `DELETE FROM lending_errand_signups WHERE errand_id IN (SELECT id FROM lending_errands WHERE starts_at < ?)`},
		{"errands", `DELETE FROM lending_errands WHERE starts_at < ?`},
		// A "until when?" nobody answered lapsed long ago (lentQuestionTTL).
		{"unanswered loan questions", `DELETE FROM lending_lent_questions WHERE asked_at < ?`},
	}
	var total int64
	for _, st := range steps {
		n, err := execCount(ctx, tx, st.query, cutoff)
		if err != nil {
			return 0, fmt.Errorf("purge %s: %w", st.what, err)
		}
		total += n
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("purge closed lending records: %w", err)
	}
	return total, nil
}

func execCount(ctx context.Context, tx bot.Tx, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
