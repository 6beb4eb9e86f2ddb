package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"

	"neighbourbot/bot"
)

// A unit of work is one SQLite transaction carried in a context: the engine
// opens one per inbound message and per job, and every store call made with
// that context (the core's and every feature's) runs inside it. Nested
// transactions become savepoints, so a feature's own all-or-nothing step
// still commits or rolls back with the whole message.
type unitOfWork struct {
	s           *Store
	tx          *sql.Tx
	savepoints  int
	stack       []*savepoint // savepoints not yet released, outermost first
	afterCommit []func()
	// notified are the wake payloads already NOTIFYed in this transaction
	// (PostgreSQL): one per unit of work is enough, since all are
	// delivered at its commit.
	notified map[string]bool
	// checkpointed is set once a Checkpoint committed part of the unit:
	// from then on it cannot be run again from the start.
	checkpointed bool
	// conflict is set when a statement failed because another process's
	// transaction got there first (PostgreSQL's serialization failure or
	// deadlock), even if the caller went on: the unit may be run again.
	conflict bool
	// broken is set when a savepoint could not be rolled back or released:
	// SQLite itself rolled the whole transaction back (it may on a full
	// disk), so nothing of the unit of work may commit.
	broken error
}

type uowKey struct{}

func uowFrom(ctx context.Context) *unitOfWork {
	u, _ := ctx.Value(uowKey{}).(*unitOfWork)
	return u
}

// writer serialises the process's units of work in Go. SQLite allows one
// writer at a time anyway; waiting here instead of in SQLite's busy handler
// means the send-queue drainer never fails with "database is locked" while a
// message's transaction is still open. Writes outside a unit of work (the
// CLI, a test) wait in SQLite's busy handler as before.
type writer struct{ mu sync.Mutex }

// Atomic runs fn in a unit of work: a new transaction, or a savepoint when
// ctx already carries one. fn's writes, and everything queued with them,
// commit together when fn returns nil; an error or a panic rolls them back.
func (s *Store) Atomic(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if u := uowFrom(ctx); u != nil {
		if u.broken != nil {
			return fmt.Errorf("transaction lost: %w", u.broken)
		}
		sp, err := u.savepoint(ctx)
		if err != nil {
			return err
		}
		defer func() {
			if r := recover(); r != nil {
				sp.Rollback()
				panic(r)
			}
		}()
		if err := fn(ctx); err != nil {
			sp.Rollback()
			return err
		}
		if err := sp.Commit(); err != nil {
			u.broken = err
			return err
		}
		return nil
	}
	return s.atomicRetrying(ctx, fn)
}

// atomicOnce runs fn in a new transaction (see Atomic) and returns the unit
// of work it ran in, so that the caller can tell whether it may run fn
// again after a serialization failure.
func (s *Store) atomicOnce(ctx context.Context, fn func(ctx context.Context) error) (u *unitOfWork, err error) {
	s.w.mu.Lock()
	locked := true
	unlock := func() {
		if locked {
			locked = false
			s.w.mu.Unlock()
		}
	}
	defer unlock()
	tx, err := s.db.BeginTx(ctx, s.txOptions())
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	u = &unitOfWork{s: s, tx: tx}
	// u.tx, not tx: a Checkpoint moves the unit of work to a new one.
	defer func() {
		if r := recover(); r != nil {
			u.tx.Rollback()
			panic(r)
		}
	}()
	if err := fn(context.WithValue(ctx, uowKey{}, u)); err != nil {
		u.tx.Rollback()
		return u, err
	}
	if u.broken != nil {
		u.tx.Rollback()
		return u, fmt.Errorf("transaction lost: %w", u.broken)
	}
	if err := u.tx.Commit(); err != nil {
		u.tx.Rollback()
		return u, fmt.Errorf("commit: %w", err)
	}
	// The hooks run after the writer lock is released: they may start
	// units of work of their own (the console's sender does).
	unlock()
	for _, f := range u.afterCommit {
		f()
	}
	return u, nil
}

// Checkpoint commits what the unit of work of ctx has done so far and goes on
// in a new transaction, with its open savepoints opened again. A job calls it
// just before a step outside the bot that cannot be undone (posting a report
// to the council): the note that the step is under way is then durable, so a
// crash or a failure after the step cannot repeat it unnoticed. Outside a
// unit of work it does nothing.
func (s *Store) Checkpoint(ctx context.Context) error {
	u := uowFrom(ctx)
	if u == nil {
		return nil
	}
	if u.broken != nil {
		return fmt.Errorf("transaction lost: %w", u.broken)
	}
	if err := u.tx.Commit(); err != nil {
		u.tx.Rollback()
		u.broken = err
		return fmt.Errorf("checkpoint: %w", err)
	}
	// The hooks wait for the end of the unit of work: they may not write
	// while it holds the writer lock.
	u.checkpointed = true
	tx, err := s.db.BeginTx(context.WithoutCancel(ctx), s.txOptions())
	if err != nil {
		u.broken = err
		return fmt.Errorf("checkpoint: begin: %w", err)
	}
	u.tx = tx
	u.notified = nil // what the commit delivered; later changes need their own
	for _, sp := range u.stack {
		if !sp.opened {
			continue
		}
		if _, err := tx.ExecContext(ctx, "SAVEPOINT "+sp.name); err != nil {
			u.broken = err
			return fmt.Errorf("checkpoint: savepoint: %w", err)
		}
	}
	return nil
}

// AfterCommit runs f once the unit of work of ctx has committed (at once
// when there is none). The send queue uses it to wake its drainer.
func (s *Store) AfterCommit(ctx context.Context, f func()) {
	if u := uowFrom(ctx); u != nil {
		u.afterCommit = append(u.afterCommit, f)
		return
	}
	f()
}

// InUnitOfWork reports whether ctx carries a unit of work.
func InUnitOfWork(ctx context.Context) bool { return uowFrom(ctx) != nil }

// InUnit is InUnitOfWork, for bot.Store.
func (s *Store) InUnit(ctx context.Context) bool { return uowFrom(ctx) != nil }

// savepoint starts a named savepoint in the unit of work. On SQLite it is
// opened only before the first write made inside it: most handlers,
// inspectors and listeners only read, and then a savepoint costs nothing.
// On PostgreSQL it is opened before the first statement (beforeStatement).
func (u *unitOfWork) savepoint(ctx context.Context) (*savepoint, error) {
	u.savepoints++
	sp := &savepoint{u: u, name: fmt.Sprintf("sp%d", u.savepoints), ctx: context.WithoutCancel(ctx), hooks: len(u.afterCommit)}
	u.stack = append(u.stack, sp)
	return sp, nil
}

// beforeStatement opens the pending savepoints, outermost first, when q may
// write. A failure breaks the unit of work, so that it cannot commit.
//
// On PostgreSQL they are opened before any statement: there a failed
// statement, even a read, aborts the whole transaction unless a savepoint
// opened before it is rolled back, and a step that failed must leave the
// rest of the unit of work able to commit, as on SQLite.
func (u *unitOfWork) beforeStatement(ctx context.Context, q string) {
	if !mayWrite(q) && u.s.backend != Postgres {
		return
	}
	for _, sp := range u.stack {
		if sp.opened {
			continue
		}
		if _, err := u.tx.ExecContext(ctx, "SAVEPOINT "+sp.name); err != nil {
			u.broken = fmt.Errorf("savepoint: %w", err)
			return
		}
		sp.opened = true
	}
}

// mayWrite reports whether a statement may change the database: anything
// but a plain SELECT.
func mayWrite(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n(")
	return len(q) < 6 || !strings.EqualFold(q[:6], "SELECT")
}

// pop forgets a released or rolled-back savepoint.
func (u *unitOfWork) pop(sp *savepoint) {
	for i := len(u.stack) - 1; i >= 0; i-- {
		if u.stack[i] == sp {
			u.stack = append(u.stack[:i], u.stack[i+1:]...)
			return
		}
	}
}

func (u *unitOfWork) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	u.beforeStatement(ctx, q)
	res, err := u.tx.ExecContext(ctx, q, args...)
	u.conflict = u.conflict || conflicted(err)
	return res, err
}

func (u *unitOfWork) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	u.beforeStatement(ctx, q)
	rows, err := u.tx.QueryContext(ctx, q, args...)
	u.conflict = u.conflict || conflicted(err)
	return rows, err
}

func (u *unitOfWork) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	u.beforeStatement(ctx, q)
	return u.tx.QueryRowContext(ctx, q, args...)
}

// savepoint is a bot.Tx inside a unit of work.
type savepoint struct {
	u      *unitOfWork
	name   string
	ctx    context.Context
	opened bool // SAVEPOINT was issued (see unitOfWork.savepoint)
	done   bool
	hooks  int // after-commit hooks registered before it: a rollback drops the rest
}

func (p *savepoint) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return p.u.exec(ctx, q, args...)
}

func (p *savepoint) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return p.u.query(ctx, q, args...)
}

func (p *savepoint) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return p.u.queryRow(ctx, q, args...)
}

func (p *savepoint) Commit() error {
	if p.done {
		return sql.ErrTxDone
	}
	p.done = true
	defer p.u.pop(p)
	if !p.opened {
		return nil
	}
	if _, err := p.u.tx.ExecContext(p.ctx, "RELEASE "+p.name); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

func (p *savepoint) Rollback() error {
	if p.done {
		return sql.ErrTxDone
	}
	p.done = true
	defer p.u.pop(p)
	// What was rolled back must not act after the commit either (a file
	// deletion for a row that is, after all, still there).
	if len(p.u.afterCommit) > p.hooks {
		p.u.afterCommit = p.u.afterCommit[:p.hooks]
	}
	// A NOTIFY made inside it is undone with it: the next one is needed.
	p.u.notified = nil
	if !p.opened {
		return nil
	}
	_, err := p.u.tx.ExecContext(p.ctx, "ROLLBACK TO "+p.name)
	_, err2 := p.u.tx.ExecContext(p.ctx, "RELEASE "+p.name)
	if err := errors.Join(err, err2); err != nil {
		p.u.broken = err
		return err
	}
	return nil
}

// handle is the bot.DB the store gives feature packages.
type handle struct{ s *Store }

var _ bot.DB = handle{}

func (h handle) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if u := uowFrom(ctx); u != nil {
		return u.exec(ctx, q, args...)
	}
	return h.s.db.ExecContext(ctx, q, args...)
}

func (h handle) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if u := uowFrom(ctx); u != nil {
		return u.query(ctx, q, args...)
	}
	return h.s.db.QueryContext(ctx, q, args...)
}

func (h handle) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if u := uowFrom(ctx); u != nil {
		return u.queryRow(ctx, q, args...)
	}
	return h.s.db.QueryRowContext(ctx, q, args...)
}

func (h handle) BeginTx(ctx context.Context, opts *sql.TxOptions) (bot.Tx, error) {
	if u := uowFrom(ctx); u != nil {
		return u.savepoint(ctx)
	}
	tx, err := h.s.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return tx, nil
}
