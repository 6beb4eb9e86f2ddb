package operators

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/commands/polling"
	"neighbourbot/commands/power"
)

// alertsRig serves NGED's fixture, rewritten as the test goes (estimates
// moving, planned work dates), to a power feature with alerts.
type alertsRig struct {
	h    *bottest.Harness
	body atomic.Value // string
	hits atomic.Int32
}

func newAlertsRig(t *testing.T) *alertsRig {
	t.Helper()
	r := &alertsRig{}
	data, err := os.ReadFile("testdata/nged.json")
	if err != nil {
		t.Fatal(err)
	}
	r.body.Store(string(data))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		w.Write([]byte(r.body.Load().(string)))
	}))
	t.Cleanup(srv.Close)
	cfg := power.DefaultConfig()
	cfg.Feeds = map[string]power.OperatorFeed{"nged": {URL: srv.URL}}
	src, err := Source(cfg, BuildOptions{OnlyConfigured: true})
	if err != nil {
		t.Fatal(err)
	}
	quiet := bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: time.UTC}
	r.h = bottest.New(t, bottest.Options{
		Migrations: []bot.Migrations{power.Migrations(), polling.Migrations()},
		Register: func(h *bottest.Harness) error {
			return power.Register(h.Kit(power.FeatureName), cfg, power.Deps{Incidents: src, Quiet: quiet, Location: time.UTC})
		},
	})
	return r
}

func (r *alertsRig) replace(old, new string) {
	r.body.Store(strings.Replace(r.body.Load().(string), old, new, 1))
}

func TestPowerAlertsPostFaultsOnceAndMovedEstimates(t *testing.T) {
	r := newAlertsRig(t)
	out := r.h.Run("@admin Alice\nAlice: !bot on\nAlice: !area SY3 7\nBob: !power alerts on\nAlice: !power alerts\nAlice: !power alerts on\n")
	for _, want := range []string{
		"Sorry, only group admins can switch power alerts on or off.",
		"Power alerts are off here.",
		"Power alerts on: I'll post the network operator's power cuts in this group's area as they are reported, and each morning any planned work in the next two days.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	out = r.h.Run("@advance 10m\n")
	want := "[street] bot: Power cut in SY3 7: National Grid Electricity Distribution is working on it (incident INCD-72381-l, 52 homes off), estimated restoration 13:00. It already knows, so there is no need to call 105 unless someone is at risk."
	if !strings.Contains(out, want) {
		t.Fatalf("fault not posted:\n%s", out)
	}
	if strings.Contains(out, "INCD-80001-p") || strings.Contains(out, "INCD-70000-l") {
		t.Errorf("posted planned or restored work as a fault:\n%s", out)
	}
	// Seen again, and an estimate that moved by half an hour: nothing.
	r.replace(`"ETR": "2026-01-05T13:00:00"`, `"ETR": "2026-01-05T13:30:00"`)
	if out := r.h.Run("@advance 20m\n"); strings.Contains(out, "bot:") {
		t.Errorf("posted again:\n%s", out)
	}
	// Moved by more than an hour from what was posted: one update.
	r.replace(`"ETR": "2026-01-05T13:30:00"`, `"ETR": "2026-01-05T15:00:00"`)
	out = r.h.Run("@advance 10m\n")
	if strings.Count(out, "[street] bot: Update on the power cut INCD-72381-l: estimated restoration now 15:00 (was 13:00).") != 1 {
		t.Errorf("update:\n%s", out)
	}
	if out := r.h.Run("@advance 30m\n"); strings.Contains(out, "bot:") {
		t.Errorf("update posted twice:\n%s", out)
	}
	// A new fault at night waits for the end of quiet hours.
	r.h.Run("@time 2026-01-05T21:30:00Z\n")
	r.replace(`"Incident ID": "INCD-70000-l", "Confirmed Off": 0, "Predicted Off": 0, "Restored": 20, "Status": "Restored", "Planned": false, "Category": "HV OVERHEAD", "Resource Status": "", "Start Time": "2026-01-05T01:00:00", "ETR": "2026-01-05T05:00:00", "Voltage": "HV", "Location Latitude": 50.97, "Location Longitude": -2.76, "Postcodes": "TA12 6LZ"`,
		`"Incident ID": "INCD-90001-n", "Confirmed Off": 4, "Predicted Off": 0, "Restored": 0, "Status": "In Progress", "Planned": false, "Category": "LV OVERHEAD", "Resource Status": "", "Start Time": "2026-01-05T22:00:00", "ETR": "", "Voltage": "LV", "Location Latitude": 52.7, "Location Longitude": -2.75, "Postcodes": "SY3 7QQ"`)
	if out := r.h.Run("@advance 10h\n"); strings.Contains(out, "INCD-90001-n") {
		t.Fatalf("posted in quiet hours:\n%s", out)
	}
	out = r.h.Run("@advance 1h\n")
	if !strings.Contains(out, "[street] bot: Power cut in SY3 7: National Grid Electricity Distribution is working on it (incident INCD-90001-n, 4 homes off). It already knows") {
		t.Fatalf("night fault not posted after quiet hours:\n%s\n%s", out, r.h.Log.String())
	}
	if strings.Contains(out, "estimated restoration ,") {
		t.Errorf("empty estimate shown:\n%s", out)
	}
}

func TestPowerAlertsPlannedWorkEachMorning(t *testing.T) {
	r := newAlertsRig(t)
	// Planned work on Wednesday: Tuesday's morning message says tomorrow.
	r.replace(`"Start Time": "2026-01-06T09:00:00", "ETR": "2026-01-06T15:00:00"`, `"Start Time": "2026-01-07T09:00:00", "ETR": "2026-01-07T15:00:00"`)
	r.h.Run("@admin Alice\nAlice: !bot on\nAlice: !area SY3 7\nAlice: !power alerts on\n")
	out := r.h.Run("@time 2026-01-06T07:59:00Z\n@advance 2m\n")
	want := "[street] bot: Planned power cut in SY3 7 tomorrow 09:00–15:00, ref INCD-80001-p (National Grid Electricity Distribution)."
	if strings.Count(out, want) != 1 {
		t.Fatalf("morning message:\n%s", out)
	}
	// On the day itself it is listed again, as today's.
	out = r.h.Run("@advance 1d\n")
	if !strings.Contains(out, "Planned power cut in SY3 7 today 09:00–15:00, ref INCD-80001-p") {
		t.Errorf("second morning:\n%s", out)
	}
	// A group with alerts off gets none.
	r.h.Run("@group other Other Road\n@admin Alice\nAlice: !bot on\nAlice: !area SY3 7\n")
	out = r.h.Run("@time 2026-01-08T07:59:00Z\n@advance 2m\n")
	if strings.Contains(out, "[other]") {
		t.Errorf("posted to a group without alerts:\n%s", out)
	}
}
