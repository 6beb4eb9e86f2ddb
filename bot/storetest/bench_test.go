package storetest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

// BenchmarkFanOut measures a notice's fan-out through the send queue on
// each backend, against a floor measured in the same run on the same
// server: "floor" commits one row per operation; "queue" queues one send
// per operation, a hundred to a unit of work, each to a group of its own
// (10,000 groups make 10,000 rows); "claim_N" drains the queue with N
// stores on one database (N accounts, or processes), each send claimed
// (FOR UPDATE SKIP LOCKED on PostgreSQL) and then finished, as a sender
// would. Read ns/op as ratios to the floor:
//
//	scripts/pgtest go test ./bot/storetest -run '^$' -bench FanOut -benchtime 10000x
func BenchmarkFanOut(b *testing.B) {
	for _, backend := range []storetest.Backend{storetest.SQLiteBackend, storetest.PostgresBackend} {
		b.Run(backend.Name, func(b *testing.B) {
			if backend.Name == "postgres" {
				storetest.RequirePostgres(b)
			}
			b.Run("floor", func(b *testing.B) { benchFloor(b, backend) })
			b.Run("queue", func(b *testing.B) { benchQueue(b, backend) })
			for _, n := range []int{1, 2, 4} {
				b.Run(fmt.Sprint("claim_", n), func(b *testing.B) { benchClaim(b, backend, n) })
			}
		})
	}
}

func benchFloor(b *testing.B, backend storetest.Backend) {
	st := backend.Open(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		if _, err := st.FirstSeen(ctx, "g", fmt.Sprint(i), t0); err != nil {
			b.Fatal(err)
		}
	}
}

// queueSends queues n sends, each to a group of its own, a hundred to a
// unit of work.
func queueSends(b *testing.B, st *sqlite.Store, n int) {
	ctx := context.Background()
	for start := 0; start < n; start += 100 {
		err := st.Atomic(ctx, func(ctx context.Context) error {
			for i := start; i < min(start+100, n); i++ {
				if _, err := st.QueueSend(ctx, bot.QueuedSend{Chat: bot.ChatID(fmt.Sprint("g", i)), Kind: "text", MsgID: fmt.Sprint("m", i),
					Priority: bot.PriorityNormal, Payload: []byte(`{"text":"Road closed on Elm Road until Friday"}`), Created: t0, NotBefore: t0}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func benchQueue(b *testing.B, backend storetest.Backend) {
	st := backend.Open(b)
	b.ResetTimer()
	queueSends(b, st, b.N)
}

func benchClaim(b *testing.B, backend storetest.Backend, accounts int) {
	place := backend.NewPlace(b)
	stores := make([]*sqlite.Store, accounts)
	for i := range stores {
		stores[i] = backend.OpenOn(b, place)
	}
	queueSends(b, stores[0], b.N)
	ctx := context.Background()
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make(chan error, accounts)
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprint("account", i)
			for {
				q, ok, err := st.ClaimSend(ctx, owner, t0, time.Minute)
				if err != nil || !ok {
					errs <- err
					return
				}
				if err := st.FinishSend(ctx, q.ID); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		if err != nil {
			b.Fatal(err)
		}
	}
	if depth, _, err := stores[0].SendQueueStats(ctx); err != nil || depth != 0 {
		b.Fatalf("%d sends left, %v", depth, err)
	}
}
