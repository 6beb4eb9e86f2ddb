package notices

import (
	"context"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot/sqlkit"
)

// endedNotices selects the notices PurgeClosed deletes; the arguments are
// maxLifetime and the cutoff (twice), in milliseconds.
const endedNotices = `SELECT n.id, n.source, n.identifier FROM notices n
	WHERE n.state IN ('rejected', 'expired', 'planned', 'withdrawn', 'recorded')
	AND (CASE WHEN n.expires_at > 0 THEN n.expires_at ELSE n.received_at + ? END) < ?
	AND NOT EXISTS (SELECT 1 FROM notice_outbox o WHERE o.notice_id = n.id AND o.state IN ('pending', 'digest', 'sending'))
	AND NOT EXISTS (SELECT 1 FROM notice_polls p WHERE p.notice_id = n.id AND p.state = 'open')
	AND NOT EXISTS (SELECT 1 FROM notice_results_posts rp WHERE rp.notice_id = n.id AND rp.state = 'pending')
	AND NOT EXISTS (SELECT 1 FROM notice_consultations c WHERE c.notice_id = n.id AND c.state = 'open')
	AND NOT EXISTS (SELECT 1 FROM notice_audit a WHERE a.notice_id = n.id AND a.at >= ?)
	ORDER BY n.id`

// noticeDependents delete a batch of notices' rows, children before
// parents; each has one "%s" for the list of ids.
var noticeDependents = []string{
	`DELETE FROM notice_comments WHERE consultation_id IN (SELECT id FROM notice_consultations WHERE notice_id IN (%s))`,
	`DELETE FROM notice_consultations WHERE notice_id IN (%s)`,
	`DELETE FROM notice_poll_votes WHERE notice_id IN (%s)`,
	`DELETE FROM notice_poll_counts WHERE notice_id IN (%s)`,
	`DELETE FROM notice_poll_chats WHERE notice_id IN (%s)`,
	`DELETE FROM notice_results_posts WHERE notice_id IN (%s)`,
	`DELETE FROM notice_polls WHERE notice_id IN (%s)`,
	`DELETE FROM notice_outbox WHERE notice_id IN (%s)`,
	`DELETE FROM notice_approvals WHERE notice_id IN (%s)`,
	`DELETE FROM notice_council WHERE notice_id IN (%s)`,
	`DELETE FROM notices WHERE id IN (%s)`,
}

// purgeBatch bounds the ids in one statement (SQLite's default limit on
// bound parameters is 32766).
const purgeBatch = 500

// ended is a notice purgeEnded deletes.
type ended struct {
	id                 int64
	source, identifier string
}

// purgeEnded is PurgeClosed's one unit of work: it deletes the notices that
// ended before cutoff with their dependent rows, records their ids in
// notice_purged, and returns the rows deleted.
func (s store) purgeEnded(ctx context.Context, cutoff, now time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("purge notices: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, endedNotices, maxLifetime.Milliseconds(), sqlkit.Millis(cutoff), sqlkit.Millis(cutoff))
	if err != nil {
		return 0, fmt.Errorf("purge notices: %w", err)
	}
	list, err := sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (ended, error) {
		var e ended
		err := r.Scan(&e.id, &e.source, &e.identifier)
		return e, err
	})
	if err != nil {
		return 0, fmt.Errorf("purge notices: %w", err)
	}
	var total int64
	for start := 0; start < len(list); start += purgeBatch {
		batch := list[start:min(start+purgeBatch, len(list))]
		ids := make([]any, len(batch))
		for i, e := range batch {
			ids[i] = e.id
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_purged (source, identifier, purged_at) VALUES (?, ?, ?)
				ON CONFLICT(source, identifier) DO NOTHING`, e.source, e.identifier, sqlkit.Millis(now)); err != nil {
				return 0, fmt.Errorf("purge notice %d: %w", e.id, err)
			}
		}
		marks := strings.TrimSuffix(strings.Repeat("?,", len(batch)), ",")
		for _, q := range noticeDependents {
			res, err := tx.ExecContext(ctx, fmt.Sprintf(q, marks), ids...)
			if err != nil {
				return 0, fmt.Errorf("purge notices: %w", err)
			}
			n, err := res.RowsAffected()
			if err != nil {
				return 0, fmt.Errorf("purge notices: %w", err)
			}
			total += n
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("purge notices: %w", err)
	}
	return total, nil
}
