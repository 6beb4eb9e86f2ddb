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

//go:embed migrations/*.sql migrations/postgres/*.sql
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
// NULLIF(col, 0) and written through COALESCE(CAST(? AS BIGINT), 0), so in Go they follow
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

const noticeCols = `id, source, source_name, identifier, msg_type, refs, urgency, title, body, link, topics, areas, sent_at, NULLIF(expires_at, 0), received_at, state, title_cy, body_cy, source_name_cy,
	COALESCE((SELECT c.sender FROM notice_council c WHERE c.notice_id = notices.id), ''),
	(SELECT NULLIF(c.effective_at, 0) FROM notice_council c WHERE c.notice_id = notices.id)`

func scanNotice(sc sqlkit.Scanner) (*Notice, error) {
	n := &Notice{}
	var msgType, urgency, topics, areas, state string
	if err := sc.Scan(&n.ID, &n.Source, &n.SourceName, &n.Identifier, &msgType, &n.References, &urgency, &n.Title, &n.Body, &n.Link,
		&topics, &areas, sqlkit.TimeCol(&n.Sent), sqlkit.TimeCol(&n.Expires), sqlkit.TimeCol(&n.Received), &state, &n.TitleCy, &n.BodyCy, &n.SourceNameCy, &n.Sender, sqlkit.TimeCol(&n.Effective)); err != nil {
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
	rows, err := s.q().QueryContext(ctx, `SELECT id, notice_id, at, event, actor, target, detail FROM notice_audit WHERE at >= COALESCE(CAST(? AS BIGINT), 0) ORDER BY at, id`, sqlkit.Millis(since))
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	return sqlkit.ScanAll(rows, scanAudit)
}
