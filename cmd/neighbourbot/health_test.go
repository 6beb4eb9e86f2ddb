package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/metrics"
)

// TestHealthAndReadiness runs the run mode's probes and gauges on a real
// database behind a real HTTP server: /healthz follows the database,
// /readyz WhatsApp's connection too, each failure one line with its reason.
func TestHealthAndReadiness(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.Bot.DataDir = dir
	var out bytes.Buffer
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&out, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(dir, "bot.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	var connected atomic.Bool
	if err := a.readiness(connected.Load); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/healthz", metrics.HealthHandler(a.health, false))
	mux.Handle("/readyz", metrics.HealthHandler(a.health, true))
	mux.Handle("/metrics", a.metrics.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}

	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz: %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 503 || body != "whatsapp: not connected\n" {
		t.Errorf("readyz while disconnected: %d %q", code, body)
	}
	connected.Store(true)
	if code, body := get("/readyz"); code != 200 || body != "ok\n" {
		t.Errorf("readyz connected: %d %q", code, body)
	}

	// Two jobs overdue by 10 minutes and 1 minute show in the gauges,
	// beside those the features booked for now at start.
	before, _, err := a.store.DueJobStats(ctx, clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i, late := range []time.Duration{10 * time.Minute, time.Minute} {
		if err := a.engine.Kit("test").Jobs.Schedule(ctx, "test.nothing", "late:"+string(rune('a'+i)), clock.Now().Add(-late), nil); err != nil {
			t.Fatal(err)
		}
	}
	_, m := get("/metrics")
	for _, want := range []string{fmt.Sprintf("neighbourbot_jobs_due %d\n", before+2), "neighbourbot_jobs_oldest_due_seconds 600", "neighbourbot_whatsapp_connected 1", "neighbourbot_build_info{"} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// The database gone: both fail, saying so.
	a.store.Close()
	if code, body := get("/healthz"); code != 503 || !strings.HasPrefix(body, "database: ") || strings.Count(body, "\n") != 1 {
		t.Errorf("healthz without a database: %d %q", code, body)
	}
	if code, _ := get("/readyz"); code != 503 {
		t.Errorf("readyz without a database: %d", code)
	}
}
