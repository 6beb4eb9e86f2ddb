package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

// TestPeriodsReloadOnHangup: the bot reads election periods from the file
// again on SIGHUP (a signal on the channel here): a notice held by a period
// goes out once the period is removed from the file, with no restart; a
// broken file changes nothing. The command line lists the periods.
func TestPeriodsReloadOnHangup(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	base := "[bot]\ndata_dir = \"" + filepath.ToSlash(filepath.Join(dir, "data")) + "\"\n\n[notices]\nsource_name = \"Shropshire Council\"\n"
	period := "\n[[notices.election_periods]]\nname = \"County elections\"\nstart = \"2026-01-01\"\nend = \"2026-01-31\"\n"
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(base + period)
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, logs syncBuffer
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&out, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), filepath.Join(dir, "bot.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	con.Attach(a.engine)
	script := "@admin Alice\nAlice: !bot on\nAlice: !notices on\n" +
		`@notice {"id":"lib-1","title":"Library hours change","topics":["events"]}` + "\n"
	if err := con.RunScript(ctx, strings.NewReader(script), true); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "*Library hours change*") {
		t.Fatalf("the period should hold the notice:\n%s", out.String())
	}

	if got := a.notices.PeriodsInForce(); len(got) != 1 || got[0].Name != "County elections" {
		t.Fatalf("periods in force before the reload: %+v", got)
	}

	go func() { _ = a.engine.Run(ctx) }()
	hup := make(chan os.Signal, 1)
	done := make(chan error, 1)
	go func() { done <- reloadPeriodsOn(ctx, hup, a, a.notices) }()

	write("this is [not toml")
	hup <- os.Interrupt // any signal value; the channel stands for SIGHUP
	waitFor(t, &logs, "configuration not reloaded")

	write(base)
	hup <- os.Interrupt
	waitFor(t, &logs, "election periods reloaded")
	// What the staff page's compose preview reads follows the reload.
	if got := a.notices.PeriodsInForce(); len(got) != 0 {
		t.Errorf("periods in force after the reload: %+v", got)
	}
	// The reload released the held delivery; the next due jobs send it.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "*Library hours change*") {
		if time.Now().After(deadline) {
			t.Fatalf("the held notice did not go out after the reload:\n%s\nlog:\n%s", out.String(), logs.String())
		}
		done := make(chan struct{})
		_ = a.engine.Enqueue(ctx, func(ctx context.Context) { a.engine.RunDueJobs(ctx); close(done) })
		<-done
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a buffer the engine's worker writes while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func waitFor(t *testing.T, logs *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %q:\n%s", want, logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNoticesPeriodsCommandLine(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	text := "[bot]\ndata_dir = \"" + filepath.ToSlash(filepath.Join(dir, "data")) + "\"\n\n[notices]\nelection_hold = \"refuse\"\n" +
		"\n[[notices.election_periods]]\nname = \"County elections\"\nstart = \"2020-04-01\"\nend = \"2020-05-06\"\n" +
		"\n[[notices.election_periods]]\nname = \"Meole by-election\"\nstart = \"2099-01-01\"\nend = \"2099-02-01\"\nareas = [\"sy3 7\"]\n"
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	store, err := openStore(context.Background(), cfg.dataPath("neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	var out, errb bytes.Buffer
	if code := runNoticesCLI(context.Background(), []string{"-config", cfgPath, "periods"}, &out, &errb); code != exitOK {
		t.Fatalf("periods: %d %s", code, errb.String())
	}
	for _, want := range []string{
		"County elections: Wed 1 Apr 2020 00:00 to Thu 7 May 2020 00:00 (whole council) — past",
		"Meole by-election: Thu 1 Jan 2099 00:00 to Mon 2 Feb 2099 00:00 (SY3 7) — to come",
		"are refused; emergencies go out. 0 deliveries are waiting now.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("periods output lacks %q:\n%s", want, out.String())
		}
	}
}
