package bot_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestRunWorkerProcessesQueueAndDrainsOnShutdown feeds messages from
// several goroutines (as a transport's event loop would) while the worker
// runs, then cancels: everything queued before the cancel is handled, once.
func TestRunWorkerProcessesQueueAndDrainsOnShutdown(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\n")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Engine.Run(ctx) }()

	chat := bot.Chat{ID: "group:street", IsGroup: true}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				m := &bot.Message{ID: fmt.Sprintf("w%d-%d", g, i%20), Chat: chat, // 5 redeliveries each
					Sender: bot.Sender{Addr: "Bob", Name: "Bob"}, Text: "!count", Time: h.Clock.Now()}
				if err := h.Engine.DeliverMessage(context.Background(), m); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if calls != 80 {
		t.Errorf("handled %d commands, want 80 (100 deliveries, 20 of them duplicates)", calls)
	}
}

// TestRunExecutesDueJobs checks the worker's ticker runs jobs that fall due
// on the engine's clock.
func TestRunExecutesDueJobs(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	ran := make(chan time.Time, 1)
	h.Kit("test").Jobs.HandleJob("ping", func(ctx context.Context, j bot.Job) error {
		ran <- h.Now()
		return nil
	})
	due := h.Clock.Now().Add(time.Hour)
	if err := h.Kit("test").Jobs.Schedule(context.Background(), "ping", "", due, nil); err != nil {
		t.Fatal(err)
	}
	e := bot.NewEngine(bot.Config{JobInterval: time.Millisecond}, h.Store, h.Console, h.Clock)
	k := e.Kit("test")
	k.Jobs.HandleJob("ping", func(ctx context.Context, j bot.Job) error { ran <- k.Clock.Now(); return nil })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go e.Run(ctx)
	select {
	case at := <-ran:
		t.Fatalf("job ran early at %v", at)
	case <-time.After(20 * time.Millisecond):
	}
	h.Clock.Set(due)
	select {
	case at := <-ran:
		if !at.Equal(due) {
			t.Errorf("ran at %v", at)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("due job not run by the worker")
	}
}
