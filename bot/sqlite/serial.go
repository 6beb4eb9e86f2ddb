package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"
)

// On PostgreSQL several processes (a hub's accounts) write the same tables
// at once. Within one process units of work are serialised in Go, as on
// SQLite; between processes each unit of work is a SERIALIZABLE
// transaction, so a handler's read-then-write (count the approvals, then
// record one more) behaves as if the units ran one after another, as they
// do on SQLite. When PostgreSQL cannot promise that it fails one of them
// with a serialization failure (SQLSTATE 40001) or a deadlock (40P01):
// nothing of it was committed, so the unit is run again from the start, up
// to maxAttempts times — unless it had already committed part of itself
// with Checkpoint, which cannot be undone.
const maxAttempts = 10

// txOptions are the transaction options of a unit of work.
func (s *Store) txOptions() *sql.TxOptions {
	if s.backend == Postgres {
		return &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	return nil
}

// conflicted reports whether err is PostgreSQL's serialization failure or
// deadlock, read through the error's SQLState (no driver import).
func conflicted(err error) bool {
	var se interface{ SQLState() string }
	if err == nil || !errors.As(err, &se) {
		return false
	}
	code := se.SQLState()
	return code == "40001" || code == "40P01"
}

// atomicRetrying runs fn in a unit of work of its own, again after a
// conflict with another process (see above).
func (s *Store) atomicRetrying(ctx context.Context, fn func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		u, err := s.atomicOnce(ctx, fn)
		if err == nil || s.backend != Postgres || attempt == maxAttempts || u == nil || u.checkpointed {
			return err
		}
		if !conflicted(err) && !u.conflict {
			return err
		}
		// A short random pause, so two processes that collided do not
		// collide again at once (the server's contention, not the bot's
		// clock).
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(rand.IntN(5*attempt)+1) * time.Millisecond):
		}
	}
}
