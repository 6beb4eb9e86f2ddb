package power

import (
	"context"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// loseJobs deletes the power jobs, as a crash between committing a check
// and scheduling its jobs would leave things.
func loseJobs(t *testing.T, h *bottest.Harness) {
	t.Helper()
	res, err := h.Store.Raw().Exec(`DELETE FROM jobs WHERE kind LIKE 'power.%'`)
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
	if got := queryString(t, h.Store.Raw(), `SELECT state || ',' || verdict FROM power_checks`); got != "ended,several" {
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
	if got := queryString(t, h.Store.Raw(), `SELECT state FROM power_checks`); got != stateClosed {
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
	if got := queryString(t, h.Store.Raw(), `SELECT group_concat(state, ',') FROM power_checks`); got != "closed,open" {
		t.Errorf("checks: %q", got)
	}
}

// withLending registers a second feature so that power can be switched off
// with !bot features.
func withLending() bottest.Options {
	opts := harnessOptions(DefaultConfig(), Deps{})
	opts.Register = func(h *bottest.Harness) error {
		h.Kit("test").Reg.Declare(bot.Feature{Name: "lending", Description: "another feature, so power can be off"})
		return Register(h.Kit(FeatureName), DefaultConfig(), Deps{})
	}
	return opts
}

// TestVerdictNotPostedAfterFeatureSwitchedOff: admins switch power off
// while a check runs; the verdict is recorded for the history but nothing
// is posted or edited.
func TestVerdictNotPostedAfterFeatureSwitchedOff(t *testing.T) {
	h := bottest.New(t, withLending())
	h.Run(setup + "Alice: !power\nBob: !off\nAlice: !bot features lending\n")
	out := h.Run("@advance 1h\n")
	if strings.Contains(out, "bot") {
		t.Errorf("posted in a group with power switched off:\n%s", out)
	}
	if got := queryString(t, h.Store.Raw(), `SELECT state || ',' || verdict FROM power_checks`); got != "ended,several" {
		t.Errorf("verdict not recorded: %q", got)
	}
}

// resendRig is a console engine whose transport fails verdicts while
// offline is on.
type resendRig struct {
	h       *bottest.Harness
	faults  *bottest.Faults
	verdict *bottest.Fault
}

func newResendRig(t *testing.T) *resendRig {
	rg := &resendRig{faults: &bottest.Faults{}}
	rg.h = bottest.New(t, bottest.Options{Migrations: []bot.Migrations{Migrations()}, Transport: rg.faults.Wrap,
		Register: func(h *bottest.Harness) error {
			h.Kit("test").Reg.Declare(bot.Feature{Name: "lending", Description: "another feature, so power can be off"})
			return Register(h.Kit(FeatureName), DefaultConfig(), Deps{})
		}})
	return rg
}

func (rg *resendRig) offline(on bool) {
	if on {
		rg.verdict = offlineVerdicts(rg.faults, 0)
	} else {
		rg.verdict.Stop()
	}
}

func (rg *resendRig) run(script string) string { return rg.h.Run(script) }

// TestResentVerdictSkippedOnceOvertaken: a verdict waiting for WhatsApp is
// not posted if, meanwhile, the group switched power off, or the check was
// closed by close_after.
func TestResentVerdictSkippedOnceOvertaken(t *testing.T) {
	t.Run("feature switched off", func(t *testing.T) {
		rg := newResendRig(t)
		rg.offline(true)
		rg.run(setup + "Alice: !power\nBob: !off\n@advance 20m\nAlice: !bot features lending\n")
		rg.offline(false)
		if out := rg.run("@advance 1h\n"); strings.Contains(out, "Power check result") {
			t.Errorf("verdict posted after power was switched off:\n%s", out)
		}
	})
	t.Run("check closed by close_after", func(t *testing.T) {
		rg := newResendRig(t)
		rg.offline(true)
		rg.run(setup + "Alice: !power\nBob: !off\n@advance 3d\n@advance 1h\n")
		rg.offline(false)
		if out := rg.run("@advance 1h\n"); strings.Contains(out, "Power check result") {
			t.Errorf("verdict posted for a closed check:\n%s", out)
		}
	})
	t.Run("still current", func(t *testing.T) {
		rg := newResendRig(t)
		rg.offline(true)
		rg.run(setup + "Alice: !power\nBob: !off\n@advance 2h\n")
		rg.offline(false)
		if out := rg.run("@advance 2m\n"); strings.Count(out, "Power check result: 2 homes off, 0 on.") != 1 {
			t.Errorf("verdict not posted once when back online:\n%s", out)
		}
	})
}

// TestVerdictStale covers each way a waiting verdict is overtaken.
func TestVerdictStale(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup + "Alice: !power\nBob: !off\n@advance 15m\n")
	k := h.Kit(FeatureName)
	f := &Feature{clock: k.Clock, lg: k.Log, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, auditLog: k.Audit, cfg: DefaultConfig(), st: &store{db: h.Store.DB()}, loc: time.UTC}
	ctx := context.Background()
	stale := func() bool {
		t.Helper()
		s, err := f.verdictStale(ctx, 1, "group:street")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if stale() {
		t.Fatal("an ended check's verdict counted as stale")
	}
	h.Run("Bob: !power on\n")
	if !stale() {
		t.Error("a restored check's verdict not stale")
	}
	if s, err := f.verdictStale(ctx, 99, "group:street"); err != nil || !s {
		t.Errorf("unknown check: stale=%v err=%v", s, err)
	}
}

// TestFailedScheduleLeavesNoCheck: when a check's jobs cannot be
// scheduled, the check is taken back, so the group is not left behind one
// nobody was told about, and the next !power works.
func TestFailedScheduleLeavesNoCheck(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup)
	db := h.Store.Raw()
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
