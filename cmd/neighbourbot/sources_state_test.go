package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

// TestSourceSuccessOnlyWhenItFetched: with the sources' servers
// unreachable, a source with nobody to ask is idle (its last success stays
// 0, no failure) and, once a group wants it, fails; it never reports a
// success it did not have.
func TestSourceSuccessOnlyWhenItFetched(t *testing.T) {
	ctx := context.Background()
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // connection refused from now on

	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	cfg.Notices.Sources.PostcodesURL = downURL
	cfg.Notices.Sources.EAFloods.Enabled = true
	cfg.Notices.Sources.EAFloods.URL = downURL
	cfg.Notices.Sources.GovUKAlerts.Enabled = true
	cfg.Notices.Sources.GovUKAlerts.URL = downURL + "/alerts.atom"
	clock := bot.NewManualClock(console.DefaultStart)
	var out strings.Builder
	con := console.New(&out, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(cfg.Bot.DataDir, "bot.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	con.Attach(a.engine)
	a.engine.RunDueJobs(ctx)

	state := func() map[string]float64 {
		t.Helper()
		fams, err := a.metrics.Registry.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range fams {
			if !strings.HasPrefix(f.GetName(), "neighbourbot_source_") {
				continue
			}
			for _, m := range f.GetMetric() {
				got[strings.TrimPrefix(f.GetName(), "neighbourbot_source_")+" "+label(m, "source")] = m.GetGauge().GetValue()
			}
		}
		return got
	}
	for _, src := range []string{"ea-floods", "govuk-alerts"} {
		key := "notices.poll:builtin:" + src
		got := state()
		if got["last_success_timestamp_seconds "+key] != 0 || got["idle "+key] != 1 || got["consecutive_failures "+key] != 0 {
			t.Errorf("%s with no group to ask: %v", src, got)
		}
	}

	// A group wants warnings for its area: the sources must now ask, and
	// cannot.
	if err := con.RunScript(ctx, strings.NewReader("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !area SY3 7\nAlice: !notices on\n"), true); err != nil {
		t.Fatal(err)
	}
	if err := a.engine.AdvanceTo(ctx, clock, clock.Now().Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"ea-floods", "govuk-alerts"} {
		key := "notices.poll:builtin:" + src
		got := state()
		if got["last_success_timestamp_seconds "+key] != 0 || got["idle "+key] != 0 || got["consecutive_failures "+key] < 1 {
			t.Errorf("%s with its server down: %v", src, got)
		}
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
