package notices

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migrations is the package's schema.
func Migrations() bot.Migrations {
	return bot.MigrationsIn("notices", migrationFS)
}

func joinList(l []string) string { return strings.Join(l, ",") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// execer is what both *sql.DB and bot.Tx offer.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// store is the package's SQL over the shared database.
//
// Time columns follow bot/sqlkit's rule (the zero time.Time is "none")
// with one difference kept from the first releases: the columns declared
// NOT NULL DEFAULT 0 (notices.expires_at, notice_council.effective_at,
// notice_outbox.sent_at, notice_feeds.last_fetch_at, notice_polls.closed_at,
// notice_results_posts.sent_at) hold 0 for "none". They are read through
// NULLIF(col, 0) and written through COALESCE(?, 0), so in Go they follow
// the one rule and no stored value needed migrating.
type store struct {
	db bot.DB
	// in is the transaction every query runs in, inside inTx; nil outside.
	in bot.Tx
}

// storeOf is the store over the core's database.
func storeOf(core bot.Core) store { return store{db: core.DB()} }

// q is where the store's queries run: its transaction, or the database.
func (s store) q() execer {
	if s.in != nil {
		return s.in
	}
	return s.db
}

// inTx runs fn with a store whose every method runs in one transaction:
// all of fn's changes commit together, or none does. Inside a transaction
// already, fn simply joins it.
func (s store) inTx(ctx context.Context, fn func(st store) error) error {
	return s.tx(ctx, func(tx bot.Tx) error { return fn(store{db: s.db, in: tx}) })
}

func (s store) tx(ctx context.Context, fn func(tx bot.Tx) error) error {
	if s.in != nil {
		return fn(s.in)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// AuditRecord is one line of the append-only notice audit.
type AuditRecord struct {
	ID       int64
	NoticeID int64
	At       time.Time
	Event    string // received, awaiting_approval, approved, rejected, held, released, planned, delivered, failed, expired, …
	Actor    string // who did it: a source, an approver, "bot"
	Target   string // a chat or person:ID for deliveries
	Detail   string
}

// audit appends a record. Details are redacted here as well as where
// errors are stored, so no phone number reaches the append-only audit
// (which nothing may correct afterwards) or its CSV export.
func audit(ctx context.Context, x execer, r AuditRecord) error {
	r.Detail = bot.RedactPhones(r.Detail)
	_, err := x.ExecContext(ctx, `INSERT INTO notice_audit (notice_id, at, event, actor, target, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		r.NoticeID, sqlkit.Millis(r.At), r.Event, r.Actor, r.Target, r.Detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", r.Event, err)
	}
	return nil
}

// insertNotice stores a new notice and its "received" audit line. dup is
// true, and nothing is written, when the source already sent this id.
//
// then, when set, runs in the same transaction once the notice is stored.
func (s store) insertNotice(ctx context.Context, n *Notice, detail string, then func(st store) error) (dup bool, err error) {
	err = s.inTx(ctx, func(st store) error {
		tx := st.in
		if dup, err = purgedNotice(ctx, tx, n.Source, n.Identifier); err != nil || dup {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO notices (source, source_name, identifier, msg_type, refs, urgency, title, body, link, topics, areas, sent_at, expires_at, received_at, state)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, 0), ?, ?) ON CONFLICT(source, identifier) DO NOTHING`,
			n.Source, n.SourceName, n.Identifier, string(n.MsgType), n.References, string(n.Urgency), n.Title, n.Body, n.Link,
			joinList(n.Topics), joinList(n.Areas), sqlkit.Millis(n.Sent), sqlkit.Millis(n.Expires), sqlkit.Millis(n.Received), string(n.State))
		if err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		if rows, _ := res.RowsAffected(); rows == 0 {
			dup = true
			return nil
		}
		if n.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		if err := st.saveCouncil(ctx, n); err != nil {
			return err
		}
		if err := st.saveWelsh(ctx, n); err != nil {
			return err
		}
		if err := audit(ctx, tx, AuditRecord{NoticeID: n.ID, At: n.Received, Event: "received", Actor: n.Source, Detail: detail}); err != nil {
			return err
		}
		if then == nil {
			return nil
		}
		return then(st)
	})
	return dup, err
}

const noticeCols = `id, source, source_name, identifier, msg_type, refs, urgency, title, body, link, topics, areas, sent_at, NULLIF(expires_at, 0), received_at, state, title_cy, body_cy,
	COALESCE((SELECT c.sender FROM notice_council c WHERE c.notice_id = notices.id), ''),
	(SELECT NULLIF(c.effective_at, 0) FROM notice_council c WHERE c.notice_id = notices.id)`

func scanNotice(sc sqlkit.Scanner) (*Notice, error) {
	n := &Notice{}
	var msgType, urgency, topics, areas, state string
	if err := sc.Scan(&n.ID, &n.Source, &n.SourceName, &n.Identifier, &msgType, &n.References, &urgency, &n.Title, &n.Body, &n.Link,
		&topics, &areas, sqlkit.TimeCol(&n.Sent), sqlkit.TimeCol(&n.Expires), sqlkit.TimeCol(&n.Received), &state, &n.TitleCy, &n.BodyCy, &n.Sender, sqlkit.TimeCol(&n.Effective)); err != nil {
		return nil, err
	}
	n.MsgType, n.Urgency, n.State = MsgType(msgType), Urgency(urgency), State(state)
	n.Topics, n.Areas = splitList(topics), splitList(areas)
	return n, nil
}

// scanNotices reads a list of notices.
func scanNotices(rows *sql.Rows, err error) ([]*Notice, error) {
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (*Notice, error) {
		n, err := scanNotice(r)
		if err != nil {
			return nil, fmt.Errorf("scan notice: %w", err)
		}
		return n, nil
	})
}

func (s store) notice(ctx context.Context, id int64) (*Notice, error) {
	n, err := scanNotice(s.q().QueryRowContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("notice %d: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load notice %d: %w", id, err)
	}
	return n, nil
}

// noticeByIdentifier finds a source's notice by the source's own id.
func (s store) noticeByIdentifier(ctx context.Context, source, identifier string) (*Notice, error) {
	n, err := scanNotice(s.q().QueryRowContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE source = ? AND identifier = ?`, source, identifier))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("notice %q from %s: %w", identifier, source, bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load notice %q: %w", identifier, err)
	}
	return n, nil
}

// purgedNotice reports whether the source sent a notice with this id that
// retention has since deleted (see retention.go).
func purgedNotice(ctx context.Context, x execer, source, identifier string) (bool, error) {
	var one int
	err := x.QueryRowContext(ctx, `SELECT 1 FROM notice_purged WHERE source = ? AND identifier = ?`, source, identifier).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up purged notice %q: %w", identifier, err)
	}
	return true, nil
}

// hasNotice reports whether the source already sent a notice with this id,
// kept or since purged.
func (s store) hasNotice(ctx context.Context, source, identifier string) (bool, error) {
	var one int
	err := s.q().QueryRowContext(ctx, `SELECT 1 FROM notices WHERE source = ? AND identifier = ?
		UNION ALL SELECT 1 FROM notice_purged WHERE source = ? AND identifier = ?`, source, identifier, source, identifier).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up notice %q: %w", identifier, err)
	}
	return true, nil
}

func (s store) noticesInState(ctx context.Context, states ...State) ([]*Notice, error) {
	if len(states) == 0 {
		return nil, nil
	}
	args := make([]any, len(states))
	for i, st := range states {
		args[i] = string(st)
	}
	return scanNotices(s.q().QueryContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE state IN (?`+strings.Repeat(",?", len(states)-1)+`) ORDER BY id`, args...))
}

// setState moves a notice from one state to another and audits it, in one
// transaction; ok is false when the notice was no longer in from (someone
// else got there first).
func setState(ctx context.Context, tx bot.Tx, id int64, from, to State, rec AuditRecord) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE notices SET state = ? WHERE id = ? AND state = ?`, string(to), id, string(from))
	if err != nil {
		return false, fmt.Errorf("set notice state: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	rec.NoticeID = id
	return true, audit(ctx, tx, rec)
}

// groupPrefs is a group's notice settings (areas live in the core).
type groupPrefs struct {
	Chat           bot.ChatID
	Enabled        bool
	Topics         []string // nil means all
	DigestAt       int      // minutes after local midnight; -1 = off
	DisabledReason string
}

func (g groupPrefs) allTopics() bool { return len(g.Topics) == 0 }

func (s store) groupPrefs(ctx context.Context, chat bot.ChatID) (groupPrefs, error) {
	g := groupPrefs{Chat: chat, DigestAt: -1}
	var enabled int
	var topics string
	err := s.q().QueryRowContext(ctx, `SELECT enabled, topics, digest_at, disabled_reason FROM notice_groups WHERE chat = ?`, string(chat)).
		Scan(&enabled, &topics, &g.DigestAt, &g.DisabledReason)
	if errors.Is(err, sql.ErrNoRows) {
		return g, nil
	}
	if err != nil {
		return g, fmt.Errorf("load notice settings: %w", err)
	}
	g.Enabled = enabled == 1
	if topics != "all" {
		g.Topics = splitList(topics)
	}
	return g, nil
}

func saveGroupPrefs(ctx context.Context, x execer, g groupPrefs, now time.Time) error {
	topics := "all"
	if !g.allTopics() {
		topics = joinList(g.Topics)
	}
	enabled := 0
	if g.Enabled {
		enabled = 1
	}
	_, err := x.ExecContext(ctx, `INSERT INTO notice_groups (chat, enabled, topics, digest_at, disabled_reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(chat) DO UPDATE SET enabled = excluded.enabled, topics = excluded.topics, digest_at = excluded.digest_at,
		disabled_reason = excluded.disabled_reason, updated_at = excluded.updated_at`,
		string(g.Chat), enabled, topics, g.DigestAt, g.DisabledReason, sqlkit.Millis(now))
	if err != nil {
		return fmt.Errorf("save notice settings: %w", err)
	}
	return nil
}

func (s store) enabledGroupPrefs(ctx context.Context) (map[bot.ChatID]groupPrefs, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT chat, topics, digest_at FROM notice_groups WHERE enabled = 1`)
	if err != nil {
		return nil, fmt.Errorf("list notice groups: %w", err)
	}
	list, err := sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (groupPrefs, error) {
		var chat, topics string
		g := groupPrefs{Enabled: true}
		if err := r.Scan(&chat, &topics, &g.DigestAt); err != nil {
			return g, fmt.Errorf("scan notice group: %w", err)
		}
		g.Chat = bot.ChatID(chat)
		if topics != "all" {
			g.Topics = splitList(topics)
		}
		return g, nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[bot.ChatID]groupPrefs, len(list))
	for _, g := range list {
		out[g.Chat] = g
	}
	return out, nil
}

// subscription is one resident's private subscription.
type subscription struct {
	Person int64
	Topic  string // a topic or "all"
	Area   string
}

func (s store) subscriptions(ctx context.Context, person int64) ([]subscription, error) {
	q := `SELECT person_id, topic, area FROM notice_subscriptions`
	var args []any
	if person != 0 {
		q += ` WHERE person_id = ?`
		args = append(args, person)
	}
	rows, err := s.q().QueryContext(ctx, q+` ORDER BY person_id, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (subscription, error) {
		var sub subscription
		if err := r.Scan(&sub.Person, &sub.Topic, &sub.Area); err != nil {
			return sub, fmt.Errorf("scan subscription: %w", err)
		}
		return sub, nil
	})
}

// outboxRow is one planned delivery.
type outboxRow struct {
	ID       int64
	NoticeID int64
	Target   string
	Person   int64
	State    string
	DueAt    time.Time
	Attempts int
	ReplyTo  string
	MsgID    string
	SentAt   time.Time
	// LastError is the latest send failure, phone numbers redacted.
	LastError string
}

const outboxCols = `id, notice_id, target, COALESCE(person_id, 0), state, due_at, attempts, reply_to, msg_id, NULLIF(sent_at, 0), last_error`

func scanOutbox(sc sqlkit.Scanner) (outboxRow, error) {
	var r outboxRow
	err := sc.Scan(&r.ID, &r.NoticeID, &r.Target, &r.Person, &r.State, sqlkit.TimeCol(&r.DueAt), &r.Attempts, &r.ReplyTo, &r.MsgID,
		sqlkit.TimeCol(&r.SentAt), &r.LastError)
	if err != nil {
		return r, fmt.Errorf("scan outbox: %w", err)
	}
	return r, nil
}

func queryOutbox(ctx context.Context, x execer, where string, args ...any) ([]outboxRow, error) {
	rows, err := x.QueryContext(ctx, `SELECT `+outboxCols+` FROM notice_outbox WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query outbox: %w", err)
	}
	return sqlkit.ScanAll(rows, scanOutbox)
}

// updateOutbox changes a row's state from an expected one; ok is false
// when the row had moved on.
func updateOutbox(ctx context.Context, x execer, id int64, from, to string, set string, args ...any) (bool, error) {
	q := `UPDATE notice_outbox SET state = ?`
	if set != "" {
		q += ", " + set
	}
	q += ` WHERE id = ? AND state = ?`
	all := append([]any{to}, args...)
	all = append(all, id, from)
	res, err := x.ExecContext(ctx, q, all...)
	if err != nil {
		return false, fmt.Errorf("update outbox: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// relayed is a notice already delivered to a chat, for "!notices".
type relayed struct {
	Title  string
	SentAt time.Time
}

func (s store) recentRelayed(ctx context.Context, chat bot.ChatID, limit int) ([]relayed, error) {
	// The title in the language it went out in.
	rows, err := s.q().QueryContext(ctx, `SELECT CASE o.language WHEN 'cy' THEN n.title_cy WHEN 'both' THEN n.title_cy || ' / ' || n.title ELSE n.title END,
		NULLIF(o.sent_at, 0) FROM notice_outbox o JOIN notices n ON n.id = o.notice_id
		WHERE o.target = ? AND o.state = 'sent' ORDER BY o.sent_at DESC, o.id DESC LIMIT ?`, string(chat), limit)
	if err != nil {
		return nil, fmt.Errorf("recent notices: %w", err)
	}
	return sqlkit.ScanAll(rows, func(sc sqlkit.Scanner) (relayed, error) {
		var r relayed
		if err := sc.Scan(&r.Title, sqlkit.TimeCol(&r.SentAt)); err != nil {
			return r, fmt.Errorf("scan recent notice: %w", err)
		}
		return r, nil
	})
}

// feedState is what a poller remembers between fetches.
type feedState struct {
	Name         string
	ETag         string
	LastModified string
	LastFetch    time.Time
	LastStatus   string
	Failures     int
}

func (s store) feedState(ctx context.Context, name string) (feedState, error) {
	st := feedState{Name: name}
	err := s.q().QueryRowContext(ctx, `SELECT etag, last_modified, NULLIF(last_fetch_at, 0), last_status, failures FROM notice_feeds WHERE name = ?`, name).
		Scan(&st.ETag, &st.LastModified, sqlkit.TimeCol(&st.LastFetch), &st.LastStatus, &st.Failures)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("load feed state: %w", err)
	}
	return st, nil
}

func (s store) saveFeedState(ctx context.Context, st feedState) error {
	_, err := s.q().ExecContext(ctx, `INSERT INTO notice_feeds (name, etag, last_modified, last_fetch_at, last_status, failures) VALUES (?, ?, ?, COALESCE(?, 0), ?, ?)
		ON CONFLICT(name) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, last_fetch_at = excluded.last_fetch_at,
		last_status = excluded.last_status, failures = excluded.failures`,
		st.Name, st.ETag, st.LastModified, sqlkit.Millis(st.LastFetch), bot.Truncate(st.LastStatus, 500), st.Failures)
	if err != nil {
		return fmt.Errorf("save feed state: %w", err)
	}
	return nil
}

// scanAudit reads one notice audit row: id, notice_id, at, event, actor,
// target, detail, in that order.
func scanAudit(row sqlkit.Scanner) (AuditRecord, error) {
	var r AuditRecord
	if err := row.Scan(&r.ID, &r.NoticeID, sqlkit.TimeCol(&r.At), &r.Event, &r.Actor, &r.Target, &r.Detail); err != nil {
		return r, fmt.Errorf("scan audit: %w", err)
	}
	return r, nil
}

// auditSince lists audit records at or after since, oldest first.
func (s store) auditSince(ctx context.Context, since time.Time) ([]AuditRecord, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT id, notice_id, at, event, actor, target, detail FROM notice_audit WHERE at >= COALESCE(?, 0) ORDER BY at, id`, sqlkit.Millis(since))
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	return sqlkit.ScanAll(rows, scanAudit)
}

// latestInThread is the newest notice of source whose identifier starts
// with prefix (the versions of one warning), or nil.
func (s store) latestInThread(ctx context.Context, source, prefix string) (*Notice, error) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)
	n, err := scanNotice(s.q().QueryRowContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE source = ? AND identifier LIKE ? ESCAPE '\' ORDER BY id DESC LIMIT 1`, source, esc+"%"))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest notice of %s: %w", prefix, err)
	}
	return n, nil
}

// approversTold reports whether approvers were told about notice id in a
// summary.
func (s store) approversTold(ctx context.Context, id int64) (bool, error) {
	var n int
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_audit WHERE notice_id = ? AND event = ?`, id, eventApproversTold).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// noticesSince lists the notices received at or after since, newest first.
func (s store) noticesSince(ctx context.Context, since time.Time) ([]*Notice, error) {
	return scanNotices(s.q().QueryContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE received_at >= COALESCE(?, 0) ORDER BY id DESC`, sqlkit.Millis(since)))
}

// areaCount is a count within one postcode area ("" when none is set).
type areaCount struct {
	Area  string
	Count int
}

// commentsByArea counts the comments on notice id's consultations per area.
func (s store) commentsByArea(ctx context.Context, id int64) ([]areaCount, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT m.area, COUNT(*) FROM notice_comments m JOIN notice_consultations c ON c.id = m.consultation_id
		WHERE c.notice_id = ? GROUP BY m.area`, id)
	if err != nil {
		return nil, fmt.Errorf("report comments: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (areaCount, error) {
		var c areaCount
		if err := r.Scan(&c.Area, &c.Count); err != nil {
			return c, fmt.Errorf("scan comments: %w", err)
		}
		return c, nil
	})
}
