package notices

import (
	"context"
	"fmt"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
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

// pollCount is one row of a poll's tally: the votes for Choice in one group
// (or the private subscribers) and area. Choice -1 counts voters instead.
type pollCount struct {
	Scope, Area   string
	Choice, Votes int
}

// pollCounts reads notice id's tally: counted from the votes while the poll
// is open, read from the counts kept at closing once it is closed (the
// individual choices are deleted then).
func (s store) pollCounts(ctx context.Context, id int64, open bool) ([]pollCount, error) {
	q := `SELECT scope, area, choice, votes FROM notice_poll_counts WHERE notice_id = ?`
	args := []any{id}
	if open {
		scope := `CASE WHEN v.target LIKE 'person:%' THEN '` + subscribersScope + `' ELSE v.target END`
		from := ` FROM notice_poll_votes v LEFT JOIN notice_poll_chats c ON c.notice_id = v.notice_id AND c.target = v.target WHERE v.notice_id = ?`
		q = `SELECT ` + scope + `, COALESCE(c.area, ''), v.choice, COUNT(*)` + from + ` GROUP BY 1, 2, 3
			UNION ALL SELECT ` + scope + `, COALESCE(c.area, ''), -1, COUNT(DISTINCT v.person_id)` + from + ` GROUP BY 1, 2`
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("poll counts: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (pollCount, error) {
		var c pollCount
		if err := r.Scan(&c.Scope, &c.Area, &c.Choice, &c.Votes); err != nil {
			return c, fmt.Errorf("scan poll count: %w", err)
		}
		return c, nil
	})
}

// pollReachedChats lists the chats notice id's poll was sent to, with the
// area each is in.
func (s store) pollReachedChats(ctx context.Context, id int64) ([]pollChat, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT target, area FROM notice_poll_chats WHERE notice_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("poll chats: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (pollChat, error) {
		var c pollChat
		if err := r.Scan(&c.Target, &c.Area); err != nil {
			return c, fmt.Errorf("scan poll chat: %w", err)
		}
		return c, nil
	})
}

// pollReach counts the groups and the private subscribers the outbox has
// sent notice id to.
func (s store) pollReach(ctx context.Context, id int64) (groups, subscribers int, err error) {
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(person_id IS NULL), 0), COALESCE(SUM(person_id IS NOT NULL), 0) FROM notice_outbox
		WHERE notice_id = ? AND state = 'sent'`, id).Scan(&groups, &subscribers); err != nil {
		return 0, 0, fmt.Errorf("poll reach: %w", err)
	}
	return groups, subscribers, nil
}
