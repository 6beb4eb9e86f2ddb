package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
		res, err := tx.ExecContext(ctx, `UPDATE notice_polls SET state = 'closed', closed_at = COALESCE(CAST(? AS BIGINT), 0) WHERE notice_id = ? AND state = 'open'`, sqlkit.Millis(now), id)
		if err != nil {
			return fmt.Errorf("close poll: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_poll_counts (notice_id, scope, area, choice, votes)
			SELECT v.notice_id, CASE WHEN v.target LIKE 'person:%' THEN ? ELSE v.target END, COALESCE(c.area, ''), v.choice, COUNT(*)
			FROM notice_poll_votes v LEFT JOIN notice_poll_chats c ON c.notice_id = v.notice_id AND c.target = v.target
			WHERE v.notice_id = ? GROUP BY 1, 2, 3, 4`, subscribersScope, id); err != nil {
			return fmt.Errorf("count votes: %w", err)
		}
		// Voters per group and area, as choice -1 (a multiple-answer
		// poll has more ticks than voters).
		if _, err := tx.ExecContext(ctx, `INSERT INTO notice_poll_counts (notice_id, scope, area, choice, votes)
			SELECT v.notice_id, CASE WHEN v.target LIKE 'person:%' THEN ? ELSE v.target END, COALESCE(c.area, ''), -1, COUNT(DISTINCT v.person_id)
			FROM notice_poll_votes v LEFT JOIN notice_poll_chats c ON c.notice_id = v.notice_id AND c.target = v.target
			WHERE v.notice_id = ? GROUP BY 1, 2, 3`, subscribersScope, id); err != nil {
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
	rows, err := s.q().QueryContext(ctx, q, args...)
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
	rows, err := s.q().QueryContext(ctx, `SELECT target, area FROM notice_poll_chats WHERE notice_id = ?`, id)
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
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) - COUNT(person_id), COUNT(person_id) FROM notice_outbox
		WHERE notice_id = ? AND state = 'sent'`, id).Scan(&groups, &subscribers); err != nil {
		return 0, 0, fmt.Errorf("poll reach: %w", err)
	}
	return groups, subscribers, nil
}

// savePoll stores a new notice's poll, in the notice's transaction.
func (s store) savePoll(ctx context.Context, n *Notice) error {
	if n.Poll == nil {
		return nil
	}
	opts, err := json.Marshal(n.Poll.Options)
	if err != nil {
		return fmt.Errorf("encode poll options: %w", err)
	}
	multiple := 0
	if n.Poll.Multiple {
		multiple = 1
	}
	if _, err := s.q().ExecContext(ctx, `INSERT INTO notice_polls (notice_id, question, options, closes_at, state, multiple) VALUES (?, ?, ?, ?, 'open', ?)`,
		n.ID, n.Poll.Question, string(opts), sqlkit.Millis(n.Poll.Closes), multiple); err != nil {
		return fmt.Errorf("save poll: %w", err)
	}
	return nil
}

// poll loads a notice's poll; nil when it has none.
func (s store) poll(ctx context.Context, id int64) (*PollSpec, error) {
	p := &PollSpec{}
	var opts string
	err := s.q().QueryRowContext(ctx, `SELECT question, options, closes_at, state, multiple FROM notice_polls WHERE notice_id = ?`, id).
		Scan(&p.Question, &opts, sqlkit.TimeCol(&p.Closes), &p.State, &p.Multiple)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load poll: %w", err)
	}
	if err := json.Unmarshal([]byte(opts), &p.Options); err != nil {
		return nil, fmt.Errorf("poll options: %w", err)
	}
	return p, nil
}

// scanIDs reads a list of ids.
func scanIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (int64, error) {
		var id int64
		err := r.Scan(&id)
		return id, err
	})
}

// openPolls lists the notices whose poll is open.
func (s store) openPolls(ctx context.Context) ([]int64, error) {
	ids, err := scanIDs(s.q().QueryContext(ctx, `SELECT notice_id FROM notice_polls WHERE state = 'open'`))
	if err != nil {
		return nil, fmt.Errorf("open polls: %w", err)
	}
	return ids, nil
}

// pendingResultsPosts lists the notices whose results POST is to be made.
func (s store) pendingResultsPosts(ctx context.Context) ([]int64, error) {
	ids, err := scanIDs(s.q().QueryContext(ctx, `SELECT notice_id FROM notice_results_posts WHERE state = 'pending'`))
	if err != nil {
		return nil, fmt.Errorf("pending results posts: %w", err)
	}
	return ids, nil
}

// recordPollChat records where a notice's poll goes (once per target).
func (s store) recordPollChat(ctx context.Context, c pollChat) error {
	if _, err := s.q().ExecContext(ctx, `INSERT INTO notice_poll_chats (notice_id, target, chat, area) VALUES (?, ?, ?, ?)
		ON CONFLICT(notice_id, target) DO NOTHING`, c.NoticeID, c.Target, c.Chat, c.Area); err != nil {
		return fmt.Errorf("record poll chat: %w", err)
	}
	return nil
}

// recordPollMessage keeps the id of the poll message sent to target.
func (s store) recordPollMessage(ctx context.Context, notice int64, target, msgID string) error {
	if _, err := s.q().ExecContext(ctx, `UPDATE notice_poll_chats SET poll_msg = ? WHERE notice_id = ? AND target = ?`, msgID, notice, target); err != nil {
		return fmt.Errorf("record poll message: %w", err)
	}
	return nil
}

// pollChats lists where notice id's poll went, in the order it went.
func (s store) pollChats(ctx context.Context, id int64) ([]pollChat, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT notice_id, target, chat, area FROM notice_poll_chats WHERE notice_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("poll chats: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (pollChat, error) {
		var c pollChat
		if err := r.Scan(&c.NoticeID, &c.Target, &c.Chat, &c.Area); err != nil {
			return c, fmt.Errorf("scan poll chat: %w", err)
		}
		return c, nil
	})
}

// openPollSentTo finds the newest open poll delivered to target (a group
// chat or person:ID), or, with notice set, that notice's; ok is false
// when there is none.
func (s store) openPollSentTo(ctx context.Context, target string, notice int64) (id int64, ok bool, err error) {
	q := `SELECT c.notice_id FROM notice_poll_chats c JOIN notice_polls p ON p.notice_id = c.notice_id
		WHERE c.target = ? AND p.state = 'open'`
	args := []any{target}
	if notice != 0 {
		q += ` AND c.notice_id = ?`
		args = append(args, notice)
	}
	err = s.q().QueryRowContext(ctx, q+` ORDER BY c.notice_id DESC LIMIT 1`, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("find open poll: %w", err)
	}
	return id, true, nil
}

// setVote makes choices the voter's whole current selection.
func (s store) setVote(ctx context.Context, notice, person int64, target string, choices []int, now time.Time) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notice_poll_votes WHERE notice_id = ? AND person_id = ?`, notice, person); err != nil {
			return fmt.Errorf("record vote: %w", err)
		}
		for _, c := range choices {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_poll_votes (notice_id, person_id, target, choice, voted_at) VALUES (?, ?, ?, ?, ?)`,
				notice, person, target, c, sqlkit.Millis(now)); err != nil {
				return fmt.Errorf("record vote: %w", err)
			}
		}
		return nil
	})
}

// choices is the voter's current selection, in option order.
func (s store) choices(ctx context.Context, notice, person int64) ([]int, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT choice FROM notice_poll_votes WHERE notice_id = ? AND person_id = ? ORDER BY choice`, notice, person)
	if err != nil {
		return nil, fmt.Errorf("load vote: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (int, error) {
		var c int
		if err := r.Scan(&c); err != nil {
			return 0, fmt.Errorf("scan vote: %w", err)
		}
		return c, nil
	})
}

// withdrawVote deletes the voter's current selection.
func (s store) withdrawVote(ctx context.Context, notice, person int64) error {
	if _, err := s.q().ExecContext(ctx, `DELETE FROM notice_poll_votes WHERE notice_id = ? AND person_id = ?`, notice, person); err != nil {
		return fmt.Errorf("withdraw vote: %w", err)
	}
	return nil
}

// closePollNow brings an open poll's close forward to now (when it was
// later); ok says whether it did.
func (s store) closePollNow(ctx context.Context, notice int64, now time.Time) (bool, error) {
	res, err := s.q().ExecContext(ctx, `UPDATE notice_polls SET closes_at = ? WHERE notice_id = ? AND state = 'open' AND closes_at > ?`,
		sqlkit.Millis(now), notice, sqlkit.Millis(now))
	if err != nil {
		return false, fmt.Errorf("close cancelled poll: %w", err)
	}
	k, _ := res.RowsAffected()
	return k > 0, nil
}

// resultsPost is where notice's results POST stands.
func (s store) resultsPost(ctx context.Context, notice int64) (state string, attempts int, err error) {
	err = s.q().QueryRowContext(ctx, `SELECT state, attempts FROM notice_results_posts WHERE notice_id = ?`, notice).Scan(&state, &attempts)
	if err != nil {
		return "", 0, fmt.Errorf("load results post: %w", err)
	}
	return state, attempts, nil
}

// resultsPosted records that notice's results were posted at rec.At on
// attempt attempts, and audits rec.
func (s store) resultsPosted(ctx context.Context, notice int64, attempts int, rec AuditRecord) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE notice_results_posts SET state = 'sent', attempts = ?, sent_at = COALESCE(CAST(? AS BIGINT), 0), last_error = '' WHERE notice_id = ?`,
			attempts, sqlkit.Millis(rec.At), notice); err != nil {
			return fmt.Errorf("record results post: %w", err)
		}
		return audit(ctx, tx, rec)
	})
}

// resultsPostFailed records a failed attempt (to is pending for a retry,
// or failed) with its error, and audits rec.
func (s store) resultsPostFailed(ctx context.Context, notice int64, to string, attempts int, errText string, rec AuditRecord) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE notice_results_posts SET state = ?, attempts = ?, last_error = ? WHERE notice_id = ?`, to, attempts, errText, notice); err != nil {
			return fmt.Errorf("record results post failure: %w", err)
		}
		return audit(ctx, tx, rec)
	})
}
