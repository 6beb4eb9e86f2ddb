package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// NoticeByID loads one stored notice.
func NoticeByID(ctx context.Context, core bot.Core, id int64) (*Notice, error) {
	return storeOf(core).notice(ctx, id)
}

// ListNotices pages through the stored notices, newest first.
func ListNotices(ctx context.Context, core bot.Core, q NoticeQuery) ([]*Notice, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	where, args := "", []any{}
	if q.Before > 0 {
		where, args = "WHERE id < ?", append(args, q.Before)
	}
	return scanNotices(core.DB().QueryContext(ctx, `SELECT `+noticeCols+` FROM notices `+where+` ORDER BY id DESC LIMIT ?`, append(args, q.Limit)...))
}

// Deliveries is a notice's delivery report, groups first.
func Deliveries(ctx context.Context, core bot.Core, id int64) ([]Delivery, error) {
	rows, err := core.DB().QueryContext(ctx, `SELECT target, person_id IS NOT NULL, state, last_error, due_at, NULLIF(sent_at, 0), language
		FROM notice_outbox WHERE notice_id = ? ORDER BY person_id IS NOT NULL, id`, id)
	if err != nil {
		return nil, fmt.Errorf("deliveries of notice %d: %w", id, err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (Delivery, error) {
		var d Delivery
		var target string
		var lang string
		if err := r.Scan(&target, &d.Subscriber, &d.State, &d.Error, sqlkit.TimeCol(&d.DueAt), sqlkit.TimeCol(&d.SentAt), &lang); err != nil {
			return d, fmt.Errorf("scan delivery: %w", err)
		}
		if !d.Subscriber {
			d.Chat = bot.ChatID(target)
		}
		if lang != "" {
			d.Language = languageOf(lang)
		}
		d.Error = bot.RedactPhones(d.Error)
		if d.State == "pending" && d.Error == periodNote {
			d.HeldByPeriod, d.Error = true, ""
		}
		return d, nil
	})
}

// SearchAudit returns up to q.Limit audit records matching q, newest first.
func SearchAudit(ctx context.Context, core bot.Core, q AuditQuery) ([]AuditRecord, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	var conds []string
	var args []any
	if a := strings.TrimSpace(q.Actor); a != "" {
		// A notice someone wrote is "received" from its source, with
		// "from NAME" in the detail: that finds it under their name too.
		conds = append(conds, "(lower(a.actor) LIKE lower(?) ESCAPE '\\' OR lower(a.detail) LIKE lower(?) ESCAPE '\\')")
		args = append(args, "%"+likeEscape(a)+"%", "%from "+likeEscape(a)+"%")
	}
	if s := strings.TrimSpace(q.Service); s != "" {
		// "+" keeps SQLite walking the audit newest first (and stopping at
		// the page's end) instead of fetching every row of every matching
		// notice through the notice index and sorting them all.
		conds = append(conds, "+a.notice_id IN (SELECT id FROM notices WHERE lower(source_name) LIKE lower(?) ESCAPE '\\')")
		args = append(args, "%"+likeEscape(s)+"%")
	}
	if q.Notice > 0 {
		conds, args = append(conds, "a.notice_id = ?"), append(args, q.Notice)
	}
	if !q.From.IsZero() {
		conds, args = append(conds, "+a.at >= ?"), append(args, sqlkit.Millis(q.From))
	}
	if !q.To.IsZero() {
		conds, args = append(conds, "+a.at < ?"), append(args, sqlkit.Millis(q.To))
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := core.DB().QueryContext(ctx, `SELECT a.id, a.notice_id, a.at, a.event, a.actor, a.target, a.detail
		FROM notice_audit a `+where+` ORDER BY a.id DESC LIMIT ? OFFSET ?`, append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, fmt.Errorf("search audit: %w", err)
	}
	return sqlkit.ScanAll(rows, scanAudit)
}

// RecordAudit appends one line to the notice audit: what a person did on
// the staff page that no governance step records itself (signing in,
// a refused attempt).
func RecordAudit(ctx context.Context, core bot.Core, r AuditRecord) error {
	return audit(ctx, core.DB(), r)
}

// RejectionOf is the reason a rejected notice was given ("" for none).
func RejectionOf(ctx context.Context, core bot.Core, id int64) (string, error) {
	var reason string
	err := core.DB().QueryRowContext(ctx, `SELECT reject_reason FROM notices WHERE id = ? AND state = ?`, id, string(StateRejected)).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("rejection of notice %d: %w", id, err)
	}
	return reason, nil
}

// GroupNotices says whether a group takes notices and which topics
// (nil: all).
func GroupNotices(ctx context.Context, core bot.Core, chat bot.ChatID) (enabled bool, topics []string, err error) {
	p, err := storeOf(core).groupPrefs(ctx, chat)
	return p.Enabled, p.Topics, err
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
