package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// The staff page's reads of polls and consultations: lists, one
// consultation, its comments and their counts. Nothing here writes;
// creating a poll or a consultation goes through SubmitAs and the
// governance like any notice.

// openNow and closedNow are the list filters: a poll or consultation past
// its closing time counts as closed even before its close job has run.
const (
	openNow   = `x.state = 'open' AND x.closes_at > ?`
	closedNow = `(x.state != 'open' OR x.closes_at <= ?)`
)

// listFilter is the WHERE clause of a list of polls or consultations
// (aliased x) for q's state and page.
func listFilter(key string, state string, now int64, before int64) (string, []any) {
	var conds []string
	var args []any
	switch state {
	case "open":
		conds, args = append(conds, openNow), append(args, now)
	case "closed":
		conds, args = append(conds, closedNow), append(args, now)
	}
	if before > 0 {
		conds, args = append(conds, "x."+key+" < ?"), append(args, before)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// ListPolls pages through the polls carried by notices, newest first.
func ListPolls(ctx context.Context, core bot.Core, q PollQuery) ([]PollSummary, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	where, args := listFilter("notice_id", q.State, q.Now.UnixMilli(), q.Before)
	// Voters: counted from the current choices while open, read from the
	// counts kept at close (choice -1) after.
	rows, err := core.DB().QueryContext(ctx, `SELECT x.notice_id, n.title, x.question, n.source_name, n.state, x.closes_at, x.state,
		CASE WHEN x.state = 'open' THEN (SELECT COUNT(DISTINCT v.person_id) FROM notice_poll_votes v WHERE v.notice_id = x.notice_id)
		ELSE COALESCE((SELECT SUM(c.votes) FROM notice_poll_counts c WHERE c.notice_id = x.notice_id AND c.choice = -1), 0) END
		FROM notice_polls x JOIN notices n ON n.id = x.notice_id`+where+` ORDER BY x.notice_id DESC LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list polls: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (PollSummary, error) {
		var p PollSummary
		var closes int64
		var state string
		if err := r.Scan(&p.Notice, &p.Title, &p.Question, &p.Sender, &p.NoticeState, &closes, &state, &p.Voters); err != nil {
			return p, fmt.Errorf("scan poll: %w", err)
		}
		p.Closes = sqlkit.FromMillis(closes)
		p.Closed = state != "open" || !q.Now.Before(p.Closes)
		return p, nil
	})
}

const consultSummaryCols = `SELECT x.id, COALESCE(x.notice_id, 0), x.chat, x.question, x.link, x.closes_at, x.state, x.created_at,
	COALESCE(n.state, ''), COALESCE(n.source_name, ''), (SELECT COUNT(*) FROM notice_comments m WHERE m.consultation_id = x.id)
	FROM notice_consultations x LEFT JOIN notices n ON n.id = x.notice_id`

func scanConsultSummary(r sqlkit.Scanner) (ConsultSummary, error) {
	var c ConsultSummary
	var closes, created int64
	var chat, state string
	if err := r.Scan(&c.ID, &c.Notice, &chat, &c.Question, &c.Link, &closes, &state, &created, &c.NoticeState, &c.Sender, &c.Comments); err != nil {
		return c, fmt.Errorf("scan consultation: %w", err)
	}
	c.Chat, c.State = bot.ChatID(chat), state
	c.Closes, c.Created = sqlkit.FromMillis(closes), sqlkit.FromMillis(created)
	return c, nil
}

// ListConsultations pages through every consultation, council ones and
// groups' own, newest first.
func ListConsultations(ctx context.Context, core bot.Core, q ConsultQuery) ([]ConsultSummary, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	where, args := listFilter("id", q.State, q.Now.UnixMilli(), q.Before)
	rows, err := core.DB().QueryContext(ctx, consultSummaryCols+where+` ORDER BY x.id DESC LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list consultations: %w", err)
	}
	list, err := sqlkit.ScanAll(rows, scanConsultSummary)
	for i := range list {
		list[i].settle(q.Now)
	}
	return list, err
}

// ConsultationByID loads one consultation; bot.ErrNotFound when there is
// none.
func ConsultationByID(ctx context.Context, core bot.Core, id int64, now time.Time) (ConsultSummary, error) {
	c, err := scanConsultSummary(core.DB().QueryRowContext(ctx, consultSummaryCols+` WHERE x.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("consultation %d: %w", id, bot.ErrNotFound)
	}
	c.settle(now)
	return c, err
}

// ConsultationOfNotice is the id of the consultation notice id opened (0
// for none).
func ConsultationOfNotice(ctx context.Context, core bot.Core, notice int64) (int64, error) {
	var id int64
	err := core.DB().QueryRowContext(ctx, `SELECT id FROM notice_consultations WHERE notice_id = ?`, notice).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("consultation of notice %d: %w", notice, err)
	}
	return id, nil
}

// ConsultationComments pages through a consultation's comments, oldest
// first, from after the comment id after. Phone numbers were removed when
// each was kept; they are removed again here, so nothing a resident typed
// before that rule reaches a page.
func ConsultationComments(ctx context.Context, core bot.Core, id, after int64, limit int) ([]StaffComment, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := core.DB().QueryContext(ctx, `SELECT id, created_at, scope, area, body FROM notice_comments
		WHERE consultation_id = ? AND id > ? ORDER BY id LIMIT ?`, id, after, limit)
	if err != nil {
		return nil, fmt.Errorf("comments of consultation %d: %w", id, err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (StaffComment, error) {
		var m StaffComment
		var at int64
		var scope string
		if err := r.Scan(&m.ID, &at, &scope, &m.Area, &m.Body); err != nil {
			return m, fmt.Errorf("scan comment: %w", err)
		}
		m.At = sqlkit.FromMillis(at)
		if scope != subscribersScope {
			m.Chat = bot.ChatID(scope)
		}
		m.Body = RedactComment(m.Body)
		return m, nil
	})
}

// CommentCounts counts a consultation's comments by group (the private
// subscribers together) and area.
func CommentCounts(ctx context.Context, core bot.Core, id int64) ([]CommentCount, error) {
	rows, err := core.DB().QueryContext(ctx, `SELECT scope, area, COUNT(*) FROM notice_comments WHERE consultation_id = ?
		GROUP BY scope, area ORDER BY area, scope`, id)
	if err != nil {
		return nil, fmt.Errorf("count comments of consultation %d: %w", id, err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (CommentCount, error) {
		var c CommentCount
		var scope string
		if err := r.Scan(&scope, &c.Area, &c.Comments); err != nil {
			return c, fmt.Errorf("scan comment count: %w", err)
		}
		if scope != subscribersScope {
			c.Chat = bot.ChatID(scope)
		}
		return c, nil
	})
}

// SubscriptionAreas are the areas private subscribers have subscribed
// under, sorted.
func SubscriptionAreas(ctx context.Context, core bot.Core) ([]string, error) {
	rows, err := core.DB().QueryContext(ctx, `SELECT DISTINCT area FROM notice_subscriptions WHERE area != '' ORDER BY area`)
	if err != nil {
		return nil, fmt.Errorf("subscription areas: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (string, error) {
		var a string
		err := r.Scan(&a)
		return a, err
	})
}

// nextConsultationID is the number the next consultation will most likely
// get, for a draft's preview.
func (s store) nextConsultationID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM notice_consultations`).Scan(&id); err != nil {
		return 0, fmt.Errorf("next consultation number: %w", err)
	}
	return id, nil
}
