package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

const lease = time.Minute

// Two processes on one database: what one claimed the other skips until
// the lease lapses, and then takes over; the first, late, finds the job no
// longer current and cannot finish the new claimer's run.
func TestClaimedJobsWaitForTheLease(t *testing.T) {
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend) {
		place := b.NewPlace(t)
		a, c := b.OpenOn(t, place), b.OpenOn(t, place)
		ctx := context.Background()
		for i := range 3 {
			if _, err := a.ScheduleJob(ctx, bot.Job{Kind: "k", Key: fmt.Sprint("j", i), RunAt: t0.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := a.ScheduleJob(ctx, bot.Job{Kind: "k", Key: "later", RunAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		now := t0.Add(time.Minute)
		first, err := a.ClaimJobs(ctx, "a", now, lease, 2)
		if err != nil || len(first) != 2 || first[0].Key != "j0" || first[1].Key != "j1" {
			t.Fatalf("a claimed %+v, %v", first, err)
		}
		rest, err := c.ClaimJobs(ctx, "c", now, lease, 10)
		if err != nil || len(rest) != 1 || rest[0].Key != "j2" {
			t.Fatalf("c claimed %+v, %v; want only j2", rest, err)
		}
		if more, _ := c.ClaimJobs(ctx, "c", now.Add(lease-time.Millisecond), lease, 10); len(more) != 0 {
			t.Fatalf("c claimed %+v under a's live lease", more)
		}
		// a's process is gone: its lease lapses and c takes the jobs over.
		taken, err := c.ClaimJobs(ctx, "c", now.Add(lease), lease, 10)
		if err != nil || len(taken) != 3 {
			t.Fatalf("take-over claimed %+v, %v; want a's two and c's own lapsed one", taken, err)
		}
		if ok, _ := a.JobCurrent(ctx, first[0]); ok {
			t.Error("a's run is still current after the take-over")
		}
		if err := a.FinishJob(ctx, first[0]); err != nil {
			t.Fatal(err)
		}
		if ok, _ := c.JobCurrent(ctx, taken[0]); !ok {
			t.Fatal("a's late finish removed c's run")
		}
		// A retry ends the claim: the job is claimable at its new time.
		// (c's other two stay under its live lease.)
		retryAt := now.Add(lease + lease/2)
		if err := c.RetryJob(ctx, taken[0], retryAt, "boom"); err != nil {
			t.Fatal(err)
		}
		again, _ := a.ClaimJobs(ctx, "a", retryAt, lease, 10)
		if len(again) != 1 || again[0].ID != taken[0].ID || again[0].Attempts != 1 {
			t.Fatalf("after the retry a claimed %+v", again)
		}
	})
}

// A claimed send holds back the later sends of its chat (order within a
// chat is kept across processes), not other chats'.
func TestClaimedSendsKeepChatOrder(t *testing.T) {
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend) {
		place := b.NewPlace(t)
		a, c := b.OpenOn(t, place), b.OpenOn(t, place)
		ctx := context.Background()
		var ids []int64
		for _, chat := range []bot.ChatID{"g1", "g1", "g2"} {
			id, err := a.QueueSend(ctx, bot.QueuedSend{Chat: chat, Kind: "text", MsgID: "m", Priority: bot.PriorityNormal, Payload: []byte("x"), Created: t0, NotBefore: t0})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if got, ok, err := a.ClaimSend(ctx, "a", t0, lease); err != nil || !ok || got.ID != ids[0] || got.Chat != "g1" || string(got.Payload) != "x" {
			t.Fatalf("a claimed %+v, %v, %v", got, ok, err)
		}
		if got, ok, _ := c.ClaimSend(ctx, "c", t0, lease); !ok || got.ID != ids[2] {
			t.Fatalf("c claimed %+v, want g2's %d", got, ids[2])
		}
		if got, ok, _ := c.ClaimSend(ctx, "c", t0, lease); ok {
			t.Fatalf("c claimed %+v: g1's second went while its first is out", got)
		}
		if got, ok, _ := c.ClaimSend(ctx, "c", t0.Add(lease), lease); !ok || got.ID != ids[0] {
			t.Fatalf("after a's lease lapsed c claimed %+v, want %d", got, ids[0])
		}
		if err := c.FinishSend(ctx, ids[0]); err != nil {
			t.Fatal(err)
		}
		if got, ok, _ := a.ClaimSend(ctx, "a", t0.Add(lease), lease); !ok || got.ID != ids[1] {
			t.Fatalf("then a claimed %+v, want %d", got, ids[1])
		}
		// A delay ends the claim.
		if err := a.DelaySend(ctx, ids[1], t0.Add(2*lease), true, "offline"); err != nil {
			t.Fatal(err)
		}
		if got, ok, _ := c.ClaimSend(ctx, "c", t0.Add(2*lease), lease); !ok || got.ID != ids[1] || got.Attempts != 1 {
			t.Fatalf("after the delay c claimed %+v", got)
		}
	})
}

// TestTwoProcessesNeverClaimTheSameWork has two stores on one database
// (two processes of a hub), each with two workers, draining 300 jobs and
// 60 sends in 6 chats at once: every job and every send is claimed exactly
// once, and each chat's sends in the order they were queued.
func TestTwoProcessesNeverClaimTheSameWork(t *testing.T) {
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend) {
		place := b.NewPlace(t)
		stores := []*sqlite.Store{b.OpenOn(t, place), b.OpenOn(t, place)}
		ctx := context.Background()
		const jobs, sends, chats = 300, 60, 6
		err := stores[0].Atomic(ctx, func(ctx context.Context) error {
			for i := range jobs {
				if _, err := stores[0].ScheduleJob(ctx, bot.Job{Kind: "k", RunAt: t0.Add(time.Duration(i%7) * time.Second)}); err != nil {
					return err
				}
			}
			for i := range sends {
				chat := bot.ChatID(fmt.Sprint("g", i%chats))
				if _, err := stores[0].QueueSend(ctx, bot.QueuedSend{Chat: chat, Kind: "text", Payload: []byte("x"), Created: t0, NotBefore: t0}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		jobClaims := map[int64]int{}
		sendClaims := map[int64]int{}
		order := map[bot.ChatID][]int64{}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := range 4 {
			st, owner := stores[w%2], fmt.Sprint("p", w%2, "w", w)
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- drain(ctx, st, owner, &mu, jobClaims, sendClaims, order)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if len(jobClaims) != jobs || len(sendClaims) != sends {
			t.Fatalf("claimed %d jobs and %d sends, want %d and %d", len(jobClaims), len(sendClaims), jobs, sends)
		}
		for id, n := range jobClaims {
			if n != 1 {
				t.Errorf("job %d claimed %d times", id, n)
			}
		}
		for id, n := range sendClaims {
			if n != 1 {
				t.Errorf("send %d claimed %d times", id, n)
			}
		}
		for chat, ids := range order {
			for i := 1; i < len(ids); i++ {
				if ids[i] < ids[i-1] {
					t.Errorf("%s's sends claimed out of order: %v", chat, ids)
					break
				}
			}
		}
		if n := count(t, stores[1], `SELECT COUNT(*) FROM jobs`) + count(t, stores[1], `SELECT COUNT(*) FROM outbox`); n != 0 {
			t.Errorf("%d rows left", n)
		}
	})
}

// drain claims and finishes jobs and sends until none are left, recording
// each claim; a job is finished in a unit of work that checks it is still
// the claimed run, as the scheduler does.
func drain(ctx context.Context, st *sqlite.Store, owner string, mu *sync.Mutex, jobClaims, sendClaims map[int64]int, order map[bot.ChatID][]int64) error {
	now := t0.Add(time.Minute)
	for {
		js, err := st.ClaimJobs(ctx, owner, now, lease, 5)
		if err != nil {
			return err
		}
		q, ok, err := st.ClaimSend(ctx, owner, now, lease)
		if err != nil {
			return err
		}
		if len(js) == 0 && !ok {
			var left int
			if err := st.Raw().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&left); err != nil || left == 0 {
				return err
			}
			continue // another worker holds the head of a chat: wait for it
		}
		mu.Lock()
		for _, j := range js {
			jobClaims[j.ID]++
		}
		if ok {
			sendClaims[q.ID]++
			order[q.Chat] = append(order[q.Chat], q.ID)
		}
		mu.Unlock()
		for _, j := range js {
			err := st.Atomic(ctx, func(ctx context.Context) error {
				if cur, err := st.JobCurrent(ctx, j); err != nil || !cur {
					return fmt.Errorf("claimed job %d not current: %v", j.ID, err)
				}
				return st.FinishJob(ctx, j)
			})
			if err != nil {
				return err
			}
		}
		if ok {
			if err := st.FinishSend(ctx, q.ID); err != nil {
				return err
			}
		}
	}
}

// On PostgreSQL a process listening on the hub is woken when another one
// queues a send, once that unit of work commits, not before.
func TestListenerWakesOnCommit(t *testing.T) {
	url := storetest.Schema(t)
	ctx := context.Background()
	a, err := postgres.Open(ctx, url, false)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	channel, err := postgres.WakeChannel(ctx, a.Raw())
	if err != nil {
		t.Fatal(err)
	}
	if other, _ := postgres.WakeChannel(ctx, storetest.OpenPostgres(t).Raw()); other == channel {
		t.Fatalf("two schemas share the wake channel %q", channel)
	}
	l, err := postgres.Listen(ctx, url, channel)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	err = a.Atomic(ctx, func(ctx context.Context) error {
		if _, err := a.QueueSend(ctx, bot.QueuedSend{Chat: "g1", Kind: "text", Payload: []byte("x"), Created: t0, NotBefore: t0}); err != nil {
			return err
		}
		select {
		case <-l.Wake():
			t.Error("woken before the unit of work committed")
		default:
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitWake := func(what string) {
		t.Helper()
		select {
		case <-l.Wake():
		case <-time.After(30 * time.Second):
			t.Fatalf("no wake 30 seconds after %s", what)
		}
	}
	waitWake("the commit")
	// One NOTIFY serves a whole unit of work, but one made in a step that
	// was rolled back went with it: the send queued after it still wakes.
	err = a.Atomic(ctx, func(ctx context.Context) error {
		_ = a.Atomic(ctx, func(ctx context.Context) error {
			a.QueueSend(ctx, bot.QueuedSend{Chat: "g1", Kind: "text", Payload: []byte("undone"), Created: t0, NotBefore: t0})
			return errors.New("step failed")
		})
		_, err := a.QueueSend(ctx, bot.QueuedSend{Chat: "g1", Kind: "text", Payload: []byte("kept"), Created: t0, NotBefore: t0})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitWake("a unit whose first queued send was rolled back")
}

// A listener whose connection the server dropped connects again and says
// so with a wake (what was notified meanwhile is not known), then hears
// notifications as before.
func TestListenerSurvivesALostConnection(t *testing.T) {
	url := storetest.Schema(t)
	ctx := context.Background()
	a, err := postgres.Open(ctx, url, false)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	channel, err := postgres.WakeChannel(ctx, a.Raw())
	if err != nil {
		t.Fatal(err)
	}
	l, err := postgres.Listen(ctx, url, channel)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var killed int
	if err := a.Raw().QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = ?`,
		`LISTEN "`+channel+`"`).Scan(&killed); err != nil || killed != 1 {
		t.Fatalf("terminated %d listening connections, %v", killed, err)
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-l.Wake():
		case <-time.After(30 * time.Second):
			t.Fatalf("no wake 30 seconds after %s", what)
		}
	}
	wait("the connection was lost")
	// The wake came once it listened again: what is queued now is heard.
	if _, err := a.QueueSend(ctx, bot.QueuedSend{Chat: "g1", Kind: "text", Payload: []byte("x"), Created: t0, NotBefore: t0}); err != nil {
		t.Fatal(err)
	}
	wait("a send queued after the reconnection")
}
