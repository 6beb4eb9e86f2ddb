package power

import (
	"context"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

var _ bot.RecordPurger = dataProvider{}

func TestPurgeClosed(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	db := h.Store.Raw()
	// Day 0: a street-wide cut, restored the same morning.
	h.Run(setup + "Alice: !power\nBob: !off\n@advance 15m\nBob: !power on\n")
	// Day 100: a check that found nothing off, closed at once, then one
	// still collecting answers.
	h.Run("@advance 100d\nAlice: !power\nAlice: !on\nBob: !on\n@advance 15m\nCarol: !power\nDave: !off\n")
	// An unfinished check from long ago (ended, the power never reported
	// back) in another group: never purged, however old.
	if _, err := db.Exec(`INSERT INTO power_checks (chat, started_at, window_ends, state, verdict, peak_off) VALUES ('group:allot', 0, 1, 'ended', 'several', 2)`); err != nil {
		t.Fatal(err)
	}
	count := func(q string) string { t.Helper(); return queryString(t, db, q) }
	if got := count(`SELECT group_concat(state, ',') FROM (SELECT state FROM power_checks ORDER BY id)`); got != "closed,closed,open,ended" {
		t.Fatalf("states before the purge = %s", got)
	}
	if got := count(`SELECT COUNT(*) FROM polls WHERE kind = 'power'`); got != "3" {
		t.Fatalf("%s power polls stored, want 3", got)
	}

	var purger bot.RecordPurger
	for _, p := range h.Kit("test").Reg.DataProviders() {
		if rp, ok := p.(bot.RecordPurger); ok && p.DataName() == "Power checks" {
			purger = rp
		}
	}
	if purger == nil {
		t.Fatal("the power data provider is not a RecordPurger")
	}
	ctx := context.Background()
	cutoff := h.Now().Add(-50 * 24 * time.Hour)
	n, err := purger.PurgeClosed(ctx, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	// The day-0 check, its two answers and its poll.
	if n != 4 {
		t.Errorf("purged %d rows, want 4", n)
	}
	if got := count(`SELECT group_concat(id || ':' || state, ',') FROM (SELECT id, state FROM power_checks ORDER BY id)`); got != "2:closed,3:open,4:ended" {
		t.Errorf("checks left = %s, want 2:closed,3:open,4:ended", got)
	}
	if got := count(`SELECT COUNT(*) FROM power_votes WHERE check_id = 1`); got != "0" {
		t.Errorf("%s answers of the purged check left", got)
	}
	if got := count(`SELECT group_concat(ref, ',') FROM (SELECT ref FROM polls WHERE kind = 'power' ORDER BY ref)`); got != "2,3" {
		t.Errorf("power polls left for checks %s, want 2,3", got)
	}
	before := snapshot(t, db)
	if n, err := purger.PurgeClosed(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want 0, nil", n, err)
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("second purge changed the store")
	}
	// The open check carries on; history shows what is left.
	h.Run("Erin [vote Off]\n")
	out := h.Expect("Bob: !power history\n", "running now", "peak 3 homes off", "nobody off at the end of the check")
	if n := strings.Count(out, "•"); n != 2 {
		t.Errorf("history lists %d checks, want the 2 left:\n%s", n, out)
	}
}
