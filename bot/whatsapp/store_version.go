package whatsapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/store"
)

// versionTable lives in whatsmeow's session database, beside the session
// it belongs to (backups copy it with the session); whatsmeow's upgrades
// leave tables they do not own alone.
const versionTable = `CREATE TABLE IF NOT EXISTS neighbourbot_wa_version (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	version    TEXT NOT NULL,
	fetched_at INTEGER NOT NULL
)`

// versionTablePostgres is versionTable on PostgreSQL.
const versionTablePostgres = `CREATE TABLE IF NOT EXISTS neighbourbot_wa_version (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	version    TEXT NOT NULL,
	fetched_at BIGINT NOT NULL
)`

// versionDB opens the session's database for the version table: the
// SQLite file afresh (closed by the caller), or the session's PostgreSQL
// pool (whose Close here does nothing: the session closes it).
func (s *Session) versionDB(ctx context.Context) (*sql.DB, func() error, error) {
	if s.pg != nil {
		if _, err := s.pg.ExecContext(ctx, versionTablePostgres); err != nil {
			return nil, nil, err
		}
		return s.pg, func() error { return nil }, nil
	}
	db, err := sql.Open("sqlite3", s.dsn)
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.ExecContext(ctx, versionTable); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, db.Close, nil
}

func (s *Session) saveVersion(ctx context.Context, v store.WAVersionContainer) error {
	db, done, err := s.versionDB(ctx)
	if err != nil {
		return err
	}
	defer done()
	_, err = db.ExecContext(ctx, `INSERT INTO neighbourbot_wa_version (id, version, fetched_at) VALUES (1, ?, ?)
		ON CONFLICT(id) DO UPDATE SET version = excluded.version, fetched_at = excluded.fetched_at`, v.String(), time.Now().Unix())
	return err
}

// lastVersion is the version last fetched and when (zero: none kept).
func (s *Session) lastVersion(ctx context.Context) (store.WAVersionContainer, time.Time, error) {
	db, done, err := s.versionDB(ctx)
	if err != nil {
		return store.WAVersionContainer{}, time.Time{}, err
	}
	defer done()
	var raw string
	var at int64
	err = db.QueryRowContext(ctx, `SELECT version, fetched_at FROM neighbourbot_wa_version WHERE id = 1`).Scan(&raw, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return store.WAVersionContainer{}, time.Time{}, nil
	}
	if err != nil {
		return store.WAVersionContainer{}, time.Time{}, err
	}
	v, err := store.ParseVersion(raw)
	if err != nil {
		return store.WAVersionContainer{}, time.Time{}, fmt.Errorf("stored WhatsApp Web version: %w", err)
	}
	return v, time.Unix(at, 0), nil
}
