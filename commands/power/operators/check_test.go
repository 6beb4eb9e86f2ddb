package operators

import (
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/commands/polling"
	"neighbourbot/commands/power"
)

// A power check in Shrewsbury (SY3 7) names National Grid Electricity
// Distribution's incident at once, chosen by postcode with the default
// feed_provider "auto"; SP Energy Networks is not asked.
func TestCheckNamesTheAreasOperatorIncident(t *testing.T) {
	nged, _ := serve(t, "nged.json", 200)
	spen, spenReq := serve(t, "spen.json", 200)
	cfg := power.DefaultConfig()
	cfg.Feeds = map[string]power.OperatorFeed{"nged": {URL: nged.URL}, "spen": {URL: spen.URL, Key: "k"}}
	src, err := Source(cfg, BuildOptions{OnlyConfigured: true})
	if err != nil {
		t.Fatal(err)
	}
	h := bottest.New(t, bottest.Options{
		Migrations: []bot.Migrations{power.Migrations(), polling.Migrations()},
		Register: func(h *bottest.Harness) error {
			return power.Register(h.Kit(power.FeatureName), cfg, power.Deps{Incidents: src})
		},
	})
	h.Expect("@admin Alice\nAlice: !bot on\nAlice: !area SY3 7\nAlice: !power\nBob: !off\n@advance 15m\n",
		"Your network operator already knows: incident INCD-72381-l, estimated restoration 13:00 — no need to call 105.")
	if spenReq.Load() != nil {
		t.Error("SP Energy Networks was asked about SY3 7")
	}
}
