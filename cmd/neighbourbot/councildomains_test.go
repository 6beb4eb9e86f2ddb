package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/notices/sources"
)

func TestSiteOf(t *testing.T) {
	tests := map[string]string{
		"api.shropshire.gov.uk":      "shropshire.gov.uk",
		"www.shropshire.gov.uk:8443": "shropshire.gov.uk",
		"feeds.example.org":          "example.org",
		"roads.acme.co.uk":           "acme.co.uk",
		"gov.uk":                     "gov.uk",
		"127.0.0.1:8080":             "",
		"[::1]:80":                   "",
		"localhost":                  "",
	}
	for in, want := range tests {
		if got := siteOf(in); got != want {
			t.Errorf("siteOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// The configured council's own sites — notices feeds and CAP sources,
// Open311 server, report and liaison addresses — and gov.uk are allowed
// under !links on without any setting.
func TestCouncilLinksAllowedByDefault(t *testing.T) {
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	cfg.Notices.Feeds = []notices.FeedConfig{{Name: "roads", URL: "https://newsroom.shropshire.gov.uk/feed/roads"}}
	cfg.Notices.Sources.CAP = []sources.CAPFeedConfig{{Name: "alerts", URL: "https://alerts.wrekin-council.org/cap.xml"}}
	cfg.Potholes.LiaisonEmail = "highways@telford.gov.uk"
	got := councilLinkDomains(cfg)
	for _, want := range []string{"gov.uk", "shropshire.gov.uk", "wrekin-council.org", "telford.gov.uk"} {
		if !slices.Contains(got, want) {
			t.Errorf("councilLinkDomains = %v, lacks %s", got, want)
		}
	}

	ctx := context.Background()
	var out bytes.Buffer
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&out, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(cfg.Bot.DataDir, "console.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	con.Attach(a.engine)
	script := "@admin Alice\nAlice: !bot on\nAlice: !links on\n" +
		"Bob: bins moved, see https://www.shropshire.gov.uk/bins\n" +
		"Bob: gritting map https://alerts.wrekin-council.org/map\n" +
		"Bob: apply at https://www.gov.uk/apply-blue-badge\n" +
		"Carol: cheap watches https://watches.example.com\n"
	if err := con.RunScript(ctx, strings.NewReader(script), true); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "links aren't allowed"); n != 1 || !strings.Contains(out.String(), "@Carol, warning 1 of 3") {
		t.Errorf("want only Carol's link warned:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Links are now locked") {
		t.Errorf("no lock reply:\n%s", out.String())
	}
}
