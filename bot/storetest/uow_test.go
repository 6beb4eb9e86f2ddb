package storetest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

// A unit of work commits everything done with its context together, or
// nothing: a feature's failed step (a savepoint) is undone alone, and its
// after-commit hooks go with it.
func TestUnitOfWork(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		var ran []string
		err := s.Atomic(ctx, func(ctx context.Context) error {
			s.AfterCommit(ctx, func() { ran = append(ran, "outer") })
			if _, err := s.FirstSeen(ctx, "g1", "kept", t0); err != nil {
				return err
			}
			_ = s.Atomic(ctx, func(ctx context.Context) error {
				s.AfterCommit(ctx, func() { ran = append(ran, "rolled back") })
				if _, err := s.FirstSeen(ctx, "g1", "undone", t0); err != nil {
					return err
				}
				return errors.New("undo")
			})
			return s.Atomic(ctx, func(ctx context.Context) error {
				s.AfterCommit(ctx, func() { ran = append(ran, "released") })
				_, err := s.QueueSend(ctx, bot.QueuedSend{Chat: "g1", Kind: "text", MsgID: "m", Payload: []byte("hi"), Created: t0, NotBefore: t0})
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ran) != 2 || ran[0] != "outer" || ran[1] != "released" {
			t.Fatalf("hooks run = %q, want outer and released only", ran)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM seen_messages`); n != 1 {
			t.Errorf("%d seen marks, want only the one outside the failed step", n)
		}
		if depth, _, _ := s.SendQueueStats(ctx); depth != 1 {
			t.Errorf("queue depth %d", depth)
		}
		// A unit of work that fails leaves nothing, and runs no hook.
		err = s.Atomic(ctx, func(ctx context.Context) error {
			s.AfterCommit(ctx, func() { ran = append(ran, "failed") })
			s.FirstSeen(ctx, "g1", "lost", t0)
			s.QueueSend(ctx, bot.QueuedSend{Chat: "g1", Kind: "text", Payload: []byte("x"), Created: t0, NotBefore: t0})
			return errors.New("handler failed")
		})
		if err == nil || len(ran) != 2 {
			t.Fatalf("failed unit: %v, hooks %q", err, ran)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM seen_messages`); n != 1 {
			t.Errorf("a failed unit of work left %d seen marks", n)
		}
	})
}

// Checkpoint commits the work so far, so a crash after an outside call
// cannot lose the note that it was made.
func TestCheckpointCommitsSoFar(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		err := s.Atomic(ctx, func(ctx context.Context) error {
			s.FirstSeen(ctx, "g1", "before", t0)
			if err := s.Checkpoint(ctx); err != nil {
				return err
			}
			s.FirstSeen(ctx, "g1", "after", t0)
			return errors.New("the call after failed")
		})
		if err == nil {
			t.Fatal("want the unit's error")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM seen_messages`); n != 1 {
			t.Errorf("%d seen marks, want the one before the checkpoint", n)
		}
	})
}

// The send queue gives the most urgent due row whose chat has nothing as
// urgent before it; an emergency overtakes a normal notice held back.
func TestSendQueueOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		q := func(chat bot.ChatID, prio bot.Priority, at time.Time, person int64) int64 {
			id, err := s.QueueSend(ctx, bot.QueuedSend{Chat: chat, Kind: "text", MsgID: "m", Priority: prio, Payload: []byte("x"), Person: person, Created: t0, NotBefore: at})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		normal := q("g1", bot.PriorityNormal, t0.Add(time.Hour), 0)
		later := q("g1", bot.PriorityNormal, t0, 0)
		emergency := q("g1", bot.PriorityEmergency, t0, 0)
		dm := q("p1", bot.PriorityReply, t0, 0)
		if next, ok, _ := s.NextSend(ctx, t0); !ok || next.ID != dm {
			t.Fatalf("next = %+v, want the reply %d", next, dm)
		}
		s.FinishSend(ctx, dm)
		if next, ok, _ := s.NextSend(ctx, t0); !ok || next.ID != emergency {
			t.Fatalf("next = %+v, want the emergency %d", next, emergency)
		}
		s.FinishSend(ctx, emergency)
		if _, ok, _ := s.NextSend(ctx, t0); ok {
			t.Fatalf("a row went before the earlier one of its chat and priority")
		}
		if at, ok, _ := s.NextSendAt(ctx); !ok || !at.Equal(t0) {
			t.Errorf("next send at %v", at)
		}
		if next, ok, _ := s.NextSend(ctx, t0.Add(time.Hour)); !ok || next.ID != normal {
			t.Fatalf("next = %+v, want %d", next, normal)
		}
		if err := s.DelaySend(ctx, normal, t0.Add(2*time.Hour), true, "offline"); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CancelChatSends(ctx, "g1", bot.PriorityNormal); n != 2 {
			t.Errorf("cancelled %d", n)
		}
		_ = later
		q("p2", bot.PriorityReply, t0, 42)
		if n, _ := s.CancelSends(ctx, 42); n != 1 {
			t.Errorf("cancelled %d direct messages", n)
		}
	})
}

// TestTwoProcessesReadThenWrite: two stores on one database (two processes
// of a hub), each running units of work that read a count and write it
// back one higher, as a handler counting approvals does. On SQLite one
// writer at a time makes that safe; on PostgreSQL each unit is
// SERIALIZABLE and run again when it collides, so no increment is lost.
func TestTwoProcessesReadThenWrite(t *testing.T) {
	counter := bot.Migrations{Component: "demo", FS: both(map[string]string{
		"001_counter.sql": "CREATE TABLE demo_counter (id BIGINT PRIMARY KEY, v BIGINT NOT NULL); INSERT INTO demo_counter VALUES (1, 0);",
	})}
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend) {
		place := b.NewPlace(t)
		stores := []*sqlite.Store{b.OpenOn(t, place, counter), b.OpenOn(t, place, counter)}
		const each = 40
		var wg sync.WaitGroup
		errs := make(chan error, len(stores))
		for _, st := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each {
					err := st.Atomic(context.Background(), func(ctx context.Context) error {
						var v int64
						if err := st.DB().QueryRowContext(ctx, `SELECT v FROM demo_counter WHERE id = 1`).Scan(&v); err != nil {
							return err
						}
						_, err := st.DB().ExecContext(ctx, `UPDATE demo_counter SET v = ? WHERE id = 1`, v+1)
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := count(t, stores[0], `SELECT v FROM demo_counter WHERE id = 1`); n != len(stores)*each {
			t.Fatalf("counter = %d after %d increments: some were lost", n, len(stores)*each)
		}
	})
}

// A step (a nested unit) whose read fails is undone alone and the unit of
// work still commits — on PostgreSQL too, where a failed statement aborts
// the whole transaction unless a savepoint before it is rolled back.
func TestFailedReadInAStep(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		err := s.Atomic(ctx, func(ctx context.Context) error {
			if _, err := s.FirstSeen(ctx, "g1", "before", t0); err != nil {
				return err
			}
			stepErr := s.Atomic(ctx, func(ctx context.Context) error {
				var n int
				return s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM no_such_table`).Scan(&n)
			})
			if stepErr == nil {
				t.Error("a read of a missing table succeeded")
			}
			_, err := s.FirstSeen(ctx, "g1", "after", t0)
			return err
		})
		if err != nil {
			t.Fatalf("the unit of work failed with its failed step: %v", err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM seen_messages`); n != 2 {
			t.Errorf("%d seen marks, want 2", n)
		}
	})
}
