// Package sqlkit holds the few helpers every feature's store shares, so
// that a time column or a list query reads the same everywhere.
//
// Time columns are INTEGER milliseconds since the Unix epoch, in UTC, with
// one zero rule: the zero time.Time is stored as NULL and NULL reads back as
// the zero time. That is what the tables already hold — every "not yet"
// column (closed_at, restored_at, removed_at, next_send_at, …) is nullable
// and written as NULL — so no stored value needed migrating. The few older
// columns declared NOT NULL DEFAULT 0 for "none" (lending_loans.claimed_at
// and closed_at, power_posted.eta, power_groups.last_suggested, and six of
// notices' — see commands/notices/store.go) are read through NULLIF(col, 0)
// in their store's SQL and written 0 for "none" (notices' through
// COALESCE(CAST(? AS BIGINT), 0)), so in Go they follow the same rule.
package sqlkit

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Millis is the column value for t: its Unix milliseconds, or NULL (nil)
// for the zero time.
func Millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// Time is the time.Time a column holds: the zero time for NULL, else the
// instant in UTC.
func Time(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return FromMillis(v.Int64)
}

// FromMillis is Time for a NOT NULL column, scanned into an int64: the
// instant in UTC. Scanning into a plain int64 costs less than into a
// sql.NullInt64, which matters on the per-message path.
func FromMillis(v int64) time.Time { return time.UnixMilli(v).UTC() }

// TimeCol scans a time column straight into *t (NULL as the zero time), for
// use as a Scan destination: rows.Scan(&id, sqlkit.TimeCol(&r.Created)).
func TimeCol(t *time.Time) sql.Scanner { return timeCol{t} }

type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	var v sql.NullInt64
	if err := v.Scan(src); err != nil {
		return fmt.Errorf("time column: %w", err)
	}
	*c.t = Time(v)
	return nil
}

// Scanner is what *sql.Row and *sql.Rows have in common.
type Scanner interface{ Scan(dest ...any) error }

// ScanAll reads every row with scan and closes rows, returning the first
// error from a scan, from the iteration or from closing.
func ScanAll[T any](rows *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, rows.Close()
}

// RowQuerier is what can run a statement that returns one row: bot.DB,
// bot.Tx, *sql.DB and *sql.Tx alike.
type RowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// InsertID runs an INSERT … RETURNING id and gives the new row's id. It is
// the portable form of Result.LastInsertId, which PostgreSQL's drivers do
// not have: SQLite (3.35 and later) and PostgreSQL both answer RETURNING.
func InsertID(ctx context.Context, q RowQuerier, query string, args ...any) (int64, error) {
	var id int64
	if err := q.QueryRowContext(ctx, query, args...).Scan(&id); err != nil {
		return 0, err
	}
	return id, nil
}

// Flag is the column value for a yes/no: 1 or 0. Flag columns are INTEGER
// on every backend, so the same SQL (has_location = 0) reads them
// everywhere and SQLite's partial indexes on them still match; a Go bool
// is not passed as is because PostgreSQL's driver will not put a bool into
// an integer column.
func Flag(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
