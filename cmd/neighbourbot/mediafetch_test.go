package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/sqlite"
)

// sendSignal passes every send on to the console and reports its text,
// and whether each download ran inside a unit of work (it must not: the
// writer would wait on the network).
type sendSignal struct {
	*console.Console
	sent      chan string
	downloads chan bool
}

func (s sendSignal) Download(ctx context.Context, m *bot.Media) ([]byte, error) {
	s.downloads <- sqlite.InUnitOfWork(ctx)
	return s.Console.Download(ctx, m)
}

func (s sendSignal) Send(ctx context.Context, m bot.OutMessage) (string, error) {
	id, err := s.Console.Send(ctx, m)
	s.sent <- m.Text
	return id, err
}

// Wired as against WhatsApp (attachments downloaded after the message is
// acknowledged, sends drained by the worker), a pothole filed with a photo
// still gets its photo, and the resident one reply that says so.
func TestPotholePhotoIsKeptWhenDownloadedAfterTheMessage(t *testing.T) {
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(io.Discard, clock)
	tr := sendSignal{Console: con, sent: make(chan string, 32), downloads: make(chan bool, 8)}
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(cfg.Bot.DataDir, "nb.db"), tr, clock, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.store.Close() })
	con.Attach(a.engine)
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- a.engine.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	}()

	script := "@admin Alice\nAlice: !bot on\nAlice [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n"
	if err := con.RunScript(ctx, strings.NewReader(script), false); err != nil {
		t.Fatal(err)
	}
	var logged string
	for logged == "" {
		select {
		case text := <-tr.sent:
			if strings.HasPrefix(text, "Logged P1") {
				logged = text
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no answer to the pothole with a photo")
		}
	}
	if !strings.Contains(logged, "with photo and location") || strings.Contains(logged, "couldn't fetch") {
		t.Fatalf("reply = %q", logged)
	}
	if len(tr.downloads) != 1 || <-tr.downloads {
		t.Fatal("the photo was not downloaded once, outside any transaction")
	}
	var photos int
	if err := a.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM pothole_photos WHERE report_id = 1`).Scan(&photos); err != nil {
		t.Fatal(err)
	}
	if photos != 1 {
		t.Fatalf("%d photos on P1, want 1", photos)
	}
}
