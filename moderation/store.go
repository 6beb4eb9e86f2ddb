package moderation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"strings"
	"time"

	"neighbourbot/bot"
)

// store is the moderation tables' SQL. Every method takes a context and
// wraps its errors with what it was doing.
type store struct {
	db   bot.DB
	core bot.Core // for what moderation needs of the core's tables
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// groupConfig is one group's stored moderation settings. Zero values mean
// "use the config default" for WarnLimit, LimitAction, ReportDelivery,
// FloodMessages and FloodWindow.
type groupConfig struct {
	Chat           bot.ChatID
	Rules          string
	Welcome        string
	WelcomeRules   bool
	ReportDelivery string
	WarnLimit      int
	LimitAction    string
	BlockAction    string
	LinksLocked    bool
	LinksAction    string
	FloodOn        bool
	FloodMessages  int
	FloodWindow    time.Duration
	FloodAction    string
	ToldNeedAdmin  bool
}

func newGroupConfig(chat bot.ChatID) groupConfig {
	return groupConfig{Chat: chat, BlockAction: ActionWarn, LinksAction: ActionWarn, FloodAction: ActionWarn}
}

func (s store) group(ctx context.Context, chat bot.ChatID) (groupConfig, error) {
	g := newGroupConfig(chat)
	var welcomeRules, links, flood, told int
	var windowMS int64
	err := s.db.QueryRowContext(ctx, `SELECT rules, welcome, welcome_rules, report_delivery, warn_limit, limit_action,
		block_action, links_locked, links_action, flood_on, flood_messages, flood_window_ms, flood_action, told_need_admin
		FROM mod_groups WHERE chat = ?`, string(chat)).Scan(&g.Rules, &g.Welcome, &welcomeRules, &g.ReportDelivery,
		&g.WarnLimit, &g.LimitAction, &g.BlockAction, &links, &g.LinksAction, &flood, &g.FloodMessages, &windowMS,
		&g.FloodAction, &told)
	if errors.Is(err, sql.ErrNoRows) {
		return g, nil
	}
	if err != nil {
		return g, fmt.Errorf("load moderation settings: %w", err)
	}
	g.WelcomeRules, g.LinksLocked, g.FloodOn, g.ToldNeedAdmin = welcomeRules == 1, links == 1, flood == 1, told == 1
	g.FloodWindow = time.Duration(windowMS) * time.Millisecond
	return g, nil
}

func (s store) saveGroup(ctx context.Context, g groupConfig, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mod_groups (chat, rules, welcome, welcome_rules, report_delivery,
		warn_limit, limit_action, block_action, links_locked, links_action, flood_on, flood_messages, flood_window_ms,
		flood_action, told_need_admin, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(chat) DO UPDATE SET rules = excluded.rules, welcome = excluded.welcome,
		welcome_rules = excluded.welcome_rules, report_delivery = excluded.report_delivery,
		warn_limit = excluded.warn_limit, limit_action = excluded.limit_action, block_action = excluded.block_action,
		links_locked = excluded.links_locked, links_action = excluded.links_action, flood_on = excluded.flood_on,
		flood_messages = excluded.flood_messages, flood_window_ms = excluded.flood_window_ms,
		flood_action = excluded.flood_action, told_need_admin = excluded.told_need_admin, updated_at = excluded.updated_at`,
		string(g.Chat), g.Rules, g.Welcome, boolInt(g.WelcomeRules), g.ReportDelivery, g.WarnLimit, g.LimitAction,
		g.BlockAction, boolInt(g.LinksLocked), g.LinksAction, boolInt(g.FloodOn), g.FloodMessages,
		g.FloodWindow.Milliseconds(), g.FloodAction, boolInt(g.ToldNeedAdmin), sqlkit.Millis(now))
	if err != nil {
		return fmt.Errorf("save moderation settings: %w", err)
	}
	return nil
}

// blockEntry is one blocklist line as stored.
type blockEntry struct {
	ID      int64
	Pattern string
	IsRegex bool
}

func (e blockEntry) String() string {
	if e.IsRegex {
		return "/" + e.Pattern + "/"
	}
	return e.Pattern
}

func (s store) blocklist(ctx context.Context, chat bot.ChatID) ([]blockEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, pattern, is_regex FROM mod_blocklist WHERE chat = ? ORDER BY id`, string(chat))
	if err != nil {
		return nil, fmt.Errorf("load blocklist: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (blockEntry, error) {
		var e blockEntry
		var re int
		if err := rows.Scan(&e.ID, &e.Pattern, &re); err != nil {
			return blockEntry{}, fmt.Errorf("scan blocklist: %w", err)
		}
		e.IsRegex = re == 1
		return e, nil
	})
}

// addBlocks adds entries in one transaction and returns how many were new.
func (s store) addBlocks(ctx context.Context, chat bot.ChatID, entries []blockEntry, now time.Time) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("add to blocklist: %w", err)
	}
	defer tx.Rollback()
	added := 0
	for _, e := range entries {
		res, err := tx.ExecContext(ctx, `INSERT INTO mod_blocklist (chat, pattern, is_regex, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, string(chat), e.Pattern, boolInt(e.IsRegex), sqlkit.Millis(now))
		if err != nil {
			return 0, fmt.Errorf("add to blocklist: %w", err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("add to blocklist: %w", err)
	}
	return added, nil
}

func (s store) removeBlock(ctx context.Context, chat bot.ChatID, id int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM mod_blocklist WHERE chat = ? AND id = ?`, string(chat), id); err != nil {
		return fmt.Errorf("remove from blocklist: %w", err)
	}
	return nil
}

func (s store) allowedDomains(ctx context.Context, chat bot.ChatID) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT domain FROM mod_link_allow WHERE chat = ? ORDER BY domain`, string(chat))
	if err != nil {
		return nil, fmt.Errorf("load allowed domains: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (string, error) {
		var d string
		if err := rows.Scan(&d); err != nil {
			return "", fmt.Errorf("scan allowed domain: %w", err)
		}
		return d, nil
	})
}

func (s store) allowDomain(ctx context.Context, chat bot.ChatID, domain string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO mod_link_allow (chat, domain, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		string(chat), domain, sqlkit.Millis(now))
	if err != nil {
		return false, fmt.Errorf("allow domain: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func (s store) disallowDomain(ctx context.Context, chat bot.ChatID, domain string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM mod_link_allow WHERE chat = ? AND domain = ?`, string(chat), domain)
	if err != nil {
		return false, fmt.Errorf("disallow domain: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// warning is one warning given to a member.
type warning struct {
	ID        int64
	Chat      bot.ChatID
	PersonID  int64
	Rule      string
	Reason    string
	ByID      int64 // 0: the bot
	CreatedAt time.Time
	ExpiresAt time.Time
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (s store) addWarning(ctx context.Context, w warning) (int64, error) {
	id, err := sqlkit.InsertID(ctx, s.db, `INSERT INTO mod_warnings (chat, person_id, rule, reason, by_id, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, string(w.Chat), w.PersonID, w.Rule, w.Reason, nullID(w.ByID), sqlkit.Millis(w.CreatedAt), sqlkit.Millis(w.ExpiresAt))
	if err != nil {
		return 0, fmt.Errorf("add warning: %w", err)
	}
	return id, nil
}

// activeWarnings lists a member's warnings that still count, oldest first.
func (s store) activeWarnings(ctx context.Context, chat bot.ChatID, person int64, now time.Time) ([]warning, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, rule, reason, COALESCE(by_id, 0), created_at, expires_at FROM mod_warnings
		WHERE chat = ? AND person_id = ? AND removed_at IS NULL AND closed_at IS NULL AND expires_at > ?
		ORDER BY created_at, id`, string(chat), person, sqlkit.Millis(now))
	if err != nil {
		return nil, fmt.Errorf("load warnings: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (warning, error) {
		w := warning{Chat: chat, PersonID: person}
		if err := rows.Scan(&w.ID, &w.Rule, &w.Reason, &w.ByID, sqlkit.TimeCol(&w.CreatedAt), sqlkit.TimeCol(&w.ExpiresAt)); err != nil {
			return warning{}, fmt.Errorf("scan warning: %w", err)
		}
		return w, nil
	})
}

// membersAtLimit counts the members of a group whose warnings still
// counting reach limit.
func (s store) membersAtLimit(ctx context.Context, chat bot.ChatID, limit int, now time.Time) (int, error) {
	return s.count(ctx, `SELECT COUNT(*) FROM (SELECT person_id FROM mod_warnings
		WHERE chat = ? AND removed_at IS NULL AND closed_at IS NULL AND expires_at > ?
		GROUP BY person_id HAVING COUNT(*) >= ?) AS at_limit`, string(chat), sqlkit.Millis(now), limit)
}

func (s store) removeWarnings(ctx context.Context, ids []int64, now time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("remove warnings: %w", err)
	}
	defer tx.Rollback()
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE mod_warnings SET removed_at = ? WHERE id = ?`, sqlkit.Millis(now), id); err != nil {
			return fmt.Errorf("remove warning: %w", err)
		}
	}
	return tx.Commit()
}

// closeWarnings closes a member's active warnings once the limit action
// removed them.
func (s store) closeWarnings(ctx context.Context, chat bot.ChatID, person int64, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE mod_warnings SET closed_at = ? WHERE chat = ? AND person_id = ?
		AND removed_at IS NULL AND closed_at IS NULL`, sqlkit.Millis(now), string(chat), person)
	if err != nil {
		return fmt.Errorf("close warnings: %w", err)
	}
	return nil
}

// report is one report to the admins.
type report struct {
	Chat       bot.ChatID
	ReporterID int64
	SubjectID  int64
	MsgID      string
	Quote      string
	Reason     string
	Private    bool
	CreatedAt  time.Time
}

func (s store) addReport(ctx context.Context, r report) (int64, error) {
	id, err := sqlkit.InsertID(ctx, s.db, `INSERT INTO mod_reports (chat, reporter_id, subject_id, msg_id, quote, reason, private, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, string(r.Chat), nullID(r.ReporterID), nullID(r.SubjectID), r.MsgID, r.Quote, r.Reason,
		boolInt(r.Private), sqlkit.Millis(r.CreatedAt))
	if err != nil {
		return 0, fmt.Errorf("save report: %w", err)
	}
	return id, nil
}

// markReports records that reports reached an admin privately.
func (s store) markReportsDelivered(ctx context.Context, at time.Time, ids ...int64) error {
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, `UPDATE mod_reports SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL`, sqlkit.Millis(at), id); err != nil {
			return fmt.Errorf("mark report read: %w", err)
		}
	}
	return nil
}

// markReportAnnounced records that the group was told a report waits.
func (s store) markReportAnnounced(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE mod_reports SET announced_at = ? WHERE id = ?`, sqlkit.Millis(at), id); err != nil {
		return fmt.Errorf("mark report announced: %w", err)
	}
	return nil
}

// announcedSince says whether the group was told since a time that a
// report is waiting, and that report is still unread.
func (s store) announcedSince(ctx context.Context, chat bot.ChatID, since time.Time) (bool, error) {
	n, err := s.count(ctx, `SELECT COUNT(*) FROM mod_reports WHERE chat = ? AND delivered_at IS NULL AND announced_at >= ?`,
		string(chat), sqlkit.Millis(since))
	return n > 0, err
}

// waitingReport is a report no admin has read privately yet.
type waitingReport struct {
	report
	ID int64
}

// waitingReports loads up to limit unread reports of the given chats,
// oldest first, and how many there are in all.
func (s store) waitingReports(ctx context.Context, chats []bot.ChatID, limit int) ([]waitingReport, int, error) {
	if len(chats) == 0 {
		return nil, 0, nil
	}
	args := make([]any, len(chats))
	marks := make([]string, len(chats))
	for i, c := range chats {
		args[i], marks[i] = string(c), "?"
	}
	where := ` FROM mod_reports WHERE delivered_at IS NULL AND chat IN (` + strings.Join(marks, ",") + `)`
	total, err := s.count(ctx, `SELECT COUNT(*)`+where, args...)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, chat, reporter_id, subject_id, msg_id, quote, reason, private, created_at`+where+
		` ORDER BY created_at, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, fmt.Errorf("load waiting reports: %w", err)
	}
	out, err := sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (waitingReport, error) {
		var w waitingReport
		var chat string
		var reporter, subject sql.NullInt64
		var private int
		if err := rows.Scan(&w.ID, &chat, &reporter, &subject, &w.MsgID, &w.Quote, &w.Reason, &private, sqlkit.TimeCol(&w.CreatedAt)); err != nil {
			return waitingReport{}, fmt.Errorf("scan waiting report: %w", err)
		}
		w.Chat, w.ReporterID, w.SubjectID = bot.ChatID(chat), reporter.Int64, subject.Int64
		w.Private = private == 1
		return w, nil
	})
	return out, total, err
}

// reported says whether a message was already reported in a chat, and
// whether the admins were told of a report of it (in the group or
// privately) rather than it waiting for !reports.
func (s store) reported(ctx context.Context, chat bot.ChatID, msgID string) (found, delivered bool, err error) {
	if msgID == "" {
		return false, false, nil
	}
	var n, told int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(delivered_at) FROM mod_reports WHERE chat = ? AND msg_id = ?`, string(chat), msgID).Scan(&n, &told); err != nil {
		return false, false, fmt.Errorf("look up report: %w", err)
	}
	return n > 0, told > 0, nil
}

func (s store) setForgetRequest(ctx context.Context, person int64, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mod_forget_requests (person_id, expires_at) VALUES (?, ?)
		ON CONFLICT(person_id) DO UPDATE SET expires_at = excluded.expires_at`, person, sqlkit.Millis(expires))
	if err != nil {
		return fmt.Errorf("save erasure request: %w", err)
	}
	return nil
}

// forgetState is where a person's "!forgetme" stands.
type forgetState int

const (
	forgetNone    forgetState = iota // never asked, or answered
	forgetPending                    // asked, and the confirmation window is open
	forgetLapsed                     // asked, but the window closed unanswered
)

// forgetRequest says whether the person has a confirmation pending at now,
// or had one that lapsed (kept until the retention purge).
func (s store) forgetRequest(ctx context.Context, person int64, now time.Time) (forgetState, error) {
	var expires time.Time
	err := s.db.QueryRowContext(ctx, `SELECT expires_at FROM mod_forget_requests WHERE person_id = ?`, person).Scan(sqlkit.TimeCol(&expires))
	if errors.Is(err, sql.ErrNoRows) {
		return forgetNone, nil
	}
	if err != nil {
		return forgetNone, fmt.Errorf("load erasure request: %w", err)
	}
	if expires.After(now) {
		return forgetPending, nil
	}
	return forgetLapsed, nil
}

func (s store) clearForgetRequest(ctx context.Context, person int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM mod_forget_requests WHERE person_id = ?`, person); err != nil {
		return fmt.Errorf("clear erasure request: %w", err)
	}
	return nil
}

func (s store) state(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM mod_state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("load %s: %w", key, err)
	}
	return v, true, nil
}

func (s store) setState(ctx context.Context, key, value string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO mod_state (key, value) VALUES (?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("save %s: %w", key, err)
	}
	return nil
}

// purgeClosed deletes closed records older than cutoff: warnings that
// expired, were removed or closed before it, reports made before it and
// erasure requests that lapsed. It returns how many rows went.
func (s store) purgeClosed(ctx context.Context, cutoff time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("purge moderation records: %w", err)
	}
	defer tx.Rollback()
	c := sqlkit.Millis(cutoff)
	var total int64
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM mod_warnings WHERE expires_at < ? OR removed_at < ? OR closed_at < ?`, []any{c, c, c}},
		{`DELETE FROM mod_reports WHERE created_at < ?`, []any{c}},
		{`DELETE FROM mod_forget_requests WHERE expires_at < ?`, []any{c}},
	} {
		res, err := tx.ExecContext(ctx, q.sql, q.args...)
		if err != nil {
			return 0, fmt.Errorf("purge moderation records: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("purge moderation records: %w", err)
	}
	return total, nil
}

// personWarning is a warning as shown to the person it was given to.
type personWarning struct {
	Chat      bot.ChatID
	Reason    string
	CreatedAt time.Time
	State     string // active, expired, removed, closed
}

func (s store) warningsOf(ctx context.Context, person int64, now time.Time) ([]personWarning, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT chat, reason, created_at,
		CASE WHEN removed_at IS NOT NULL THEN 'removed' WHEN closed_at IS NOT NULL THEN 'closed'
		     WHEN expires_at <= ? THEN 'expired' ELSE 'active' END
		FROM mod_warnings WHERE person_id = ? ORDER BY created_at, id`, sqlkit.Millis(now), person)
	if err != nil {
		return nil, fmt.Errorf("load warnings: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (personWarning, error) {
		var w personWarning
		var chat string
		var created sql.NullInt64
		if err := rows.Scan(&chat, &w.Reason, &created, &w.State); err != nil {
			return personWarning{}, fmt.Errorf("scan warning: %w", err)
		}
		w.Chat, w.CreatedAt = bot.ChatID(chat), sqlkit.Time(created)
		return w, nil
	})
}

func (s store) reportsBy(ctx context.Context, person int64) ([]report, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT chat, reason, private, created_at FROM mod_reports WHERE reporter_id = ? ORDER BY created_at, id`, person)
	if err != nil {
		return nil, fmt.Errorf("load reports: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (report, error) {
		var r report
		var chat string
		var private int
		var created sql.NullInt64
		if err := rows.Scan(&chat, &r.Reason, &private, &created); err != nil {
			return report{}, fmt.Errorf("scan report: %w", err)
		}
		r.Chat, r.Private, r.CreatedAt = bot.ChatID(chat), private == 1, sqlkit.Time(created)
		return r, nil
	})
}

// reportsAbout counts the reports made about a person's messages.
func (s store) reportsAbout(ctx context.Context, person int64) (int, error) {
	return s.count(ctx, `SELECT COUNT(*) FROM mod_reports WHERE subject_id = ?`, person)
}

// warningsGivenBy counts the warnings a person gave as a group admin.
func (s store) warningsGivenBy(ctx context.Context, person int64) (int, error) {
	return s.count(ctx, `SELECT COUNT(*) FROM mod_warnings WHERE by_id = ?`, person)
}

// reportsSince counts the reports a person made after since, for the daily
// limit.
func (s store) reportsSince(ctx context.Context, reporter int64, since time.Time) (int, error) {
	return s.count(ctx, `SELECT COUNT(*) FROM mod_reports WHERE reporter_id = ? AND created_at > ?`, reporter, sqlkit.Millis(since))
}

func (s store) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	return n, nil
}

// forgetSummary counts what forgetPerson changed.
type forgetSummary struct {
	warnings, given, reports, about int64
}

// forgetPerson deletes the warnings a person received and takes their id
// out of the records kept for the group: warnings they gave, reports they
// made (kept, unnamed) and reports about them (kept, without the quoted
// message, which was their words).
func (s store) forgetPerson(ctx context.Context, person int64) (forgetSummary, error) {
	var sum forgetSummary
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return sum, fmt.Errorf("forget person: %w", err)
	}
	defer tx.Rollback()
	for _, step := range []struct {
		q string
		n *int64
	}{
		{`DELETE FROM mod_warnings WHERE person_id = ?`, &sum.warnings},
		{`UPDATE mod_warnings SET by_id = NULL WHERE by_id = ?`, &sum.given},
		{`UPDATE mod_reports SET reporter_id = NULL WHERE reporter_id = ?`, &sum.reports},
		{`UPDATE mod_reports SET subject_id = NULL, quote = '' WHERE subject_id = ?`, &sum.about},
		{`DELETE FROM mod_forget_requests WHERE person_id = ?`, nil},
	} {
		res, err := tx.ExecContext(ctx, step.q, person)
		if err != nil {
			return sum, fmt.Errorf("forget person: %w", err)
		}
		if step.n != nil {
			*step.n, _ = res.RowsAffected()
		}
	}
	if err := tx.Commit(); err != nil {
		return sum, fmt.Errorf("forget person: %w", err)
	}
	return sum, nil
}

// forgetDeliveries deletes the dedupe records of direct messages from the
// given addresses. The core keeps (chat, message id) pairs for a month to
// ignore redeliveries; for a direct chat the chat id is the person's own
// WhatsApp address, which must not outlive an erasure.
func (s store) forgetDeliveries(ctx context.Context, addrs []bot.Address) (int64, error) {
	var total int64
	for _, a := range addrs {
		n, err := s.core.ForgetSeen(ctx, bot.ChatID(a))
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}
