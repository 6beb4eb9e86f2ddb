package potholes

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

func provider(t *testing.T, h *bottest.Harness) bot.DataProvider {
	t.Helper()
	for _, p := range h.Kit("test").Reg.DataProviders() {
		if p.DataName() == "Street reports" {
			return p
		}
	}
	t.Fatal("no Street reports data provider registered")
	return nil
}

func personID(t *testing.T, h *bottest.Harness, name string) int64 {
	t.Helper()
	p, err := h.Store.PersonByAddr(context.Background(), bot.Address(name))
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

func TestDataProviderDescribeAndForget(t *testing.T) {
	h := bottest.New(t, harnessOptions(t, testConfig(), ""))
	h.Run(`@admin Alice
Alice: !bot on
Bob [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep
Alice: !report drain blocked on Ash Close
Bob [photo]: !metoo P2
Bob: !fixed P2
Carol: !metoo P1
`)
	ctx := context.Background()
	dp := provider(t, h)
	bob := personID(t, h, "Bob")
	lines, err := dp.DescribePerson(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"You reported P1 (pothole: outside no. 12 Elm Road, deep) on 5 Jan 2026.",
		"You confirmed 1 report made by neighbours.",
		"You added 1 photo to reports.",
		"You said 1 report was fixed",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("description lacks %q:\n%s", want, got)
		}
	}
	summary, err := dp.ForgetPerson(ctx, bob)
	if err != nil {
		t.Fatal(err)
	}
	if summary != "1 report and 1 confirmation kept for the street without your name" {
		t.Errorf("summary = %q", summary)
	}
	if lines, err := dp.DescribePerson(ctx, bob); err != nil || len(lines) != 0 {
		t.Errorf("after forgetting: %v, %v", lines, err)
	}
	// The reports and counts stay; the history no longer names Bob.
	out := h.Expect("Alice: !pothole P1\nAlice: !pothole P2\n",
		"Reported by a former neighbour", "filed by a former neighbour (location)", "confirmed by Carol",
		"P2 · drain · open", "1 confirmation · 1 photo", "confirmed by a former neighbour (with photo)", "said fixed by a former neighbour")
	if strings.Contains(out, "Bob") {
		t.Errorf("Bob still named:\n%s", out)
	}
	// Bob's pending "fixed" claim still needs a second, different neighbour.
	h.Expect("Carol: !fixed P2\n", "P2 is marked fixed — two neighbours agree.")
	var n int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM pothole_reports`).Scan(&n); err != nil || n != 2 {
		t.Errorf("reports kept: %d, %v", n, err)
	}
}
