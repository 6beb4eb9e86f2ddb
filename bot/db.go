package bot

import (
	"context"
	"database/sql"
)

// DB is the shared database as feature stores see it. Every call runs inside
// the unit of work that ctx carries (the transaction of the message or job
// being handled), so a feature's writes commit together with the dedupe
// mark, the job's completion and the sends they cause, or not at all.
// Outside a unit of work a call runs on its own.
type DB interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	// BeginTx starts a transaction; inside a unit of work it is a savepoint,
	// so a feature's own all-or-nothing step still commits with the rest.
	BeginTx(ctx context.Context, opts *sql.TxOptions) (Tx, error)
}

// Tx is a transaction (or a savepoint within a unit of work). Rollback after
// Commit does nothing, so "defer tx.Rollback()" is safe.
type Tx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	Commit() error
	Rollback() error
}
