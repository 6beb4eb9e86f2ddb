package potholes

import (
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

const fileOne = "@admin Alice\nAlice: !bot on\nAlice: !pothole outside 12 Elm Road\n"

const fixedQuestion = "P1 (outside 12 Elm Road) was reported 4 weeks ago — is it fixed? Type !fixed P1, or !metoo P1 if it's still there."

func TestFixedCheckHeldToEndOfQuietHours(t *testing.T) {
	h := quietCouncilHarness(t, testConfig())
	h.Run("@advance 12h30m\n" + fileOne) // filed at 21:30
	if out := h.Run("@advance 4w\n"); strings.Contains(out, "bot:") {
		t.Errorf("asked during quiet hours:\n%s", out)
	}
	// Quiet hours end at 08:00; the day's question goes at 09:00.
	if out := h.Run("@advance 10h30m\n"); strings.Contains(out, "bot:") {
		t.Errorf("asked before the day's 09:00 question:\n%s", out)
	}
	out := h.Run("@advance 1h\n") // 09:00
	if strings.Count(out, "bot:") != 1 || !strings.Contains(out, fixedQuestion) {
		t.Errorf("at 09:00 want only %q, got:\n%s", fixedQuestion, out)
	}
	if out := h.Run("@advance 10w\n"); strings.Contains(out, "bot:") {
		t.Errorf("asked again:\n%s", out)
	}
}

func TestFixedCheckSkippedWhenGroupSwitchedOff(t *testing.T) {
	for _, off := range []string{"bot off", "potholes off"} {
		h := bottest.New(t, harnessOptions(t, testConfig(), ""))
		h.Run(fileOne)
		switchOff(t, h, off)
		if out := h.Run("@advance 5w\n"); strings.Contains(out, "bot:") {
			t.Errorf("with %s the bot posted:\n%s", off, out)
		}
		if n := pendingJobs(t, h, jobFixedCheck); n != 0 {
			t.Errorf("with %s: %d fixed checks still pending", off, n)
		}
	}
}

func TestFixedCheckOff(t *testing.T) {
	cfg := testConfig()
	cfg.FixedCheckAfter = 0
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Run(fileOne)
	if n := pendingJobs(t, h, jobFixedCheck); n != 0 {
		t.Fatalf("%d fixed checks booked with fixed_check_after off", n)
	}
	if out := h.Run("@advance 10w\n"); strings.Contains(out, "bot:") {
		t.Errorf("asked with fixed_check_after off:\n%s", out)
	}
}

func TestFixedCheckCancelledWhenResolved(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run(fileOne + "Bob: !pothole by the bus stop on Oak Lane\nCarol: !pothole corner of Ash Close\n")
	if n := pendingJobs(t, h, jobFixedCheck); n != 3 {
		t.Fatalf("%d fixed checks booked for 3 reports", n)
	}
	h.Run("Alice: !pothole P1 closed\nBob: !fixed P2\nCarol: !fixed P2\nAlice: !pothole P3 duplicate P2\n")
	if n := pendingJobs(t, h, jobFixedCheck); n != 0 {
		t.Errorf("%d fixed checks left after every report was resolved", n)
	}
}

// Reopened before the question: asked fixed_check_after the reopening.
// Reopened after it: never asked again.
func TestFixedCheckAfterReopen(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run(fileOne + "Alice: !pothole by the bus stop on Oak Lane\n@advance 1d\nAlice: !pothole P1 fixed\n@advance 9d\nAlice: !pothole P1 open\n")
	out := h.Run("@advance 20d\n") // day 30
	if !strings.Contains(out, "P2 (by the bus stop on Oak Lane) was reported 4 weeks ago") || strings.Contains(out, "P1 (") {
		t.Fatalf("on day 30 want P2 asked and not yet P1:\n%s", out)
	}
	out = h.Run("@advance 8d\n") // day 38, four weeks after the reopening
	if !strings.Contains(out, "P1 (outside 12 Elm Road) was reported 5 weeks ago — is it fixed?") {
		t.Fatalf("P1 not asked 4 weeks after reopening:\n%s", out)
	}
	h.Run("Alice: !pothole P1 fixed\nAlice: !pothole P1 reopen\n")
	if n := pendingJobs(t, h, jobFixedCheck); n != 0 {
		t.Errorf("%d fixed checks booked after reopening an asked report", n)
	}
}

func TestWeeksAgo(t *testing.T) {
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		after time.Duration
		want  string
	}{
		{28 * 24 * time.Hour, "4 weeks ago"},
		{28*24*time.Hour + 23*time.Hour, "4 weeks ago"},
		{7 * 24 * time.Hour, "1 week ago"},
		{10 * 24 * time.Hour, "10 days ago"},
		{15 * 24 * time.Hour, "2 weeks ago"},
		{36 * time.Hour, "1 day ago"},
		{3 * time.Hour, "3 hours ago"},
	} {
		if got := weeksAgo(start, start.Add(tt.after)); got != tt.want {
			t.Errorf("weeksAgo(+%v) = %q, want %q", tt.after, got, tt.want)
		}
	}
}

// TestDigestSlot: the day's "is it fixed?" message is at 09:00, the same
// day up to 09:00 and the next day after it, and never in quiet hours.
func TestDigestSlot(t *testing.T) {
	at := func(day, h, m int) time.Time { return time.Date(2026, 2, day, h, m, 0, 0, time.UTC) }
	plain := &Feature{deps: Deps{Location: time.UTC}}
	late := &Feature{deps: Deps{Location: time.UTC, Quiet: bot.QuietHours{Start: 21 * 60, End: 10 * 60, Loc: time.UTC}}}
	for _, c := range []struct {
		f        *Feature
		in, want time.Time
	}{
		{plain, at(2, 8, 0), at(2, 9, 0)},
		{plain, at(2, 9, 0), at(2, 9, 0)},
		{plain, at(2, 9, 1), at(3, 9, 0)},
		{plain, at(2, 23, 30), at(3, 9, 0)},
		{late, at(2, 8, 0), at(2, 10, 0)}, // quiet until 10:00
		{late, at(2, 11, 0), at(3, 10, 0)},
	} {
		if got := c.f.digestSlot(c.in); !got.Equal(c.want) {
			t.Errorf("digestSlot(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}
