package bot

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Probe checks one part of the running bot; nil means it is fine. It
// should answer within a second or two (it is given a deadline).
type Probe func(ctx context.Context) error

// Health is the list of named probes behind /healthz and /readyz.
// Components register their own: Live probes say the process can work at
// all (the database answers), Ready probes that it is doing its job now
// (WhatsApp connected, the engine loop turning, the send queue moving). A
// probe is a plain function, so any component adds one without the health
// server knowing about it:
//
//	health.Ready("send queue", func(ctx context.Context) error {
//		if age := oldestUnsent(); age > 5*time.Minute {
//			return fmt.Errorf("oldest send waiting %s", age.Round(time.Second))
//		}
//		return nil
//	})
type Health struct {
	mu    sync.Mutex
	live  []namedProbe
	ready []namedProbe
}

type namedProbe struct {
	name  string
	probe Probe
}

// ProbeTimeout bounds each probe.
const ProbeTimeout = 2 * time.Second

// Live adds a liveness probe (also checked for readiness).
func (h *Health) Live(name string, p Probe) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.live = append(h.live, namedProbe{name, p})
}

// Ready adds a readiness probe.
func (h *Health) Ready(name string, p Probe) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ready = append(h.ready, namedProbe{name, p})
}

// CheckLive runs the liveness probes in order and returns the first
// failure as "name: reason".
func (h *Health) CheckLive(ctx context.Context) error {
	h.mu.Lock()
	probes := append([]namedProbe(nil), h.live...)
	h.mu.Unlock()
	return runProbes(ctx, probes)
}

// CheckReady runs the liveness and then the readiness probes.
func (h *Health) CheckReady(ctx context.Context) error {
	h.mu.Lock()
	probes := append(append([]namedProbe(nil), h.live...), h.ready...)
	h.mu.Unlock()
	return runProbes(ctx, probes)
}

func runProbes(ctx context.Context, probes []namedProbe) error {
	for _, p := range probes {
		if err := runProbe(ctx, p.probe); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return nil
}

func runProbe(ctx context.Context, p Probe) error {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("probe panicked: %v", r)
			}
		}()
		done <- p(ctx)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.New("no answer within " + ProbeTimeout.String())
	}
}

// Heartbeat says whether a loop has turned recently: the loop (or
// something it runs) calls Beat, and Probe fails once no beat came within
// maxAge.
type Heartbeat struct {
	mu   sync.Mutex
	last time.Time
	now  func() time.Time
}

// NewHeartbeat starts a heartbeat as if it had just beaten; now is the
// wall clock (time.Now) outside tests.
func NewHeartbeat(now func() time.Time) *Heartbeat {
	return &Heartbeat{last: now(), now: now}
}

// Beat records that the loop turned.
func (hb *Heartbeat) Beat() {
	hb.mu.Lock()
	hb.last = hb.now()
	hb.mu.Unlock()
}

// Probe fails when the last beat is older than maxAge.
func (hb *Heartbeat) Probe(maxAge time.Duration) Probe {
	return func(context.Context) error {
		hb.mu.Lock()
		age := hb.now().Sub(hb.last)
		hb.mu.Unlock()
		if age > maxAge {
			return fmt.Errorf("not turned for %s", age.Round(time.Second))
		}
		return nil
	}
}
