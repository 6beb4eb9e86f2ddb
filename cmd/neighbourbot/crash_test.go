package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"neighbourbot/bot/console"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

// The crash tests run the real binary on testdata/crash.script (three
// groups, a simulated week of lending, loans, power checks with votes,
// potholes, notices and moderation), stop it at seeded random points and
// start it again on the same data until the script completes — what a
// crash, a reboot and WhatsApp redelivering unacknowledged messages look
// like. The final database and the messages the simulated server accepted
// must equal an uninterrupted run's: nothing lost, nothing repeated.

const crashScript = "testdata/crash.script"

// botMessageID matches a console bot message id: "b", the process's salt,
// the key of the script line it was queued during (none at start-up) and the
// send's number. Ids are opaque: a job that falls due while the bot is down
// runs at the next start instead of after its line, and its sends get other
// ids. The delivery log checks what every message said.
var botMessageID = regexp.MustCompile(`\bb[0-9a-f]{6}(?:[0-9a-f]{12})?-[0-9]+\b`)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildBinary builds neighbourbot once for the crash tests.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "neighbourbot-crash")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "neighbourbot")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// scriptRun is one console process on a data directory.
func scriptRun(bin, dir string) *exec.Cmd { return scriptRunOf(bin, dir, crashScript) }

func scriptRunOf(bin, dir, script string) *exec.Cmd {
	args := []string{"console", "-data", dir, "-script", script, "-delivery-log", filepath.Join(dir, "delivered.jsonl")}
	if url := runDatabase(dir); url != "" {
		args = append(args, "-database", url)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "NEIGHBOURBOT_CONFIG=") // defaults only
	cmd.Dir = "."
	return cmd
}

// runDir is a fresh data directory for one sequence of runs. On PostgreSQL
// (pg) the bot's data goes into a schema of its own in the test database,
// whose URL is kept in the directory (runDatabase).
func runDir(t *testing.T, pg bool) string {
	t.Helper()
	dir := t.TempDir()
	if pg {
		if err := os.WriteFile(filepath.Join(dir, "database-url"), []byte(storetest.Schema(t)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runDatabase is the PostgreSQL URL of a run's data ("" = console.db).
func runDatabase(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "database-url"))
	if err != nil {
		return ""
	}
	return string(b)
}

// runToEnd runs the script uninterrupted.
func runToEnd(t *testing.T, bin, dir string) {
	t.Helper()
	if out, err := scriptRun(bin, dir).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
}

// interrupted runs the script on a fresh data directory, stopping it with
// sig after a random delay, until a run completes. It returns the directory
// and the script lines finished at each stop.
func interrupted(t *testing.T, bin string, sig syscall.Signal, rng *rand.Rand, startup, window time.Duration, pg bool) (string, []int) {
	t.Helper()
	dir := runDir(t, pg)
	progress := filepath.Join(dir, "console-progress.json")
	var at []int
	for run := 0; run < 500; run++ {
		cmd := scriptRun(bin, dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Each run goes on from where the last stopped, so a stop a
		// little after start-up moves the script on by a random few lines
		// (or kills it while it starts).
		delay := startup + time.Duration(rng.Int64N(int64(window)))
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("run %d failed on its own: %v\n%s", run, err, stderr.String())
			}
			return dir, at
		case <-time.After(delay):
		}
		if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Fatal(err)
		}
		if err := <-done; err == nil {
			return dir, at // it finished just before the signal landed
		}
		if sig == syscall.SIGTERM && stderr.Len() > 0 && !strings.Contains(stderr.String(), "stopped by a signal") {
			t.Fatalf("run %d after SIGTERM:\n%s", run, stderr.String())
		}
		p, err := console.LoadProgress(progress)
		if err != nil {
			t.Fatal(err)
		}
		// On a machine slower now than when it was timed, stops could
		// keep landing during start-up: wait longer after five stops in
		// a row that made no progress.
		if n := len(at); n >= 5 && at[n-5] == p.Lines {
			startup += startup / 2
		}
		at = append(at, p.Lines)
	}
	t.Fatal("the script never finished")
	return "", nil
}

// stopRepeatedly runs interrupted sequences, each checked against want,
// until at least minStops stops have been made in all.
func stopRepeatedly(t *testing.T, sig syscall.Signal, seed uint64, minStops int, pg bool) []int {
	t.Helper()
	bin := buildBinary(t)
	want := runDir(t, pg)
	runToEnd(t, bin, want)
	startup, window := timings(t, bin, minStops, pg)
	// NEIGHBOURBOT_TEST_CRASH_SEED tries other stop points (the default is
	// fixed so that CI runs are comparable).
	if v, err := strconv.ParseUint(os.Getenv("NEIGHBOURBOT_TEST_CRASH_SEED"), 10, 64); err == nil {
		seed = v
	}
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, uint64(sig)))
	var all []int
	for seq := 1; len(all) < minStops; seq++ {
		if seq > 20 {
			t.Fatalf("only %d stops in 20 runs of the script", len(all))
		}
		dir, at := interrupted(t, bin, sig, rng, startup, window, pg)
		t.Logf("run %d of the script: %d stops, after lines %v", seq, len(at), at)
		compareRuns(t, want, dir)
		all = append(all, at...)
		// On a machine faster now than when it was timed (another job
		// on it ended), the script outruns the delays and finishes with
		// hardly a stop: aim earlier and tighter from then on.
		if len(at) < 2 {
			startup /= 2
			window = max(window/2, 2*time.Millisecond)
		}
	}
	return all
}

// tableDump reads every table of the bot's database as sorted lines, for
// comparing two runs. The send queue must be empty at the end; jobs are
// compared without their row ids (a restart's housekeeping may book a job
// again under the same key).
func tableDump(t *testing.T, dir string) map[string][]string {
	t.Helper()
	var st *sqlite.Store
	var err error
	if url := runDatabase(dir); url != "" {
		st, err = postgres.Open(context.Background(), url, false)
	} else {
		st, err = sqlite.Open(context.Background(), filepath.Join(dir, "console.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return dumpStore(t, st)
}

// dumpStore is tableDump of an open store.
func dumpStore(t *testing.T, st *sqlite.Store) map[string][]string {
	t.Helper()
	db := st.Raw()
	tables, err := botTables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, table := range tables {
		q := "SELECT * FROM " + table
		if table == "jobs" {
			q = "SELECT kind, key, run_at, payload, attempts FROM jobs"
		}
		r, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if i > 0 {
					b.WriteString(" | ")
				}
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprint(&b, v)
			}
			out[table] = append(out[table], botMessageID.ReplaceAllString(b.String(), "<message id>"))
		}
		r.Close()
		sort.Strings(out[table])
	}
	return out
}

// deliveredMessages reads what the simulated server accepted: each message
// as "chat: text", in order, and reports ids accepted twice.
func deliveredMessages(t *testing.T, dir string) ([]string, []string) {
	t.Helper()
	log, err := console.ReadDeliveryLog(filepath.Join(dir, "delivered.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var msgs, twice []string
	for _, d := range log {
		if seen[d.ID] {
			twice = append(twice, d.ID)
		}
		seen[d.ID] = true
		msgs = append(msgs, d.Chat+": "+d.Text)
	}
	return msgs, twice
}

// compareRuns fails the test for any difference between an uninterrupted
// run (want) and an interrupted one (got).
func compareRuns(t *testing.T, wantDir, gotDir string) {
	t.Helper()
	want, got := tableDump(t, wantDir), tableDump(t, gotDir)
	if n := len(got["outbox"]); n != 0 {
		t.Errorf("%d sends still queued at the end: %q", n, got["outbox"])
	}
	for table := range want {
		if !slices.Equal(want[table], got[table]) {
			t.Errorf("table %s differs from the uninterrupted run:\nwant %d rows:\n  %s\ngot %d rows:\n  %s", table,
				len(want[table]), strings.Join(want[table], "\n  "), len(got[table]), strings.Join(got[table], "\n  "))
		}
	}
	wantMsgs, _ := deliveredMessages(t, wantDir)
	gotMsgs, twice := deliveredMessages(t, gotDir)
	if len(twice) > 0 {
		t.Errorf("message ids accepted twice: %v", twice)
	}
	lost, repeated := multisetDiff(wantMsgs, gotMsgs)
	if len(lost) > 0 || len(repeated) > 0 {
		t.Errorf("%d bot messages lost, %d repeated:\nlost:\n  %s\nrepeated:\n  %s", len(lost), len(repeated),
			strings.Join(lost, "\n  "), strings.Join(repeated, "\n  "))
	}
	t.Logf("%d bot messages, %d tables compared", len(wantMsgs), len(want))
}

// multisetDiff returns what want has more of than got (lost) and what got
// has more of than want (repeated).
func multisetDiff(want, got []string) (lost, repeated []string) {
	count := map[string]int{}
	for _, s := range want {
		count[s]++
	}
	for _, s := range got {
		count[s]--
	}
	for s, n := range count {
		for ; n > 0; n-- {
			lost = append(lost, s)
		}
		for ; n < 0; n++ {
			repeated = append(repeated, s)
		}
	}
	sort.Strings(lost)
	sort.Strings(repeated)
	return lost, repeated
}

// timings measures a process's start-up (a one-line script) and an
// uninterrupted run, and returns the start-up and the window after it in
// which a stop falls: small enough that minStops stops cover the script.
func timings(t *testing.T, bin string, minStops int, pg bool) (startup, window time.Duration) {
	t.Helper()
	one := filepath.Join(t.TempDir(), "one.script")
	if err := os.WriteFile(one, []byte("# nothing\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	startup = time.Hour
	for range 3 {
		start := time.Now()
		if out, err := scriptRunOf(bin, runDir(t, pg), one).CombinedOutput(); err != nil {
			t.Fatalf("start-up run: %v\n%s", err, out)
		}
		startup = min(startup, time.Since(start))
	}
	start := time.Now()
	runToEnd(t, bin, runDir(t, pg))
	whole := time.Since(start)
	window = max((whole-startup)*2/time.Duration(minStops), 2*time.Millisecond)
	return startup * 8 / 10, window
}

func TestCrashAtRandomPointsLosesAndRepeatsNothing(t *testing.T) {
	at := stopRepeatedly(t, syscall.SIGKILL, 20261204, 24, false)
	wantSpread(t, at)
}

func TestSigtermAtRandomPointsLosesAndRepeatsNothing(t *testing.T) {
	stopRepeatedly(t, syscall.SIGTERM, 20261204, 20, false)
}

// The SIGTERM sequences with the bot's data in PostgreSQL (console
// -database; the uninterrupted run and each sequence on a schema of its
// own). The kill -9 sequences do not pass there yet: PostgreSQL does not
// hand back identity values taken by work that was rolled back (or whose
// insert found its row), so after a kill and a restart a report or person
// made again gets the next number (P2 where the uninterrupted run said
// P1), and the script's later "!metoo P1" meets no report.
func TestSigtermAtRandomPointsOnPostgres(t *testing.T) {
	storetest.RequirePostgres(t)
	stopRepeatedly(t, syscall.SIGTERM, 20261204, 20, true)
}

// wantSpread checks that the stops fell in every third of the script, not
// only at its start.
func wantSpread(t *testing.T, at []int) {
	t.Helper()
	lines := 0
	if b, err := os.ReadFile(crashScript); err == nil {
		lines = strings.Count(string(b), "\n")
	}
	var thirds [3]int
	for _, n := range at {
		thirds[min(n*3/max(lines, 1), 2)]++
	}
	if thirds[0] == 0 || thirds[1] == 0 || thirds[2] == 0 {
		t.Errorf("stops not spread over the run: %v per third of %d lines (at %v)", thirds, lines, at)
	}
}
