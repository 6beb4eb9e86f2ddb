package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"neighbourbot/bot"
)

// Backend is the database server under a Store. The core's SQL is written
// once, with "?" placeholders, and runs on both; the few statements that
// cannot be written the same way (the schema catalogue, UPDATE OR IGNORE,
// JSON in a job's payload, row locks) branch on it, here and beside them.
type Backend int

const (
	// SQLite is the default: one file in the data directory.
	SQLite Backend = iota
	// Postgres is a hub: the *sql.DB comes from bot/postgres, whose
	// connections rewrite "?" into $n.
	Postgres
)

func (b Backend) String() string {
	if b == Postgres {
		return "PostgreSQL"
	}
	return "SQLite"
}

// PostgresDir is the folder, under a component's migrations, that holds the
// same numbered migrations written for PostgreSQL.
const PostgresDir = "postgres"

// migrationsFor returns the component's migrations for the backend: the
// top-level files for SQLite, those under postgres/ for PostgreSQL, which
// must carry every number the SQLite ones do (the two schemas move in
// step, so a database can be copied from one to the other).
func migrationsFor(m bot.Migrations, b Backend) (bot.Migrations, error) {
	if b == SQLite {
		return m, nil
	}
	if missing := MissingOnPostgres(m); len(missing) > 0 {
		return bot.Migrations{}, &NotOnPostgresError{Component: m.Component, Missing: missing}
	}
	sub, err := fs.Sub(m.FS, PostgresDir)
	if err != nil {
		return bot.Migrations{}, fmt.Errorf("%s migrations: %w", m.Component, err)
	}
	return bot.Migrations{Component: m.Component, FS: sub}, nil
}

// NotOnPostgresError is a component whose schema has no PostgreSQL form
// yet (or not every migration of it).
type NotOnPostgresError struct {
	Component string
	Missing   []string // the SQLite migrations without a PostgreSQL file of the same number
}

func (e *NotOnPostgresError) Error() string {
	return fmt.Sprintf("%s does not run on PostgreSQL yet: migrations/postgres lacks %s", e.Component, strings.Join(e.Missing, ", "))
}

// MissingOnPostgres lists the component's SQLite migrations that have no
// PostgreSQL migration of the same number; none means the component's
// schema is on PostgreSQL.
func MissingOnPostgres(m bot.Migrations) []string {
	lite, err := readMigrations(m)
	if err != nil {
		return []string{err.Error()}
	}
	have := map[int]bool{}
	if sub, err := fs.Sub(m.FS, PostgresDir); err == nil {
		if pg, err := readMigrations(bot.Migrations{Component: m.Component, FS: sub}); err == nil {
			for _, mig := range pg {
				have[mig.version] = true
			}
		}
	}
	var out []string
	for _, mig := range lite {
		if !have[mig.version] {
			out = append(out, mig.name)
		}
	}
	return out
}

// tableExists reports whether the schema (PostgreSQL: the first schema on
// the search path) has the table.
func tableExists(ctx context.Context, db *sql.DB, b Backend, table string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`
	if b == Postgres {
		q = `SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?`
	}
	var n int
	if err := db.QueryRowContext(ctx, q, table).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// greatest is the SQL function for the larger of its arguments: SQLite's
// scalar MAX, PostgreSQL's GREATEST.
func (s *Store) greatest() string {
	if s.backend == Postgres {
		return "GREATEST"
	}
	return "MAX"
}

// forUpdate locks the rows a SELECT reads until the transaction ends, on
// PostgreSQL (skipping rows another transaction holds, with skipLocked).
// SQLite has one writer at a time and no such clause.
func (s *Store) forUpdate(skipLocked bool) string {
	switch {
	case s.backend != Postgres:
		return ""
	case skipLocked:
		return " FOR UPDATE SKIP LOCKED"
	default:
		return " FOR UPDATE"
	}
}

// peopleRefsSQL lists (table, column) of every foreign key to people(id)
// in the store's schema, both columns as text.
func (s *Store) peopleRefsSQL() string {
	if s.backend == Postgres {
		return `SELECT cl.relname::text, a.attname::text FROM pg_constraint c
			JOIN pg_class cl ON cl.oid = c.conrelid
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
			WHERE c.contype = 'f' AND c.confrelid = to_regclass('people') ORDER BY 1, 2`
	}
	return `SELECT m.name, p."from" FROM sqlite_master m, pragma_foreign_key_list(m.name) p
		WHERE m.type = 'table' AND p."table" = 'people' ORDER BY 1, 2`
}

// moveReference points column of table at into where it points at from,
// leaving (and so, once the caller deletes them, dropping) the rows where
// into already has one under a unique key. SQLite does that in one UPDATE
// OR IGNORE; PostgreSQL has no such statement, so each row moves under a
// savepoint of its own and one that would break a unique key is left.
func (s *Store) moveReference(ctx context.Context, tx bot.Tx, table, column string, from, into int64) error {
	t := `"` + strings.ReplaceAll(table, `"`, `""`) + `"`
	c := `"` + strings.ReplaceAll(column, `"`, `""`) + `"`
	if s.backend != Postgres {
		_, err := tx.ExecContext(ctx, `UPDATE OR IGNORE `+t+` SET `+c+` = ? WHERE `+c+` = ?`, into, from)
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT ctid::text FROM `+t+` WHERE `+c+` = ?`, from)
	if err != nil {
		return err
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT move_reference`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE `+t+` SET `+c+` = ? WHERE ctid = CAST(? AS tid)`, into, id)
		undo := `RELEASE SAVEPOINT move_reference`
		if err != nil {
			if !uniqueViolation(err) {
				return err
			}
			undo = `ROLLBACK TO SAVEPOINT move_reference; RELEASE SAVEPOINT move_reference`
		}
		for _, q := range strings.Split(undo, "; ") {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}

// uniqueViolation reports whether err is PostgreSQL's unique_violation
// (SQLSTATE 23505), read through the error's SQLState method so that this
// package needs no driver.
func uniqueViolation(err error) bool {
	var se interface{ SQLState() string }
	return errors.As(err, &se) && se.SQLState() == "23505"
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}
