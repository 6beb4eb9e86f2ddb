package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

// TestMetricNamesFollowPrometheusConventions wires the whole bot as run
// mode does and checks every metric it registers: the neighbourbot_
// prefix, snake case, counters (and only counters) ending in _total,
// durations and ages in seconds, timestamps as _timestamp_seconds, no
// other unit than seconds and bytes, a help text.
func TestMetricNamesFollowPrometheusConventions(t *testing.T) {
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&strings.Builder{}, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(cfg.Bot.DataDir, "bot.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	if err := a.readiness(func() bool { return true }); err != nil {
		t.Fatal(err)
	}
	fams := a.metrics.Families()
	if len(fams) < 15 {
		t.Fatalf("only %d metrics registered", len(fams))
	}
	snake := regexp.MustCompile(`^neighbourbot_[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	badUnit := regexp.MustCompile(`_(ms|millis|milliseconds|secs|minutes|hours|days|kb|mb|percent)(_|$)`)
	seen := map[string]bool{}
	for _, f := range fams {
		t.Logf("%-10s %s", f.Type, f.Name)
		if seen[f.Name] {
			t.Errorf("%s registered twice", f.Name)
		}
		seen[f.Name] = true
		if !snake.MatchString(f.Name) {
			t.Errorf("%s: want neighbourbot_ and snake case", f.Name)
		}
		if strings.TrimSpace(f.Help) == "" {
			t.Errorf("%s has no help", f.Name)
		}
		if badUnit.MatchString(f.Name) {
			t.Errorf("%s: use base units (seconds, bytes)", f.Name)
		}
		total := strings.HasSuffix(f.Name, "_total")
		if (f.Type == "counter") != total {
			t.Errorf("%s is a %s: only counters, and every counter, end in _total", f.Name, f.Type)
		}
		if f.Type == "histogram" && !strings.HasSuffix(f.Name, "_seconds") && !strings.HasSuffix(f.Name, "_bytes") {
			t.Errorf("%s: a histogram names its unit", f.Name)
		}
		if strings.Contains(f.Name, "timestamp") && !strings.HasSuffix(f.Name, "_timestamp_seconds") {
			t.Errorf("%s: a timestamp is _timestamp_seconds", f.Name)
		}
		if strings.Contains(f.Name, "duration") && !strings.HasSuffix(f.Name, "_duration_seconds") {
			t.Errorf("%s: a duration is _duration_seconds", f.Name)
		}
	}
	for _, want := range []string{"neighbourbot_command_duration_seconds", "neighbourbot_messages_total", "neighbourbot_whatsapp_connected", "neighbourbot_open311_calls_total"} {
		if !seen[want] {
			t.Errorf("%s is not registered", want)
		}
	}
}
