package power

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/sqlite"
)

// offlineTransport is the console with WhatsApp briefly unreachable: the
// first few verdicts fail to send.
type offlineTransport struct {
	*console.Console
	failures int
}

func (t *offlineTransport) Send(ctx context.Context, m bot.OutMessage) (string, error) {
	if t.failures > 0 && strings.HasPrefix(m.Text, "Power check result") {
		t.failures--
		return "", bot.ErrNotConnected
	}
	return t.Console.Send(ctx, m)
}

// TestVerdictResentWhenOffline: a verdict that cannot be sent is retried
// by a job of its own until it goes out, once.
func TestVerdictResentWhenOffline(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"), Migrations())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	var out bytes.Buffer
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&out, clock)
	tr := &offlineTransport{Console: con, failures: 2}
	e := bot.NewEngine(bot.Config{}, store, tr, clock)
	con.Attach(e)
	if err := Register(e, DefaultConfig(), Deps{}); err != nil {
		t.Fatal(err)
	}
	run := func(script string) string {
		start := out.Len()
		if err := con.RunScript(ctx, strings.NewReader(script), true); err != nil {
			t.Fatal(err)
		}
		return out.String()[start:]
	}
	if got := run(setup + "Alice: !power\nBob: !off\n@advance 15m\n"); strings.Contains(got, "Power check result") {
		t.Fatalf("verdict sent while offline:\n%s", got)
	}
	if got := run("@advance 1m\n"); strings.Contains(got, "Power check result") {
		t.Fatalf("verdict sent while still offline:\n%s", got)
	}
	got := run("@advance 10m\n")
	if n := strings.Count(got, "Power check result: 2 homes off, 0 on."); n != 1 {
		t.Fatalf("verdict sent %d times after reconnecting:\n%s", n, got)
	}
	if got := run("@advance 1h\n"); strings.Contains(got, "Power check result") {
		t.Fatalf("verdict repeated:\n%s", got)
	}
}
