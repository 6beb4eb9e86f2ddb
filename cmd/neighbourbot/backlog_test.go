package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

func TestBacklogNoticeText(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	day := func(h, m int) time.Time { return time.Date(2026, 7, 6, h, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name                    string
		offline, cutoff, online time.Time
		want                    string
	}{
		{"outage seen", day(13, 2), day(14, 30), day(14, 40),
			"I was offline 14:02–15:40 and ignored commands sent before 15:30 — please send them again."},
		{"after a restart", time.Time{}, day(14, 30), day(14, 40),
			"I was offline until 15:40 and ignored commands sent before 15:30 — please send them again."},
		{"held back by WhatsApp", day(14, 35), day(14, 30), day(14, 40),
			"I was offline until 15:40 and ignored commands sent before 15:30 — please send them again."},
		{"overnight", day(13, 2).Add(-24 * time.Hour), day(14, 30), day(14, 40),
			"I was offline Sun 5 Jul 14:02–15:40 and ignored commands sent before 15:30 — please send them again."},
	} {
		if got := backlogNoticeText(tc.offline, tc.cutoff, tc.online, london); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

// The notice goes through the engine (its worker, a unit of work, Send),
// only to chats where the bot is on.
func TestBacklogNoticeGoesThroughTheEngine(t *testing.T) {
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	var out strings.Builder
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&out, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(cfg.Bot.DataDir, "console.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	con.Attach(a.engine)
	if err := con.RunScript(ctx, strings.NewReader("@group street Elm Road\n@admin Alice\nAlice: !bot on\n@group quiet Ash Close\nBob: hello\n"), true); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.engine.Run(runCtx) }()
	defer func() { stop(); <-done }()

	n := &backlogNotice{engine: a.engine, kit: a.engine.Kit("backlog"), loc: time.UTC}
	if !n.IsCommand("!lend ladder") || !n.IsCommand("! help") || n.IsCommand("anyone got a ladder?") {
		t.Fatal("IsCommand does not follow the router")
	}
	online := clock.Now()
	out.Reset()
	for _, chat := range []bot.Chat{{ID: "group:street", IsGroup: true}, {ID: "group:quiet", IsGroup: true}} {
		if err := n.SkippedCommands(ctx, chat, online.Add(-time.Hour), online.Add(-10*time.Minute), online); err != nil {
			t.Fatal(err)
		}
	}
	want := "[street] bot: I was offline 08:00–09:00 and ignored commands sent before 08:50 — please send them again.\n"
	if out.String() != want {
		t.Fatalf("sent:\n%s\nwant only the enabled group:\n%s", out.String(), want)
	}
}
