package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/store/sqlstore"

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

// TestConsoleSubcommandOnPostgres runs "neighbourbot console -database"
// as a user would: the tour's transcript is its golden, no console.db is
// made, a later run says it carries on, -reset empties the bot's tables
// (the golden again, another program's table kept), and -reset refuses a
// database holding a linked WhatsApp session, changing nothing.
func TestConsoleSubcommandOnPostgres(t *testing.T) {
	url := storetest.Schema(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "neighbourbot.toml")
	if err := os.WriteFile(cfgPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/tour.golden")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run := func(stdin string, extra ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		args := append([]string{"-config", cfgPath, "-data", dir, "-database", url}, extra...)
		code := runConsole(ctx, args, strings.NewReader(stdin), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	tour := func(extra ...string) string {
		t.Helper()
		code, out, errOut := run("", append([]string{"-script", "testdata/tour.script"}, extra...)...)
		if code != exitOK {
			t.Fatalf("exit %d:\n%s", code, errOut)
		}
		if out != string(want) {
			w, g := strings.Split(string(want), "\n"), strings.Split(out, "\n")
			for i := 0; i < max(len(w), len(g)); i++ {
				if i >= len(w) || i >= len(g) || w[i] != g[i] {
					t.Fatalf("console -database differs from testdata/tour.golden at line %d:\nwant %q\n got %q", i+1, at(w, i), at(g, i))
				}
			}
		}
		return errOut
	}
	if errOut := tour(); strings.Contains(errOut, "carrying on") {
		t.Errorf("a first run says it carries on: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "console.db")); err == nil {
		t.Error("console.db was made although the data is in PostgreSQL")
	}
	if code, _, errOut := run(""); code != exitOK || !strings.Contains(errOut, "carrying on with the data of an earlier run") {
		t.Errorf("a second run: exit %d, %q", code, errOut)
	}

	st := storetest.PostgresBackend.OpenOn(t, url)
	if _, err := st.Raw().Exec(`CREATE TABLE other_program (x BIGINT)`); err != nil {
		t.Fatal(err)
	}
	if errOut := tour("-reset"); strings.Contains(errOut, "carrying on") {
		t.Errorf("-reset carries on: %s", errOut)
	}
	if ok, err := hubTableExists(ctx, st.Raw(), "other_program"); err != nil || !ok {
		t.Errorf("-reset dropped a table that is not the bot's: %v %v", ok, err)
	}

	linkDevice(t, sqlstore.NewWithDB(st.Raw(), "postgres", nil))
	before := peopleIn(t, st)
	code, _, errOut := run("", "-reset")
	if code == exitOK || !strings.Contains(errOut, "linked WhatsApp session") || strings.Contains(errOut, "447700900123") {
		t.Errorf("-reset on a linked hub: exit %d, %q", code, errOut)
	}
	if after := peopleIn(t, st); after != before || after == 0 {
		t.Errorf("people before the refused reset %d, after %d", before, after)
	}
}

func peopleIn(t *testing.T, st *sqlite.Store) int {
	t.Helper()
	var n int
	if err := st.Raw().QueryRow(`SELECT COUNT(*) FROM people`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
