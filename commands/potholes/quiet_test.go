package potholes

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// quietCouncilHarness is the council harness with quiet hours 21:00-08:00.
func quietCouncilHarness(t *testing.T, cfg Config) *bottest.Harness {
	opts := harnessOptions(t, cfg, "")
	photoDir := filepath.Join(t.TempDir(), "photos")
	opts.Register = func(h *bottest.Harness) error {
		return Register(h.Kit(FeatureName), cfg, Deps{PhotoDir: photoDir, Location: time.UTC, Quiet: quietNights()})
	}
	return bottest.New(t, opts)
}

// TestQuietSendResultsGolden: what sending looks like late in the evening —
// the admin's command is answered at once, the outcome waits for 08:00, and
// a night of failed and retried attempts ends in one current line
// (testdata/quiet_send.golden).
func TestQuietSendResultsGolden(t *testing.T) {
	fc := newFakeCouncil(t)
	h := quietCouncilHarness(t, councilConfig(fc))
	var transcript strings.Builder
	transcript.WriteString(h.Run(`# Quiet hours are 21:00-08:00. A report sent at 22:00 reaches the
# council at once; the group hears about it at 08:00.
@admin Alice
Alice: !bot on
Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep
Bob [location 52.7101,-2.7502]: !pothole by the bus stop on Oak Lane
@advance 13h
Alice: !pothole P1 send
@advance 9h
Bob: !pothole P1
@advance 1h
`))
	fc.set(func(fc *fakeCouncil) {
		fc.create = []answer{{500, "error_500.html"}, {200, "maintenance.html"}, {201, "create_numeric_id.json"}}
	})
	transcript.WriteString(h.Run(`# The next evening the council's server fails twice, then takes P2.
# The failure isn't posted at night, and by morning it is out of date:
# only the outcome is.
@advance 14h
Alice: !pothole P2 send
@advance 1h
Bob: !pothole P2
@advance 9h
`))
	bottest.CompareGolden(t, filepath.Join("testdata", "quiet_send.golden"), transcript.String())
	if n := len(fc.sent()); n != 4 {
		t.Errorf("%d send attempts, want 4", n)
	}
}

// A report that can't be sent overnight is reported once, in the morning.
func TestQuietHoursHoldGiveUp(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.create = []answer{{502, ""}} })
	h := quietCouncilHarness(t, councilConfig(fc))
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n@advance 12h\n")
	out := h.Run("Alice: !pothole P1 send\n@advance 10h\n") // 21:00 to 07:00
	if strings.Contains(out, "could not be sent") || strings.Contains(out, "Couldn't send") {
		t.Errorf("send result posted during quiet hours:\n%s", out)
	}
	if n := len(fc.sent()); n != maxSendAttempts {
		t.Fatalf("%d attempts overnight, want %d", n, maxSendAttempts)
	}
	out = h.Run("@advance 1h\n")
	want := "P1 could not be sent to the council: the council's server had an error (HTTP 502). The report is kept here; an admin can try again with !pothole P1 send."
	if strings.Count(out, "bot:") != 1 || !strings.Contains(out, want) {
		t.Errorf("at 08:00 want exactly %q, got:\n%s", want, out)
	}
}

// A group that switched the bot or potholes off by the morning hears
// nothing; the report is still sent and its history complete.
func TestHeldSendResultSkippedWhenGroupSwitchedOff(t *testing.T) {
	for _, off := range []string{"bot off", "potholes off"} {
		fc := newFakeCouncil(t)
		h := quietCouncilHarness(t, councilConfig(fc))
		h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n@advance 13h\nAlice: !pothole P1 send\n")
		switchOff(t, h, off)
		if out := h.Run("@advance 10h\n"); strings.Contains(out, "bot:") {
			t.Errorf("after %q the bot posted:\n%s", off, out)
		}
		if n := len(fc.sent()); n != 1 {
			t.Errorf("after %q: %d sends, want 1", off, n)
		}
		if n := pendingJobs(t, h, jobSendNews); n != 0 {
			t.Errorf("after %q: %d held send results left", off, n)
		}
	}
}

// switchOff turns the bot ("bot off") or the potholes feature ("potholes
// off") off in the console's group. The harness knows no other feature, so
// !bot features can't switch potholes off on its own.
func switchOff(t *testing.T, h *bottest.Harness, what string) {
	t.Helper()
	if what == "bot off" {
		h.Expect("Alice: !bot off\n", "neighbourbot is off in this group.")
		return
	}
	ctx := context.Background()
	groups, err := h.Store.EnabledGroups(ctx)
	if err != nil || len(groups) != 1 {
		t.Fatalf("enabled groups %v, %v", groups, err)
	}
	gs := groups[0]
	gs.FeaturesOff = []string{FeatureName}
	if err := h.Store.SaveGroupSettings(ctx, gs); err != nil {
		t.Fatal(err)
	}
}
