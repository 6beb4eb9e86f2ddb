package potholes

import (
	"context"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

func pendingJobs(t *testing.T, h *bottest.Harness, kind string) int {
	t.Helper()
	var n int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = ?`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A claim older than fixed_claim_expiry whose lapse job never ran is not
// confirmed by a second neighbour: it lapses on the spot and the newcomer's
// !fixed starts a new claim.
func TestStaleClaimNotConfirmedWithoutItsJob(t *testing.T) {
	cfg := testConfig()
	cfg.FixedClaimExpiry = bot.Duration(48 * time.Hour)
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Run("@admin Alice\nAlice: !bot on\nAlice: !pothole outside no. 12 Elm Road, deep\nBob: !fixed P1\n")
	if n := pendingJobs(t, h, jobClaimLapse); n != 1 {
		t.Fatalf("%d claim jobs after !fixed, want 1", n)
	}
	if _, err := h.Store.Raw().Exec(`DELETE FROM jobs WHERE kind = ?`, jobClaimLapse); err != nil {
		t.Fatal(err)
	}
	h.Run("@advance 3d\n")
	if out := h.Expect("Carol: !pothole P1\n", "P1 · pothole · open\n"); strings.Contains(out, "Said to be fixed") {
		t.Errorf("a lapsed claim is still shown as waiting:\n%s", out)
	}
	h.Expect("Carol: !fixed P1\n",
		"Thanks — the earlier !fixed P1 ran out without a second neighbour, so yours starts a new one. Can one more neighbour confirm P1 is fixed within 2 days? Type !fixed P1.")
	h.Expect("Carol: !pothole P1\n", "Wed 7 Jan 09:00 — Bob's !fixed lapsed (no second neighbour within 2 days)", "Thu 8 Jan 09:00 — said fixed by Carol")
	h.Expect("Dave: !fixed P1\n", "P1 is marked fixed — two neighbours agree.")
}

// Resolving a report takes its claim's lapse job with it; a lapse job for
// an older claim leaves a newer claim alone.
func TestClaimLapseJobsFollowTheClaim(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run("@admin Alice\nAlice: !bot on\nAlice: !pothole outside no. 12 Elm Road, deep\nBob: !pothole by the bus stop on Oak Lane\n" +
		"Bob: !fixed P1\nCarol: !fixed P1\nCarol: !fixed P2\nAlice: !pothole P2 closed\n")
	if n := pendingJobs(t, h, jobClaimLapse); n != 0 {
		t.Errorf("%d claim jobs left after both reports were resolved", n)
	}
	h.Run("Alice: !pothole P2 open\nCarol: !fixed P2\n@advance 7d\nAlice: !pothole P2 investigating\n@advance 1d\nDave: !fixed P2\n")
	// A job booked for Carol's claim, had it survived, must not clear Dave's.
	carols := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	if err := h.Kit("test").Jobs.Schedule(context.Background(), jobClaimLapse, claimKey(2, carols), h.Clock.Now().Add(time.Hour),
		claimPayload{Report: 2, ClaimedAt: carols.UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	h.Run("@advance 13d\n")
	h.Expect("Alice: !pothole P2\n", "Said to be fixed by Dave — a second neighbour can confirm with !fixed P2 until Tue 27 Jan 09:00.")
	h.Run("@advance 1d\n")
	out := h.Expect("Alice: !pothole P2\n", "Tue 27 Jan 09:00 — Dave's !fixed lapsed (no second neighbour within 14 days)")
	if strings.Contains(out, "Carol's !fixed lapsed") || strings.Contains(out, "Said to be fixed") {
		t.Errorf("wrong claim lapsed:\n%s", out)
	}
}
