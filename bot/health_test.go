package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHealthProbes(t *testing.T) {
	var h Health
	h.Live("database", func(context.Context) error { return nil })
	h.Ready("whatsapp", func(context.Context) error { return errors.New("not connected") })
	h.Ready("never", func(ctx context.Context) error { <-ctx.Done(); return nil })
	if err := h.CheckLive(context.Background()); err != nil {
		t.Errorf("live: %v", err)
	}
	if err := h.CheckReady(context.Background()); err == nil || err.Error() != "whatsapp: not connected" {
		t.Errorf("ready: %v", err)
	}
	var slow Health
	slow.Ready("stuck", func(ctx context.Context) error { select {} })
	slow.Ready("panics", func(context.Context) error { panic("boom") })
	start := time.Now()
	if err := slow.CheckReady(context.Background()); err == nil || !strings.HasPrefix(err.Error(), "stuck: no answer within") {
		t.Errorf("stuck probe: %v", err)
	}
	if time.Since(start) > 10*ProbeTimeout {
		t.Error("a stuck probe held the check")
	}
	var p Health
	p.Live("panics", func(context.Context) error { panic("boom") })
	if err := p.CheckLive(context.Background()); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("panicking probe: %v", err)
	}
}

func TestHeartbeat(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	hb := NewHeartbeat(func() time.Time { return now })
	probe := hb.Probe(90 * time.Second)
	if err := probe(context.Background()); err != nil {
		t.Errorf("fresh: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if err := probe(context.Background()); err == nil || err.Error() != "not turned for 2m0s" {
		t.Errorf("two minutes without a beat: %v", err)
	}
	hb.Beat()
	if err := probe(context.Background()); err != nil {
		t.Errorf("after a beat: %v", err)
	}
}
