// Package bottest runs the bot core against the console transport and a
// real SQLite file in a test's temporary directory (or, with
// Options.OnPostgres, a schema of the test PostgreSQL database), so feature
// packages can test whole conversations and compare them with golden
// transcripts.
// Options.Transport wraps the console before the engine gets it; Faults is
// such a wrapper that fails chosen calls (a dropped connection, a group the
// bot was removed from) so tests need no hand-written transports.
package bottest

import (
	"bytes"
	"context"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

var update = flag.Bool("update", false, "rewrite golden transcripts in testdata/ with the current output")

// Options configure a harness.
type Options struct {
	// Migrations are the feature's schema, applied after the core's.
	Migrations []bot.Migrations
	// Register wires the feature into the engine (routes, jobs, hooks).
	Register func(h *Harness) error
	Owners   []string
	Prefix   string
	// Start is the clock's start (default console.DefaultStart).
	Start time.Time
	// DBPath reuses a database file, to simulate a restart; a PostgreSQL
	// URL opens that database instead.
	DBPath string
	// OnPostgres runs the harness on a new schema of the test PostgreSQL
	// database (bot/storetest; the test skips without one) instead of a
	// new SQLite file, when DBPath is not set.
	OnPostgres bool
	// Transport, when set, wraps the console before the engine gets it:
	// Faults.Wrap injects failures (a dropped connection, a group the bot
	// was removed from). It is called again on Restart.
	Transport func(bot.Transport) bot.Transport
}

// Harness is an engine wired to a console and a real SQLite file.
type Harness struct {
	T       testing.TB
	Engine  *bot.Engine
	Store   *sqlite.Store
	Console *console.Console
	// Transport is what the engine sends through: the console, or its
	// wrapping by Options.Transport.
	Transport bot.Transport
	Clock     *bot.ManualClock
	Out       *bytes.Buffer
	DBPath    string
	Log       *bytes.Buffer
	opts      Options
}

// EnvBackend, set to "postgres", runs every harness that does not name its
// database on PostgreSQL (as OnPostgres does): a whole package's
// conversations on the other backend, for trying a feature there
// (NEIGHBOURBOT_TEST_BACKEND=postgres scripts/pgtest go test ./commands/power/).
// Tests that read SQLite's own tables or files still need SQLite.
const EnvBackend = "NEIGHBOURBOT_TEST_BACKEND"

// New builds a harness; the database lives in t.TempDir() unless
// opts.DBPath is set. It is closed when the test ends.
func New(t testing.TB, opts Options) *Harness {
	t.Helper()
	switch {
	case opts.DBPath != "":
	case opts.OnPostgres || os.Getenv(EnvBackend) == "postgres":
		opts.DBPath = storetest.Schema(t)
	default:
		opts.DBPath = filepath.Join(t.TempDir(), "bot.db")
	}
	if opts.Start.IsZero() {
		opts.Start = console.DefaultStart
	}
	h := &Harness{T: t, opts: opts, DBPath: opts.DBPath, Out: &bytes.Buffer{}, Log: &bytes.Buffer{}}
	h.Clock = bot.NewManualClock(opts.Start)
	h.open()
	return h
}

func (h *Harness) open() {
	h.T.Helper()
	ctx := context.Background()
	var store *sqlite.Store
	var err error
	if postgres.IsURL(h.DBPath) {
		store, err = postgres.Open(ctx, h.DBPath, false, h.opts.Migrations...)
	} else {
		store, err = sqlite.Open(ctx, h.DBPath, h.opts.Migrations...)
	}
	if err != nil {
		h.T.Fatalf("open store: %v", err)
	}
	h.Store = store
	h.T.Cleanup(func() { store.Close() })
	h.Console = console.New(h.Out, h.Clock)
	log := slog.New(slog.NewTextHandler(h.Log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.Transport = h.Console
	if h.opts.Transport != nil {
		h.Transport = h.opts.Transport(h.Console)
	}
	h.Engine = bot.NewEngine(bot.Config{Prefix: h.opts.Prefix, Owners: h.opts.Owners, Log: log, SyncSends: true}, store, h.Transport, h.Clock)
	h.Console.Attach(h.Engine)
	if h.opts.Register != nil {
		if err := h.opts.Register(h); err != nil {
			h.T.Fatalf("register: %v", err)
		}
	}
	if err := h.Engine.Start(ctx); err != nil {
		h.T.Fatalf("start engine: %v", err)
	}
}

// Restart closes the store and builds a fresh engine and console over the
// same database file and clock, as a process restart would. Console state
// (groups, admins) is rebuilt by the script that follows.
func (h *Harness) Restart() {
	h.T.Helper()
	if err := h.Store.Close(); err != nil {
		h.T.Fatalf("close store: %v", err)
	}
	h.open()
}

// Run runs script lines (echoed, as in a transcript) and returns what they
// printed.
func (h *Harness) Run(script string) string {
	h.T.Helper()
	start := h.Out.Len()
	if err := h.Console.RunScript(context.Background(), strings.NewReader(script), true); err != nil {
		h.T.Fatalf("run script: %v", err)
	}
	return h.Out.String()[start:]
}

// Expect runs script and fails the test unless the output contains every want.
func (h *Harness) Expect(script string, wants ...string) string {
	h.T.Helper()
	out := h.Run(script)
	for _, w := range wants {
		if !strings.Contains(out, w) {
			h.T.Errorf("output lacks %q; got:\n%s", w, out)
		}
	}
	return out
}

// Golden runs every testdata/*.script in dir with a fresh harness each and
// compares the transcript with the .golden file beside it. Run the tests
// with -update to write the golden files after checking the output by eye.
func Golden(t *testing.T, dir string, opts Options) {
	t.Helper()
	scripts, err := filepath.Glob(filepath.Join(dir, "*.script"))
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatalf("no *.script files in %s", dir)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".script")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			o := opts
			o.DBPath = ""
			h := New(t, o)
			got := h.Run(string(src))
			CompareGolden(t, strings.TrimSuffix(script, ".script")+".golden", got)
		})
	}
}

// CompareGolden compares got with the golden file (or rewrites it with -update).
func CompareGolden(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if string(want) != got {
		t.Errorf("transcript differs from %s (run with -update after checking):\n%s", path, diff(string(want), got))
	}
}

// diff shows the first differing lines with a little context.
func diff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			var b strings.Builder
			for j := max(0, i-3); j < i; j++ {
				b.WriteString("  " + wl[j] + "\n")
			}
			b.WriteString("- " + w + "\n+ " + g + "\n")
			return b.String()
		}
	}
	return "(no line differs; check trailing newlines)"
}

// Kit is the engine's handles for the feature called name, as the wiring
// in cmd/neighbourbot gives them.
func (h *Harness) Kit(name string) bot.Kit { return h.Engine.Kit(name) }

// Now is the harness clock's time.
func (h *Harness) Now() time.Time { return h.Clock.Now() }
