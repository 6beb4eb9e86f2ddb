package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

// TestTourOnPostgres plays the console tour with the bot's data in a
// PostgreSQL database ([bot] database), every feature's tables there, and
// requires the transcript the tour's golden holds: the start-up wiring
// opens the hub's store, and the bot answers the same on it.
func TestTourOnPostgres(t *testing.T) {
	url := storetest.Schema(t)
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	cfg.Bot.Database = url
	script, err := os.ReadFile("testdata/tour.script")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/tour.golden")
	if err != nil {
		t.Fatal(err)
	}
	startAt, _, err := consoleClockStart(console.DefaultStart, false, consoleScript{text: script}, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	clock := bot.NewManualClock(startAt)
	con := console.New(&out, clock)
	log := slog.New(slog.NewTextHandler(&errOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	a, err := startConsoleApp(ctx, cfg, log, cfg.dataPath("console.db"), clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	if code := playConsoleScript(ctx, con, bytes.NewReader(script), &errOut); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, errOut.String())
	}
	if out.String() != string(want) {
		w, g := strings.Split(string(want), "\n"), strings.Split(out.String(), "\n")
		for i := 0; i < max(len(w), len(g)); i++ {
			if i >= len(w) || i >= len(g) || w[i] != g[i] {
				t.Fatalf("the tour on PostgreSQL differs from testdata/tour.golden at line %d:\nwant %q\n got %q", i+1, at(w, i), at(g, i))
			}
		}
	}
	if a.store.Backend() != sqlite.Postgres {
		t.Fatalf("the store is on %v", a.store.Backend())
	}
	var people int
	if err := a.store.Raw().QueryRow(`SELECT COUNT(*) FROM people`).Scan(&people); err != nil || people == 0 {
		t.Errorf("people in the hub: %d, %v", people, err)
	}
	if _, err := os.Stat(cfg.dataPath("console.db")); err == nil {
		t.Error("a SQLite file was made although the data is in PostgreSQL")
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end)"
}

// The WhatsApp session follows [bot] database: the SQLite file in the data
// directory by default, whatsmeow's tables in the PostgreSQL database when
// it is set (and then no session file).
func TestSessionFollowsTheDatabaseSetting(t *testing.T) {
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	sess, err := openWhatsAppSession(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	sess.Close()
	if _, err := os.Stat(cfg.dataPath("whatsapp.db")); err != nil {
		t.Fatalf("no session file by default: %v", err)
	}

	cfg.Bot.DataDir = t.TempDir()
	cfg.Bot.Database = storetest.Schema(t)
	sess, err = openWhatsAppSession(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if sess.Linked() {
		t.Error("an empty hub has a linked device")
	}
	sess.Close()
	if _, err := os.Stat(cfg.dataPath("whatsapp.db")); err == nil {
		t.Error("a session file was made although the session is in PostgreSQL")
	}
	st := storetest.PostgresBackend.OpenOn(t, cfg.Bot.Database)
	var tables int
	if err := st.Raw().QueryRow(`SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('whatsmeow_device', 'neighbourbot_sent')`).Scan(&tables); err != nil || tables != 2 {
		t.Errorf("session tables in the hub: %d, %v", tables, err)
	}
}
