package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migrations are the web page's tables: sign-in links and sessions.
func Migrations() bot.Migrations { return bot.MigrationsIn("web", migrationFS) }

// store keeps links and sessions; secrets are stored as their SHA-256.
type store struct{ db bot.DB }

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// linksSince counts the links made for a person at or after since, for
// the rate limit.
func (s store) linksSince(ctx context.Context, person int64, since time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM web_links WHERE person_id = ? AND created_at >= ?`, person, ms(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count sign-in links: %w", err)
	}
	return n, nil
}

func (s store) addLink(ctx context.Context, secret string, person int64, now, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO web_links (hash, person_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hashSecret(secret), person, ms(now), ms(expires))
	if err != nil {
		return fmt.Errorf("store sign-in link: %w", err)
	}
	// Links long past their expiry are of no use to anyone.
	if _, err := s.db.ExecContext(ctx, `DELETE FROM web_links WHERE expires_at < ?`, ms(now.Add(-24*time.Hour))); err != nil {
		return fmt.Errorf("prune sign-in links: %w", err)
	}
	return nil
}

// errLinkUnusable is a link that is unknown, used or expired: the page
// says the same for all three, so a guess learns nothing.
var errLinkUnusable = errors.New("sign-in link unknown, used or expired")

// linkPerson says whose a link is, without using it.
func (s store) linkPerson(ctx context.Context, secret string, now time.Time) (int64, error) {
	var person int64
	err := s.db.QueryRowContext(ctx, `SELECT person_id FROM web_links WHERE hash = ? AND used_at = 0 AND expires_at > ?`,
		hashSecret(secret), ms(now)).Scan(&person)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errLinkUnusable
	}
	if err != nil {
		return 0, fmt.Errorf("load sign-in link: %w", err)
	}
	return person, nil
}

// useLink marks a link used and returns its person; of two uses at once,
// exactly one succeeds (the UPDATE's condition is checked and set in one
// statement).
func (s store) useLink(ctx context.Context, secret string, now time.Time) (int64, error) {
	person, err := s.linkPerson(ctx, secret, now)
	if err != nil {
		return 0, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE web_links SET used_at = ? WHERE hash = ? AND used_at = 0 AND expires_at > ?`,
		ms(now), hashSecret(secret), ms(now))
	if err != nil {
		return 0, fmt.Errorf("use sign-in link: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, errLinkUnusable
	}
	return person, nil
}

// session is one signed-in browser.
type session struct {
	ID      int64
	Person  int64
	Created time.Time
	Seen    time.Time
	Expires time.Time
	Device  string
}

func (s store) addSession(ctx context.Context, secret string, person int64, now, expires time.Time, device string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO web_sessions (hash, person_id, created_at, seen_at, expires_at, device) VALUES (?, ?, ?, ?, ?, ?)`,
		hashSecret(secret), person, ms(now), ms(now), ms(expires), device)
	if err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	return nil
}

// liveSession finds the session of a cookie that has not ended, expired
// or been idle past idle, and notes it was seen now.
func (s store) liveSession(ctx context.Context, secret string, now time.Time, idle time.Duration) (session, error) {
	var ss session
	var created, seen, expires int64
	err := s.db.QueryRowContext(ctx, `SELECT id, person_id, created_at, seen_at, expires_at, device FROM web_sessions
		WHERE hash = ? AND ended_at = 0 AND expires_at > ? AND seen_at > ?`, hashSecret(secret), ms(now), ms(now.Add(-idle))).
		Scan(&ss.ID, &ss.Person, &created, &seen, &expires, &ss.Device)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, bot.ErrNotFound
	}
	if err != nil {
		return ss, fmt.Errorf("load session: %w", err)
	}
	ss.Created, ss.Seen, ss.Expires = fromMS(created), fromMS(seen), fromMS(expires)
	// Noted at most once a minute: a page's assets need no write each.
	if now.Sub(ss.Seen) >= time.Minute {
		if _, err := s.db.ExecContext(ctx, `UPDATE web_sessions SET seen_at = ? WHERE id = ?`, ms(now), ss.ID); err != nil {
			return ss, fmt.Errorf("note session seen: %w", err)
		}
	}
	return ss, nil
}

// sessionsOf lists a person's sessions that have not ended or expired.
func (s store) sessionsOf(ctx context.Context, person int64, now time.Time, idle time.Duration) ([]session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, person_id, created_at, seen_at, expires_at, device FROM web_sessions
		WHERE person_id = ? AND ended_at = 0 AND expires_at > ? AND seen_at > ? ORDER BY seen_at DESC`, person, ms(now), ms(now.Add(-idle)))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []session
	for rows.Next() {
		var ss session
		var created, seen, expires int64
		if err := rows.Scan(&ss.ID, &ss.Person, &created, &seen, &expires, &ss.Device); err != nil {
			return nil, fmt.Errorf("scan session: %w", err)
		}
		ss.Created, ss.Seen, ss.Expires = fromMS(created), fromMS(seen), fromMS(expires)
		out = append(out, ss)
	}
	return out, rows.Err()
}

// endSession ends one of a person's sessions (id 0: all of them) and
// returns how many ended.
func (s store) endSessions(ctx context.Context, person, id int64, now time.Time) (int64, error) {
	q, args := `UPDATE web_sessions SET ended_at = ? WHERE person_id = ? AND ended_at = 0`, []any{ms(now), person}
	if id != 0 {
		q, args = q+` AND id = ?`, append(args, id)
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("end sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// noteComposer records who wrote a notice on the page.
func (s store) noteComposer(ctx context.Context, notice, person int64) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO web_composers (notice_id, person_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, notice, person); err != nil {
		return fmt.Errorf("note composer: %w", err)
	}
	return nil
}

// composer is who wrote a notice on the page (0: not written here).
func (s store) composer(ctx context.Context, notice int64) (int64, error) {
	var person int64
	err := s.db.QueryRowContext(ctx, `SELECT person_id FROM web_composers WHERE notice_id = ?`, notice).Scan(&person)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("load composer: %w", err)
	}
	return person, nil
}
