package potholes

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

const threeReports = `@admin Alice
Alice: !bot on
Alice: !pothole outside no. 12 Elm Road, deep
Bob: !pothole by the bus stop on Oak Lane
Carol: !pothole corner of Ash Close and Birch Way
`

func duplicateOf(t *testing.T, h *bottest.Harness, id int64) int64 {
	t.Helper()
	r, err := store{db: h.Store.DB()}.report(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.DuplicateOf
}

func TestDuplicateOfDuplicateLinksToOriginal(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run(threeReports)
	h.Expect("Alice: !pothole P2 duplicate P1\n", "P2 is now marked a duplicate of P1. Confirmations go to P1: !metoo P1.")
	h.Expect("Alice: !pothole P3 duplicate P2\n",
		"P3 is now marked a duplicate of P1 (P2 is itself a duplicate of P1). Confirmations go to P1: !metoo P1.")
	if got := duplicateOf(t, h, 3); got != 1 {
		t.Errorf("P3 links to P%d, want P1", got)
	}
	h.Expect("Dave: !metoo P3\n", "P3 is a duplicate of P1 — type !metoo P1 instead.")
	h.Expect("Dave: !pothole P3\n", "P3 · pothole · duplicate of P1\n", "duplicate of P1, via P2 — set by Alice")
}

func TestDuplicateCycleRefused(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run(threeReports + "Alice: !pothole P2 duplicate P1\nAlice: !pothole P3 duplicate P2\n")
	before := tableCounts(t, h)
	for _, tc := range []struct{ line, want string }{
		// P1 is the original of both: neither may become its original.
		{"Alice: !pothole P1 duplicate P3\n", "P3 is already marked a duplicate of P1, so P1 can't be a duplicate of P3."},
		{"Alice: !pothole P1 duplicate P2\n", "P2 is already marked a duplicate of P1, so P1 can't be a duplicate of P2."},
	} {
		h.Expect(tc.line, tc.want)
		if after := tableCounts(t, h); after != before {
			t.Fatalf("%q changed the store:\nbefore %s\nafter  %s", tc.line, before, after)
		}
	}
	if got := duplicateOf(t, h, 1); got != 0 {
		t.Errorf("P1 links to P%d after refusals", got)
	}
}

// Chains written before links went to the original are still followed, and
// still refuse a circle through them.
func TestOldDuplicateChainsAreFollowed(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run(threeReports + "Dave: !pothole on the bridge at Mill Street\n")
	// P4 → P3 → P2 → P1, as older versions linked them.
	if _, err := h.Store.Raw().Exec(`UPDATE pothole_reports SET status = 'duplicate', duplicate_of = id - 1 WHERE id > 1`); err != nil {
		t.Fatal(err)
	}
	h.Expect("Erin: !metoo P4\n", "P4 is a duplicate of P1 — type !metoo P1 instead.")
	h.Expect("Erin: !pothole P4\n", "P4 · pothole · duplicate of P3, itself a duplicate of P1\n")
	h.Expect("Alice: !pothole P1 duplicate P4\n", "P4 is already marked a duplicate of P1, so P1 can't be a duplicate of P4.")
	h.Expect("Alice: !pothole P2 duplicate P4\n", "P4 is already marked a duplicate of P2, so P2 can't be a duplicate of P4.")
	if got := duplicateOf(t, h, 2); got != 1 {
		t.Errorf("P2 links to P%d after a refused circle", got)
	}
}

// A circle already in the database ends the trail instead of looping.
func TestDuplicateTrailStopsOnStoredCircle(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run(threeReports)
	if _, err := h.Store.Raw().Exec(`UPDATE pothole_reports SET status = 'duplicate', duplicate_of = CASE id WHEN 1 THEN 2 WHEN 2 THEN 3 ELSE 1 END`); err != nil {
		t.Fatal(err)
	}
	k := h.Kit(FeatureName)
	f := &Feature{clock: k.Clock, lg: k.Log, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, auditLog: k.Audit, groups: k.Groups, attachments: k.Attachments, store: store{db: h.Store.DB()}}
	r, err := f.store.report(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	orig, via, err := f.duplicateTrail(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if orig.ID != 3 || len(via) != 1 || via[0].ID != 2 {
		t.Errorf("trail from P1 ends at P%d via %v, want P3 via P2", orig.ID, via)
	}
	h.Expect("Dave: !metoo P1\n", "P1 is a duplicate of P3 — type !metoo P3 instead.")
}

// A report marked a duplicate of a closed one must not send people to a
// !metoo that refuses them.
func TestDuplicateOfResolvedReport(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run(threeReports + "Alice: !pothole P1 fixed\n")
	out := h.Expect("Alice: !pothole P2 duplicate P1\n", "P2 is now marked a duplicate of P1, which is already closed. If the problem is back, log it again with !pothole.")
	if strings.Contains(out, "!metoo P1") {
		t.Errorf("points at a !metoo that refuses:\n%s", out)
	}
}
