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
	"neighbourbot/commands/notices/sources"
)

// Ingest: storing a new notice once per (source, identifier) with what it
// brings (the council side: its poll, consultation, sender and effective
// time), recognising a source's notice seen before (kept or purged), the
// versions of one warning, whether a source cancelled a notice, and what a
// feed poller remembers between fetches.

// saveCouncil stores what the council side adds to a new notice, in the
// notice's own transaction.
func (s store) saveCouncil(ctx context.Context, n *Notice) error {
	if err := s.savePoll(ctx, n); err != nil {
		return err
	}
	if err := s.saveConsultation(ctx, n); err != nil {
		return err
	}
	if n.Sender == "" && n.Effective.IsZero() {
		return nil
	}
	if _, err := s.q().ExecContext(ctx, `INSERT INTO notice_council (notice_id, sender, effective_at) VALUES (?, ?, COALESCE(CAST(? AS BIGINT), 0))`,
		n.ID, n.Sender, sqlkit.Millis(n.Effective)); err != nil {
		return fmt.Errorf("save notice sender: %w", err)
	}
	return nil
}

// cancelledBySource reports whether n's source has sent a cancellation of
// it.
func (s store) cancelledBySource(ctx context.Context, n *Notice) (bool, error) {
	var k int
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE source = ? AND refs = ? AND msg_type = ?`,
		n.Source, n.Identifier, string(MsgCancel)).Scan(&k); err != nil {
		return false, fmt.Errorf("look up cancellation: %w", err)
	}
	return k > 0, nil
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
		id, err := sqlkit.InsertID(ctx, tx, `INSERT INTO notices (source, source_name, identifier, msg_type, refs, urgency, title, body, link, topics, areas, sent_at, expires_at, received_at, state)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(CAST(? AS BIGINT), 0), ?, ?) ON CONFLICT(source, identifier) DO NOTHING RETURNING id`,
			n.Source, n.SourceName, n.Identifier, string(n.MsgType), n.References, string(n.Urgency), n.Title, n.Body, n.Link,
			joinList(n.Topics), joinList(n.Areas), sqlkit.Millis(n.Sent), sqlkit.Millis(n.Expires), sqlkit.Millis(n.Received), string(n.State))
		if errors.Is(err, sql.ErrNoRows) { // the conflict: no row, no id
			dup = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("insert notice: %w", err)
		}
		n.ID = id
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

// latestInThread is the newest notice of source whose identifier starts
// with prefix (the versions of one warning), or nil.
func (s store) latestInThread(ctx context.Context, source, prefix string) (*Notice, error) {
	esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)
	n, err := scanNotice(s.q().QueryRowContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE source = ? AND lower(identifier) LIKE lower(?) ESCAPE '\' ORDER BY id DESC LIMIT 1`, source, esc+"%"))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("latest notice of %s: %w", prefix, err)
	}
	return n, nil
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
	_, err := s.q().ExecContext(ctx, `INSERT INTO notice_feeds (name, etag, last_modified, last_fetch_at, last_status, failures) VALUES (?, ?, ?, COALESCE(CAST(? AS BIGINT), 0), ?, ?)
		ON CONFLICT(name) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, last_fetch_at = excluded.last_fetch_at,
		last_status = excluded.last_status, failures = excluded.failures`,
		st.Name, st.ETag, st.LastModified, sqlkit.Millis(st.LastFetch), bot.Truncate(st.LastStatus, 500), st.Failures)
	if err != nil {
		return fmt.Errorf("save feed state: %w", err)
	}
	return nil
}

// The group location pins live in the sources package's geo_points; these
// reach them for the built-in sources and !area.

// groupPin is the point an admin pinned for chat, if any.
func (s store) groupPin(ctx context.Context, chat bot.ChatID) (sources.Point, bool, error) {
	return sources.GroupPin(ctx, s.db, chat)
}

// saveGroupPin keeps p as chat's point.
func (s store) saveGroupPin(ctx context.Context, chat bot.ChatID, p sources.Point, now time.Time) error {
	return sources.SaveGroupPin(ctx, s.db, chat, p, now)
}

// clearGroupPin forgets chat's pin; ok says whether it had one.
func (s store) clearGroupPin(ctx context.Context, chat bot.ChatID) (bool, error) {
	return sources.ClearGroupPin(ctx, s.db, chat)
}
