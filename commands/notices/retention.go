package notices

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// PurgeClosed deletes notices that ended more than [notices]
// retention_days ago, each with every row that depends on it: deliveries
// (notice_outbox), approvals, the sender and schedule (notice_council),
// its snap poll with the chats it went to, votes, counts and results post,
// and its consultation with the comments. The notices' own window is used,
// not the moderation cutoff the retention job passes in: notices have
// their own key because a council may be required to keep them for a
// different time than moderation records.
//
// A notice has ended when nothing more can happen to it:
//   - it was rejected, or expired before it was sent, or it was sent
//     (planned) and none of its deliveries is still waiting (pending,
//     digest, sending), its poll and consultation are closed and no
//     results post is waiting; notices awaiting approval, held by the
//     pause, approved or scheduled are never deleted;
//   - and its expiry has passed (a notice without an expiry counts as
//     expiring maxLifetime, 90 days, after it was received — the longest a
//     webhook notice may ask for), and nothing was recorded for it in the
//     audit within the window (a late delivery or rejection restarts it).
//
// Kept on purpose: notice_audit, which is append-only (triggers refuse
// UPDATE and DELETE) and names notices only by id, so the governance record
// of what was received, approved, sent and where outlives the notice; and
// the notice's (source, identifier) in notice_purged, so a feed still
// listing the item, or a source re-sending the same id, is a duplicate
// rather than a new notice relayed again.
func (d dataProvider) PurgeClosed(ctx context.Context, _ time.Time) (int64, error) {
	now := d.r.clock.Now()
	return d.r.st.purgeEnded(ctx, now.Add(-time.Duration(d.r.cfg.RetentionDays)*24*time.Hour), now)
}

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

// purgeEnded is PurgeClosed's one unit of work: it deletes the notices that
// ended before cutoff with their dependent rows, records their ids in
// notice_purged, and returns the rows deleted.
func (s store) purgeEnded(ctx context.Context, cutoff, now time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("purge notices: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, endedNotices, maxLifetime.Milliseconds(), ms(cutoff), ms(cutoff))
	if err != nil {
		return 0, fmt.Errorf("purge notices: %w", err)
	}
	type ended struct {
		id                 int64
		source, identifier string
	}
	var list []ended
	for rows.Next() {
		var e ended
		if err := rows.Scan(&e.id, &e.source, &e.identifier); err != nil {
			rows.Close()
			return 0, fmt.Errorf("purge notices: %w", err)
		}
		list = append(list, e)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("purge notices: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("purge notices: %w", err)
	}
	var total int64
	for start := 0; start < len(list); start += purgeBatch {
		batch := list[start:min(start+purgeBatch, len(list))]
		ids := make([]any, len(batch))
		for i, e := range batch {
			ids[i] = e.id
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_purged (source, identifier, purged_at) VALUES (?, ?, ?)
				ON CONFLICT(source, identifier) DO NOTHING`, e.source, e.identifier, ms(now)); err != nil {
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
