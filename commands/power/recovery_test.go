package power

import (
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// loseJobs deletes the power jobs, as a crash between committing a check
// and scheduling its jobs would leave things.
func loseJobs(t *testing.T, h *bottest.Harness) {
	t.Helper()
	res, err := h.Store.DB().Exec(`DELETE FROM jobs WHERE kind LIKE 'power.%'`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatal("no power jobs to lose")
	}
}

// TestLostWindowJobDoesNotBlockTheGroup: with the check's jobs gone, the
// next command finds the window over and gives the verdict there and then,
// instead of "a power check is already running" for ever.
func TestLostWindowJobDoesNotBlockTheGroup(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup + "Alice: !power\nBob: !off\n")
	loseJobs(t, h)
	if out := h.Run("@advance 30m\n"); strings.Contains(out, "Power check result") {
		t.Fatalf("verdict without a job:\n%s", out)
	}
	out := h.Expect("Carol: !power\n",
		"finished at 09:30: 2 homes off, 0 on. Result below.",
		"Power check result: 2 homes off, 0 on.",
		"A power cut has been open here since 09:00 (2 homes off at the peak).")
	if strings.Contains(out, "already running") {
		t.Errorf("the lost check still blocks the group:\n%s", out)
	}
	if got := queryString(t, h.Store.DB(), `SELECT state || ',' || verdict FROM power_checks`); got != "ended,several" {
		t.Errorf("check after the late verdict: %q", got)
	}

	// A typed answer or a poll vote after the window also settles it.
	h2 := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h2.Run(setup + "Alice: !power\n")
	loseJobs(t, h2)
	h2.Expect("@advance 20m\nBob: !off\n",
		"Power check result: 1 home off, 0 on.",
		"The power check has finished — its result is above.")
	h2.Expect("Bob: !power\n", "Power check started by Bob")
}

// TestLostJobsRescheduledOnStart: after a restart, an unfinished check
// whose jobs were lost gets its verdict and its expiry without anyone
// typing anything.
func TestLostJobsRescheduledOnStart(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup + "Alice: !power\nBob: !off\n")
	loseJobs(t, h)
	h.Restart()
	h.Expect("@group street Elm Road\n@advance 15m\n", "Power check result: 2 homes off, 0 on.")
	h.Run("@advance 3d\n")
	if got := queryString(t, h.Store.DB(), `SELECT state FROM power_checks`); got != stateClosed {
		t.Errorf("check after close_after: %q", got)
	}
}

// TestLostCheckPastCloseAfterClosesQuietly: found days later, a check
// whose jobs were lost is closed without a stale verdict, and a new one
// starts.
func TestLostCheckPastCloseAfterClosesQuietly(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup + "Alice: !power\nBob: !off\n")
	loseJobs(t, h)
	h.Run("@advance 4d\n")
	out := h.Expect("Carol: !power\n", "Power check started by Carol")
	if strings.Contains(out, "Power check result") {
		t.Errorf("stale verdict posted:\n%s", out)
	}
	if got := queryString(t, h.Store.DB(), `SELECT group_concat(state, ',') FROM power_checks`); got != "closed,open" {
		t.Errorf("checks: %q", got)
	}
}

// TestFailedScheduleLeavesNoCheck: when a check's jobs cannot be
// scheduled, the check is taken back, so the group is not left behind one
// nobody was told about, and the next !power works.
func TestFailedScheduleLeavesNoCheck(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup)
	db := h.Store.DB()
	if _, err := db.Exec(`CREATE TRIGGER fail_power_expiry BEFORE INSERT ON jobs WHEN NEW.kind = 'power.expire'
		BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`); err != nil {
		t.Fatal(err)
	}
	out := h.Expect("Alice: !power\n", "Sorry, something went wrong")
	if strings.Contains(out, "Power check started") {
		t.Errorf("check announced although its jobs failed:\n%s", out)
	}
	if n := queryString(t, db, `SELECT COUNT(*) FROM power_checks`) + "/" + queryString(t, db, `SELECT COUNT(*) FROM power_votes`) +
		"/" + queryString(t, db, `SELECT COUNT(*) FROM jobs WHERE kind LIKE 'power.%'`); n != "0/0/0" {
		t.Errorf("checks/votes/jobs left behind: %s", n)
	}
	if _, err := db.Exec(`DROP TRIGGER fail_power_expiry`); err != nil {
		t.Fatal(err)
	}
	h.Expect("Alice: !power\n", "Power check started by Alice")
}
