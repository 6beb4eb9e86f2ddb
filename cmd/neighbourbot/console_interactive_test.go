package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/term"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

// TestInteractiveConsole types at the prompt through x/term's line editor,
// as a terminal would send the keys: Up recalls the last line, a bare
// "!help" is said by the last speaker, and @advance reports the new time
// even when nothing falls due.
func TestInteractiveConsole(t *testing.T) {
	ctx := context.Background()
	keys := "@admin Alice\r" +
		"Alice: !bot on\r" +
		"!help\r" + // said by Alice
		"\x1b[A\r" + // Up, Enter: !help again
		"dm Bob: hello\r" +
		"!mydata\r" + // said by Bob, in his direct chat
		"@advance 1h\r" +
		"!hepx\x7f\x1b[Dl\r" // "!hepx", Backspace, Left, "l": "!help"
	var screen bytes.Buffer
	tty := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{strings.NewReader(keys), &screen}, "> ")
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&switchWriter{w: tty}, clock)
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(cfg.Bot.DataDir, "console.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	con.Attach(a.engine)
	if code := interactiveConsole(ctx, con, tty, tty); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	out := strings.ReplaceAll(screen.String(), "\r\n", "\n")
	for _, want := range []string{
		"-- Alice: !help\n",
		"-- dm Bob: !mydata\n",
		"[dm Bob] bot: ",
		"-- now Mon 5 Jan 2026 10:00 UTC\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}
	// Typed, recalled with Up (a repeat within minutes: a pointer to the
	// list above, or to Bob privately — the third is Bob's, in his chat),
	// mended with Left and Backspace.
	if n, m := strings.Count(out, "bot: Commands —"), strings.Count(out, "bot: See the list above ↑"); n != 2 || m != 1 {
		t.Errorf("help shown %d times and pointed to %d times, want 2 and 1:\n%s", n, m, out)
	}
	if strings.Contains(out, "^[[A") || strings.Contains(out, "expected NAME") {
		t.Errorf("raw escape or a refused bare line on screen:\n%s", out)
	}
}
