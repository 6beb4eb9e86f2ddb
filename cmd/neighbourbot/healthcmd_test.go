package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/metrics"
)

// TestHealthCommandAsksReadyz: neighbourbot health (a container's
// HEALTHCHECK) asks the running bot's /readyz at [metrics] listen — on
// loopback when it listens on every interface — and exits 0 when ready,
// 1 with the reason when not or when nothing answers, 2 when the metrics
// server is off.
func TestHealthCommandAsksReadyz(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := defaultConfig()
	cfg.Bot.DataDir = dir
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&strings.Builder{}, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(dir, "bot.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	var connected atomic.Bool
	if err := a.readiness(connected.Load); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /readyz", metrics.HealthHandler(a.health, true))
	mux.Handle("GET /healthz", metrics.HealthHandler(a.health, false))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))

	health := func(listen string, args ...string) (int, string) {
		t.Helper()
		t.Setenv("NEIGHBOURBOT_METRICS_LISTEN", listen)
		t.Setenv("NEIGHBOURBOT_BOT_DATA_DIR", dir)
		code, out, errOut := runCLI(append([]string{"health"}, args...)...)
		return code, out + errOut
	}
	if code, out := health("0.0.0.0:" + port); code != exitError || !strings.Contains(out, "not ready: whatsapp: not connected") {
		t.Errorf("disconnected: exit %d %s", code, out)
	}
	if code, out := health(":"+port, "-live"); code != exitOK || strings.TrimSpace(out) != "ok" {
		t.Errorf("-live while disconnected: exit %d %s", code, out)
	}
	connected.Store(true)
	if code, out := health("0.0.0.0:" + port); code != exitOK || strings.TrimSpace(out) != "ok" {
		t.Errorf("connected: exit %d %s", code, out)
	}
	srv.Close()
	if code, out := health("127.0.0.1:" + port); code != exitError || !strings.Contains(out, "no answer from http://127.0.0.1:"+port+"/readyz") {
		t.Errorf("nothing listening: exit %d %s", code, out)
	}
	if code, out := health(""); code != exitUsage || !strings.Contains(out, "listen is off") {
		t.Errorf("metrics off: exit %d %s", code, out)
	}
}
