package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
)

// IsURL reports whether database names a PostgreSQL server
// (postgres://… or postgresql://…) rather than being empty (SQLite).
func IsURL(database string) bool {
	return strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://")
}

// Redact returns the URL without its password, for messages and logs.
func Redact(database string) string {
	u, err := url.Parse(database)
	if err != nil {
		return "the PostgreSQL database"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// ParseURL checks a postgres:// URL as pgx reads it (host, port, user,
// database, options), without connecting.
func ParseURL(database string) (*pgx.ConnConfig, error) {
	if !IsURL(database) {
		return nil, fmt.Errorf("not a postgres:// URL")
	}
	cfg, err := pgx.ParseConfig(database)
	if err != nil {
		// pgx's message may quote the URL, password and all.
		return nil, fmt.Errorf("cannot read the PostgreSQL URL %s", Redact(database))
	}
	return cfg, nil
}

// OpenDB opens a pool on the database at database whose connections
// rewrite "?" placeholders into $n (Rebind), and checks it answers.
func OpenDB(ctx context.Context, database string) (*sql.DB, error) {
	cfg, err := ParseURL(database)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector{stdlib.GetConnector(*cfg)})
	// Several processes share the server (its max_connections is 100 by
	// default): each takes a bounded pool, as the SQLite store does.
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", Redact(database), err)
	}
	return db, nil
}

// Open opens the core store on the PostgreSQL database at database with
// the core's migrations and extra's (each component's migrations/postgres),
// refusing a schema a newer release wrote. With complete, extra is the
// whole binary's list, so a component the database has and extra lacks
// is refused too (as sqlite.OpenComplete).
func Open(ctx context.Context, database string, complete bool, extra ...bot.Migrations) (*sqlite.Store, error) {
	db, err := OpenDB(ctx, database)
	if err != nil {
		return nil, err
	}
	wake, err := WakeChannel(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	st, err := sqlite.OpenDB(ctx, db, sqlite.Postgres, Redact(database), wake, complete, extra...)
	if err != nil {
		db.Close()
		return nil, err
	}
	return st, nil
}

var unsafeChannel = regexp.MustCompile(`[^a-z0-9_]`)

// WakeChannel is the NOTIFY channel of the store's schema: channels are
// per database, not per schema, so two hubs in two schemas of one
// database (or two tests) do not wake each other.
func WakeChannel(ctx context.Context, db *sql.DB) (string, error) {
	var schema string
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return "", fmt.Errorf("read the schema: %w", err)
	}
	return "neighbourbot_" + unsafeChannel.ReplaceAllString(strings.ToLower(schema), "_"), nil
}

// connector is pgx's database/sql connector with connections that rewrite
// the stores' placeholders.
type connector struct{ driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{dc.(*stdlib.Conn)}, nil
}

// conn is a pgx connection whose statements are rebound; everything else
// (transactions, resets, value checks) is pgx's own.
type conn struct{ *stdlib.Conn }

func (c *conn) Prepare(q string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), q)
}

func (c *conn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	q, _ = Rebind(q)
	return c.Conn.PrepareContext(ctx, q)
}

func (c *conn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	q, _ = Rebind(q)
	return c.Conn.ExecContext(ctx, q, args)
}

func (c *conn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	q, _ = Rebind(q)
	return c.Conn.QueryContext(ctx, q, args)
}
