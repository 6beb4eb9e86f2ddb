// Package sqlite is neighbourbot's SQLite store: it opens the database
// (WAL, foreign keys, busy timeout), runs every component's numbered
// migrations, and implements bot.Store for the core's own tables — people
// and their addresses, groups and members, the dedupe marks, the audit log,
// the scheduler's jobs and the send queue (outbox.go).
//
// The unit of work lives here (uow.go): Store.Atomic opens one transaction
// per inbound message or job and carries it in the context; every store
// call made with that context, the core's and every feature's through
// bot.DB, runs inside it, a nested Atomic becomes a savepoint, and
// Checkpoint commits the work so far before an irreversible outside call.
// Units of work are serialised in Go, so SQLite never reports "database is
// locked" to the send queue's drainer.
//
// It is the only package that imports the SQLite driver. Feature packages
// keep their own SQL in their own store files and reach the shared
// database through bot.Store.DB, declaring their schema as bot.Migrations.
//
// The same Store runs on PostgreSQL, a hub's database (OpenDB with a pool
// from bot/postgres, whose connections rewrite "?" into $n): each
// component's migrations/postgres holds the same numbers in PostgreSQL's
// DDL; the few statements that differ branch on Backend (backend.go); a
// unit of work there is SERIALIZABLE and runs again when another process's
// collides with it (serial.go); jobs and sends can be claimed with a lease
// by several processes (claims.go); CopyInto moves a SQLite database into
// an empty hub (copy.go). The package keeps its name from before.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"neighbourbot/bot"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var coreMigrations embed.FS

// CoreMigrations is the core's own schema.
func CoreMigrations() bot.Migrations {
	return bot.MigrationsIn("core", coreMigrations)
}

// DSN returns the connection string used for path: foreign keys on (the
// WhatsApp session store refuses to upgrade without them), WAL journal, a
// busy timeout so concurrent writers wait rather than fail, and
// synchronous=FULL. The bot acknowledges a message to WhatsApp once its
// unit of work commits, and WhatsApp then never delivers it again; with
// synchronous=NORMAL a commit survives the process dying but not the
// machine losing power (a Raspberry Pi's plug pulled), so the last
// acknowledged messages, and the replies queued with them, could vanish.
// FULL syncs the WAL on every commit, so committed means kept.
func DSN(path string) string {
	return "file:" + path + "?_foreign_keys=on&_journal_mode=WAL&_busy_timeout=5000&_synchronous=FULL&_txlock=immediate&_stmt_cache_size=64"
}

// driverName is the SQLite driver with the store's connection hook: it
// counts commits (the pipeline's benchmark reports commits per message) and
// applies a page limit that tests use to make the database "full".
const driverName = "sqlite3-neighbourbot"

var (
	commits     atomic.Int64
	maxPages    atomic.Int64
	failCommits atomic.Bool
)

// FailCommits makes every commit of the process's stores fail (SQLite rolls
// it back) while on is true, as a full or read-only disk does. Tests use it
// to show that nothing is marked handled while the store cannot commit, and
// that everything is handled once it can.
func FailCommits(on bool) { failCommits.Store(on) }

// Commits returns how many transactions the process's stores have
// committed so far.
func Commits() int64 { return commits.Load() }

// LimitPages caps the size of the database files opened from now on at n
// pages (0: no cap) and reopens the store's connections, so that writes
// beyond it fail with "database or disk is full" exactly as on a full disk.
// Tests use it to show that nothing is lost while the disk is full.
func (s *Store) LimitPages(n int64) {
	maxPages.Store(n)
	s.db.SetMaxIdleConns(0)
	s.db.SetMaxIdleConns(2)
}

// Store implements bot.Store on SQLite (Open) or on PostgreSQL (OpenDB
// with a pool from bot/postgres).
type Store struct {
	db      *sql.DB
	w       writer
	path    string
	backend Backend
	// wake is the NOTIFY channel told of new jobs and sends (PostgreSQL
	// only; empty on SQLite, where one process owns the file).
	wake    string
	mergers []func(ctx context.Context, tx bot.Tx, from, into int64) error
}

// OnMerge adds a feature's step to merging two people (bot.PersonMerger).
// Register before handling messages: it is not safe to call concurrently
// with ResolvePerson.
func (s *Store) OnMerge(fn func(ctx context.Context, tx bot.Tx, from, into int64) error) {
	s.mergers = append(s.mergers, fn)
}

// Open opens (creating when needed, mode 0600) the database at path and
// applies the core's migrations and then each of extra's, in order.
//
// A database ahead of these migrations (a newer release wrote it) is
// refused with a *NewerSchemaError before anything changes.
func Open(ctx context.Context, path string, extra ...bot.Migrations) (*Store, error) {
	return open(ctx, path, false, extra)
}

func open(ctx context.Context, path string, complete bool, extra []bot.Migrations) (*Store, error) {
	if errNoCgo != nil {
		return nil, errNoCgo
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	if _, err := os.Stat(path); os.IsNotExist(err) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, fmt.Errorf("create database: %w", err)
		}
		f.Close()
	}
	db, err := sql.Open(driverName, DSN(path))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// WAL lets readers run beside the single writer; immediate transactions
	// and the busy timeout make writers queue instead of failing.
	db.SetMaxOpenConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	var fk int
	if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		db.Close()
		return nil, fmt.Errorf("open database: foreign keys are not enabled")
	}
	sets := append([]bot.Migrations{CoreMigrations()}, extra...)
	if err := refuseNewer(ctx, db, SQLite, path, sets, complete); err != nil {
		db.Close()
		return nil, err
	}
	if err := useIncrementalVacuum(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	s := &Store{db: db, path: path}
	if err := s.migrateAll(ctx, sets); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenDB is Open on a database the caller connected (bot/postgres's pool
// for PostgreSQL): it refuses a newer schema (with complete, as
// OpenComplete does), applies the core's migrations and extra's for the
// backend, and takes ownership of db (Close closes it). name says which
// database it is in messages (never with a password); wake, on
// PostgreSQL, is the channel NOTIFY tells other processes on when a job
// or a send is queued.
func OpenDB(ctx context.Context, db *sql.DB, backend Backend, name, wake string, complete bool, extra ...bot.Migrations) (*Store, error) {
	sets := append([]bot.Migrations{CoreMigrations()}, extra...)
	if err := refuseNewer(ctx, db, backend, name, sets, complete); err != nil {
		return nil, err
	}
	s := &Store{db: db, path: name, backend: backend, wake: wake}
	if err := s.migrateAll(ctx, sets); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) migrateAll(ctx context.Context, sets []bot.Migrations) error {
	for _, m := range sets {
		if err := s.Migrate(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// Backend is the database server under the store.
func (s *Store) Backend() Backend { return s.backend }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the shared database as feature stores use it: each call runs
// in the unit of work its context carries (see Atomic).
func (s *Store) DB() bot.DB { return handle{s} }

// conn is DB for the store's own methods.
func (s *Store) conn() handle { return handle{s} }

// Raw returns the pool itself, for tools outside the bot's handling (exports,
// tests) that read the database directly.
func (s *Store) Raw() *sql.DB { return s.db }

// Path is the database file (on PostgreSQL, the database's name for
// messages).
func (s *Store) Path() string { return s.path }

type migration struct {
	version int
	name    string
	sql     string
}

func readMigrations(m bot.Migrations) ([]migration, error) {
	entries, err := fs.ReadDir(m.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("read %s migrations: %w", m.Component, err)
	}
	var out []migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%s migration %s: name must start with a number like 001_", m.Component, e.Name())
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("%s migrations %s and %s share number %d", m.Component, prev, e.Name(), v)
		}
		seen[v] = e.Name()
		body, err := fs.ReadFile(m.FS, e.Name())
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate applies the component's migrations that have not run yet, each in
// its own transaction together with its bookkeeping row: on PostgreSQL the
// ones under migrations/postgres, which must have every number the SQLite
// ones have (a *NotOnPostgresError otherwise).
func (s *Store) Migrate(ctx context.Context, m bot.Migrations) error {
	m, err := migrationsFor(m, s.backend)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
		PRIMARY KEY (component, version))`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	migs, err := readMigrations(m)
	if err != nil {
		return err
	}
	if len(migs) == 0 {
		return nil
	}
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = ?`, m.Component).Scan(&current); err != nil {
		return fmt.Errorf("read %s schema version: %w", m.Component, err)
	}
	for _, mig := range migs {
		if mig.version <= current {
			continue
		}
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin %s migration %s: %w", m.Component, mig.name, err)
		}
		if _, err := tx.ExecContext(ctx, mig.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("%s migration %s: %w", m.Component, mig.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (component, version, name) VALUES (?, ?, ?)`, m.Component, mig.version, mig.name); err != nil {
			tx.Rollback()
			return fmt.Errorf("record %s migration %s: %w", m.Component, mig.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit %s migration %s: %w", m.Component, mig.name, err)
		}
	}
	return nil
}
