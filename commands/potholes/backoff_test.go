package potholes

import (
	"testing"
	"time"

	"neighbourbot/commands/potholes/open311"
)

func TestSendBackoffHonoursRetryAfter(t *testing.T) {
	plain := &open311.Error{StatusCode: 500, Temporary: true}
	for attempt, want := range map[int]time.Duration{1: 5 * time.Minute, 2: 10 * time.Minute, 5: 80 * time.Minute} {
		if got := sendBackoff(attempt, plain); got != want {
			t.Errorf("attempt %d: %s, want %s", attempt, got, want)
		}
	}
	busy := &open311.Error{StatusCode: 503, Temporary: true, RetryAfter: 2 * time.Hour}
	if got := sendBackoff(1, busy); got != 2*time.Hour {
		t.Errorf("Retry-After 2h: %s", got)
	}
	if got := sendBackoff(1, &open311.Error{StatusCode: 503, Temporary: true, RetryAfter: time.Minute}); got != 5*time.Minute {
		t.Errorf("Retry-After shorter than the backoff: %s", got)
	}
}
