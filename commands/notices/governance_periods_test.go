package notices

import (
	"context"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// TestPeriodsReloadReleasesHeld: a notice held by a period goes out as
// soon as a reload (SIGHUP) ends the period, without a restart; a new
// period loaded the same way holds the next notice.
func TestPeriodsReloadReleasesHeld(t *testing.T) {
	cfg := testConfig()
	cfg.ElectionPeriods = []PeriodConfig{{Name: "County elections", Start: "2026-01-01", End: "2026-01-31"}}
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	h.Run("@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !notices area SY3 7\n")
	out := h.Run(`@notice {"id":"lib-1","title":"Library hours change","topics":["events"]}` + "\n" +
		`@notice {"id":"fl-1","title":"Flood warning","urgency":"emergency"}` + "\n@advance 1h\n")
	if strings.Contains(out, "*Library hours change*") || !strings.Contains(out, "*⚠️ Emergency: Flood warning*") {
		t.Fatalf("the period should hold the normal notice and let the emergency through:\n%s", out)
	}
	ctx := context.Background()
	if held, err := HeldByPeriods(ctx, h.Store); err != nil || held != 1 {
		t.Fatalf("held = %d, %v; want 1", held, err)
	}
	// The period is called off: the config no longer has it.
	if err := r.SetElectionPeriods(ctx, nil, ""); err != nil {
		t.Fatal(err)
	}
	if out := h.Run("@advance 1m\n"); !strings.Contains(out, "*Library hours change*") {
		t.Fatalf("the held notice did not go out after the reload:\n%s", out)
	}
	if err := r.SetElectionPeriods(ctx, []PeriodConfig{{Start: "2026-01-05", End: "2026-01-09", Areas: []string{"SY3"}}}, "wait"); err != nil {
		t.Fatal(err)
	}
	if out := h.Run(`@notice {"id":"lib-2","title":"Library closed Monday","topics":["events"]}` + "\n@advance 1h\n"); strings.Contains(out, "*Library closed Monday*") {
		t.Fatalf("a reloaded period should hold the notice:\n%s", out)
	}
	if err := r.SetElectionPeriods(ctx, []PeriodConfig{{Start: "someday", End: "2026-01-09"}}, "wait"); err == nil {
		t.Error("a bad period on reload should be refused")
	}
}

// TestPeriodsRefuse: with election_hold = "refuse", a notice wholly inside
// a period is refused at once naming the period, and a council-wide one
// is dropped (and audited) only where a by-election runs.
func TestPeriodsRefuse(t *testing.T) {
	cfg := testConfig()
	cfg.ElectionHold = "refuse"
	cfg.ElectionPeriods = []PeriodConfig{{Name: "Meole by-election", Start: "2026-01-05", End: "2026-01-08", Areas: []string{"SY3 7"}}}
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !notices area SY3 7\n" +
		"@group hill Castle Hill\n@admin Hana\nHana: !bot on\nHana: !notices on\nHana: !area SY1 2\n")
	out := h.Run(`@notice {"id":"m-1","title":"Meole road works","topics":["roads"],"areas":["SY3 7"]}` + "\n")
	if !strings.Contains(out, "urgency: Meole by-election (SY3 7) runs until Fri 9 Jan 2026 00:00: only emergency notices are sent") {
		t.Fatalf("want a refusal naming the period:\n%s", out)
	}
	out = h.Run(`@notice {"id":"c-1","title":"Council tax bills","topics":["events"]}` + "\n@advance 1m\n")
	if !strings.Contains(out, "[hill] bot: *Council tax bills*") || strings.Contains(out, "[street] bot: *Council tax") {
		t.Fatalf("the council-wide notice should reach only the group outside the by-election:\n%s", out)
	}
	recs, err := r.Governance().Audit(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	refused := false
	for _, rec := range recs {
		refused = refused || rec.Event == "refused" && rec.Target == "group:street"
	}
	if !refused {
		t.Errorf("no 'refused' audit record for the group in the by-election: %+v", recs)
	}
}

// TestPeriodsSubscriberAreas: a subscriber is held only by a period over
// the subscription that brought the notice, not by another of theirs.
func TestPeriodsSubscriberAreas(t *testing.T) {
	cfg := testConfig()
	cfg.ElectionPeriods = []PeriodConfig{{Name: "Meole by-election", Start: "2026-01-05", End: "2026-01-08", Areas: []string{"SY3"}}}
	h := bottest.New(t, harnessOptions(cfg, nil))
	out := h.Run("dm Sam: !subscribe all SY3\ndm Sam: !subscribe all SY1\n" +
		`@notice {"id":"b-1","title":"Bins late in SY1","topics":["bins"],"areas":["SY1"]}` + "\n" +
		`@notice {"id":"b-2","title":"Bins late in SY3","topics":["bins"],"areas":["SY3"]}` + "\n@advance 1m\n")
	if !strings.Contains(out, "[dm Sam] bot: *Bins late in SY1*") || strings.Contains(out, "*Bins late in SY3*") {
		t.Errorf("want the SY1 notice sent and the SY3 one held:\n%s", out)
	}
}
