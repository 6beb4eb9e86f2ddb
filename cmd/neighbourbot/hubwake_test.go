package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/storetest"
)

// A bot running on a hub hears the NOTIFY of another process that queued
// a send and sends it at once, not after its sender's idle half minute.
func TestRunOnAHubWakesOnAnotherProcessesSend(t *testing.T) {
	url := storetest.Schema(t)
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	cfg.Bot.Database = url
	var out lockedBuffer
	clock := bot.NewManualClock(console.DefaultStart)
	tr := console.New(&out, clock)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := newApp(ctx, cfg, log, "", tr, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	if a.wake == nil {
		t.Fatal("no listener on a hub")
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.engine.Run(runCtx) }()
	defer func() {
		stop()
		<-done
	}()
	time.Sleep(100 * time.Millisecond) // the sender has looked and found nothing

	other, err := postgres.Open(ctx, url, true, allMigrations()...)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	m := bot.OutMessage{Chat: "alice", ID: "from-the-other-process", Text: "Your loan is due back tomorrow."}
	payload, _ := json.Marshal(m)
	if err := other.Atomic(ctx, func(ctx context.Context) error {
		_, err := other.QueueSend(ctx, bot.QueuedSend{Chat: m.Chat, Kind: "text", MsgID: m.ID, Priority: bot.PriorityNormal,
			Payload: payload, Created: clock.Now(), NotBefore: clock.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Real time only bounds the wait for the engine's goroutines.
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), m.Text) {
		if time.Now().After(deadline) {
			t.Fatalf("not sent within 15 s of the other process's commit; transcript:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
