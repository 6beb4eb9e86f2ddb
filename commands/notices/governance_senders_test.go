package notices

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestWebhookSenders: each sender's own token names the sender, keeps it
// to its topics, and keeps its ids apart from the other senders'.
func TestWebhookSenders(t *testing.T) {
	cfg := testConfig()
	cfg.Senders = []SenderConfig{
		{Name: "Highways", Token: "highways-token-0123456789", Topics: []string{"roads"}},
		{Name: "Youth service", Token: "youth-token-0123456789", Topics: []string{"events"}, Approvers: []string{"Erin"}, RequireApproval: true},
	}
	h, r, srv := webhookHarness(t, cfg)
	h.Run("@admin Alice\nAlice: !bot on\nAlice: !notices on\n")
	road := `{"id":"n-1","title":"A5 closed","topics":["roads"]}`
	youth := `{"id":"n-1","title":"Youth club","topics":["events"]}`
	tests := []struct {
		name, token, body string
		status            int
		state, field      string
	}{
		{"highways", "highways-token-0123456789", road, 202, "approved", ""},
		{"highways again", "highways-token-0123456789", road, 200, "", ""},
		{"youth, same id", "youth-token-0123456789", youth, 202, "awaiting_approval", ""},
		{"highways, youth topic", "highways-token-0123456789", `{"id":"n-2","title":"Fete","topics":["events"]}`, 400, "", "topics[0]"},
		{"youth, no topic", "youth-token-0123456789", `{"id":"n-3","title":"Fete"}`, 400, "", "topics"},
		{"default token", testToken, `{"id":"n-1","title":"Bins","topics":["bins"]}`, 202, "approved", ""},
		{"unknown token", "nobody-token-0123456789", road, 401, "", ""},
	}
	for _, tc := range tests {
		status, out := post(t, srv, "Bearer "+tc.token, tc.body)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d (%v)", tc.name, status, tc.status, out)
			continue
		}
		if tc.state != "" && out["state"] != tc.state {
			t.Errorf("%s: state %v, want %s", tc.name, out["state"], tc.state)
		}
		if tc.field != "" && out["field"] != tc.field {
			t.Errorf("%s: field %v, want %s (%v)", tc.name, out["field"], tc.field, out)
		}
	}
	if n := countNotices(t, h); n != 3 {
		t.Errorf("%d notices stored, want 3", n)
	}
	out := h.Run("@advance 1m\n")
	if !strings.Contains(out, "From Highways, Shropshire Council") || !strings.Contains(out, "*Bins*\n    From Shropshire Council") {
		t.Errorf("senders' names missing from the group:\n%s", out)
	}
	recs, err := r.Governance().Audit(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	actors := map[string]bool{}
	for _, rec := range recs {
		if rec.Event == "received" {
			actors[rec.Actor] = true
		}
	}
	for _, want := range []string{"webhook:Highways", "webhook:Youth service", "webhook"} {
		if !actors[want] {
			t.Errorf("audit has no notice received from %q: %v", want, actors)
		}
	}
}

func TestSenderConfigErrors(t *testing.T) {
	base := func() Config {
		c := testConfig()
		c.Webhook.Token = testToken
		return c
	}
	tests := []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"no name", func(c *Config) { c.Senders = []SenderConfig{{Token: "t-0123456789abcdef"}} }, "senders[0].name must not be empty"},
		{"short token", func(c *Config) { c.Senders = []SenderConfig{{Name: "Highways", Token: "short"}} }, "senders[0].token must be at least 16"},
		{"shared token", func(c *Config) { c.Senders = []SenderConfig{{Name: "Highways", Token: testToken}} }, "same as webhook.token"},
		{"two names", func(c *Config) {
			c.Senders = []SenderConfig{{Name: "Highways", Token: "a-0123456789abcdef"}, {Name: "highways", Token: "b-0123456789abcdef"}}
		}, "used by two senders"},
		{"unknown topic", func(c *Config) {
			c.Senders = []SenderConfig{{Name: "Highways", Token: "a-0123456789abcdef", Topics: []string{"potholes"}}}
		}, `senders[0].topics: "potholes" is not in topics`},
		{"approval without approvers", func(c *Config) {
			c.Approvers = nil
			c.Senders = []SenderConfig{{Name: "Highways", Token: "a-0123456789abcdef", RequireApproval: true}}
		}, "senders[0].approvers"},
		{"bad period", func(c *Config) { c.ElectionPeriods = []PeriodConfig{{Start: "2026-05-01", End: "2026-04-01"}} }, "election_periods[0].end must be after start"},
		{"period area", func(c *Config) {
			c.ElectionPeriods = []PeriodConfig{{Start: "2026-04-01", End: "2026-05-01", Areas: []string{"Narnia"}}}
		}, "election_periods[0].areas[0]"},
		{"period date", func(c *Config) { c.ElectionPeriods = []PeriodConfig{{Start: "1 April", End: "2026-05-01"}} }, "election_periods[0].start"},
		{"hold mode", func(c *Config) { c.ElectionHold = "pause" }, `election_hold "pause"`},
		{"results url", func(c *Config) { c.ResultsURL = "ftp://x"; c.ResultsSecret = "0123456789abcdef" }, "results_url"},
		{"results secret", func(c *Config) { c.ResultsURL = "https://council.example/results" }, "results_secret"},
	}
	for _, tc := range tests {
		c := base()
		tc.edit(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}
