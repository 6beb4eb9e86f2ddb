package notices

import (
	"context"
	"fmt"
	"time"

	"neighbourbot/bot"
)

// closePoll closes notice id's poll at now, once: the votes are counted per
// group and area and the individual choices deleted. reached says whether
// the poll went anywhere; bookResultsPost books the post of its results to
// the council's results URL.
func (s store) closePoll(ctx context.Context, id int64, now time.Time, reached, bookResultsPost bool) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notice_polls SET state = 'closed', closed_at = ? WHERE notice_id = ? AND state = 'open'`, ms(now), id)
		if err != nil {
			return fmt.Errorf("close poll: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_poll_counts (notice_id, scope, area, choice, votes)
			SELECT v.notice_id, CASE WHEN v.target LIKE 'person:%' THEN ? ELSE v.target END, COALESCE(c.area, ''), v.choice, COUNT(*)
			FROM notice_poll_votes v LEFT JOIN notice_poll_chats c ON c.notice_id = v.notice_id AND c.target = v.target
			WHERE v.notice_id = ? GROUP BY 2, 3, 4`, subscribersScope, id); err != nil {
			return fmt.Errorf("count votes: %w", err)
		}
		// Voters per group and area, as choice -1 (a multiple-answer
		// poll has more ticks than voters).
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_poll_counts (notice_id, scope, area, choice, votes)
			SELECT v.notice_id, CASE WHEN v.target LIKE 'person:%' THEN ? ELSE v.target END, COALESCE(c.area, ''), -1, COUNT(DISTINCT v.person_id)
			FROM notice_poll_votes v LEFT JOIN notice_poll_chats c ON c.notice_id = v.notice_id AND c.target = v.target
			WHERE v.notice_id = ? GROUP BY 2, 3`, subscribersScope, id); err != nil {
			return fmt.Errorf("count voters: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notice_poll_votes WHERE notice_id = ?`, id); err != nil {
			return fmt.Errorf("delete votes: %w", err)
		}
		if !reached {
			// Never sent (rejected, expired, held): nothing to report.
			return audit(ctx, tx, AuditRecord{NoticeID: id, At: now, Event: "poll_closed", Actor: "bot", Detail: "closed before it reached anyone"})
		}
		if bookResultsPost {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_results_posts (notice_id, state) VALUES (?, 'pending') ON CONFLICT DO NOTHING`, id); err != nil {
				return fmt.Errorf("book results post: %w", err)
			}
		}
		return audit(ctx, tx, AuditRecord{NoticeID: id, At: now, Event: "poll_closed", Actor: "bot", Detail: "votes counted per group and area; individual choices deleted"})
	})
}
