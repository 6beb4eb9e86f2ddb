package bot

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestBackoffDoublesAndCaps(t *testing.T) {
	b := Backoff{Base: 5 * time.Minute, Max: 80 * time.Minute}
	want := []time.Duration{5, 10, 20, 40, 80, 80, 80}
	for i, w := range want {
		if got := b.Delay(i+1, "P7", 0); got != w*time.Minute {
			t.Errorf("failure %d: %s, want %s", i+1, got, w*time.Minute)
		}
	}
	if got := b.Delay(0, "P7", 0); got != 5*time.Minute {
		t.Errorf("failure 0: %s", got)
	}
	if got := (Backoff{Base: time.Hour, Max: 6 * time.Hour}).Delay(1000, "x", 0); got != 6*time.Hour {
		t.Errorf("many failures: %s", got)
	}
}

func TestBackoffJitterIsBoundedStableAndSpread(t *testing.T) {
	b := Backoff{Base: 10 * time.Minute, Max: time.Hour, Jitter: 0.2}
	seen := map[time.Duration]bool{}
	for i := range 200 {
		key := fmt.Sprintf("report:%d", i)
		d := b.Delay(2, key, 0)
		if d < 16*time.Minute || d > 20*time.Minute {
			t.Fatalf("%s: %s outside 16m–20m", key, d)
		}
		if again := b.Delay(2, key, 0); again != d {
			t.Fatalf("%s: %s then %s for the same retry", key, d, again)
		}
		seen[d.Truncate(30*time.Second)] = true
	}
	if len(seen) < 6 {
		t.Errorf("200 keys fell into only %d half-minute slots: no spread", len(seen))
	}
	if b.Delay(2, "a", 0) == b.Delay(3, "a", 0)/2 && b.Delay(3, "a", 0) == b.Delay(4, "a", 0)/2 {
		t.Error("jitter does not change between attempts")
	}
}

func TestBackoffHonoursRetryAfter(t *testing.T) {
	b := Backoff{Base: time.Minute, Max: 30 * time.Minute, Jitter: 0.1}
	if got := b.Delay(1, "k", 2*time.Hour); got != 2*time.Hour {
		t.Errorf("Retry-After 2h over a 1m wait: %s", got)
	}
	if got := b.Delay(3, "k", time.Second); got > 4*time.Minute || got < 3*time.Minute {
		t.Errorf("a Retry-After shorter than the backoff: %s, want the backoff", got)
	}
	if got := b.Delay(1, "k", 30*24*time.Hour); got != 24*time.Hour {
		t.Errorf("Retry-After of 30 days: %s, want the 24h cap", got)
	}
	capped := Backoff{Base: time.Minute, MaxRetryAfter: time.Hour}
	if got := capped.Delay(1, "k", 3*time.Hour); got != time.Hour {
		t.Errorf("MaxRetryAfter 1h: %s", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"120", 2 * time.Minute},
		{" 5 ", 5 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{"", 0},
		{"Mon, 05 Jan 2026 09:30:00 GMT", 30 * time.Minute},
		{"Mon, 05 Jan 2026 08:30:00 GMT", 0}, // in the past
		{"99999999999", 365 * 24 * time.Hour},
	} {
		if got := ParseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("ParseRetryAfter(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestWithRetryAfter(t *testing.T) {
	now := time.Now()
	base := errors.New("HTTP 503")
	resp := &http.Response{StatusCode: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"90"}}}
	err := WithRetryAfter(base, resp, now)
	if RetryAfterOf(err) != 90*time.Second || !errors.Is(err, base) {
		t.Errorf("503 with Retry-After: %v", err)
	}
	if wrapped := fmt.Errorf("fetch: %w", err); RetryAfterOf(wrapped) != 90*time.Second {
		t.Error("Retry-After lost through wrapping")
	}
	resp.StatusCode = http.StatusInternalServerError
	if err := WithRetryAfter(base, resp, now); RetryAfterOf(err) != 0 {
		t.Error("a 500's Retry-After counted")
	}
	resp.StatusCode = http.StatusTooManyRequests
	resp.Header.Set("Retry-After", "later")
	if err := WithRetryAfter(base, resp, now); err != base {
		t.Errorf("unreadable Retry-After: %v", err)
	}
}
