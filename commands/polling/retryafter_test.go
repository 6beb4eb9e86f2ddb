package polling

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestRetryAfterPutsTheNextPollOff: a source whose server answered 503 with
// Retry-After is polled again no sooner than it asked, even when that is
// past the usual back-off.
func TestRetryAfterPutsTheNextPollOff(t *testing.T) {
	var calls []time.Time
	var p *Poller
	h := bottest.New(t, bottest.Options{
		Migrations: []bot.Migrations{Migrations()},
		Register: func(h *bottest.Harness) error {
			p = New(h.Kit("test"), "test.poll", nil)
			if err := p.Add(Source{Name: "feed", Interval: 15 * time.Minute, Fetch: func(ctx context.Context) (bot.ApplyFunc, error) {
				calls = append(calls, h.Now())
				if len(calls) == 1 {
					return nil, &bot.RetryAfterError{Err: errors.New("HTTP 503"), After: 3 * time.Hour}
				}
				return nil, nil
			}}); err != nil {
				return err
			}
			return p.Start(context.Background())
		},
	})
	start := h.Clock.Now()
	h.Engine.RunDueJobs(context.Background())
	if err := h.Engine.AdvanceTo(context.Background(), h.Clock, start.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(offsets(start, calls), " "); !strings.HasPrefix(got, "0s 3h0m0s") {
		t.Fatalf("polls at %s, want the second at 3h", got)
	}
}
