package open311

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
)

// TestRetryAfterIsKept: a 503 or 429 answer's Retry-After reaches the
// caller's error (bot.RetryAfterOf), so the send is retried no sooner than
// the council asked; other failures carry none.
func TestRetryAfterIsKept(t *testing.T) {
	for _, tc := range []struct {
		status     int
		retryAfter string
		want       time.Duration
	}{
		{http.StatusServiceUnavailable, "600", 10 * time.Minute},
		{http.StatusTooManyRequests, "90", 90 * time.Second},
		{http.StatusInternalServerError, "600", 0},
		{http.StatusServiceUnavailable, "", 0},
		{http.StatusBadRequest, "600", 0},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.retryAfter != "" {
				w.Header().Set("Retry-After", tc.retryAfter)
			}
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(tc.status)
			io.WriteString(w, "<html>busy</html>")
		}))
		c := &Client{BaseURL: srv.URL, APIKey: "k", HTTP: srv.Client()}
		_, err := c.Create(context.Background(), Request{ServiceCode: "POT", Description: "hole", AddressString: "Elm Road"})
		srv.Close()
		if err == nil {
			t.Fatalf("HTTP %d: no error", tc.status)
		}
		if got := bot.RetryAfterOf(err); got != tc.want {
			t.Errorf("HTTP %d, Retry-After %q: %s, want %s (%v)", tc.status, tc.retryAfter, got, tc.want, err)
		}
	}
}

// TestObserveCountsOutcomes: every call is reported with its outcome.
func TestObserveCountsOutcomes(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status == http.StatusOK {
			io.WriteString(w, `[{"service_request_id":"7","status":"open"}]`)
			return
		}
		io.WriteString(w, `[{"code":400,"description":"bad"}]`)
	}))
	defer srv.Close()
	var got []string
	c := &Client{BaseURL: srv.URL, APIKey: "k", Format: FormatJSON, HTTP: srv.Client(), Observe: func(op, outcome string) { got = append(got, op+" "+outcome) }}
	c.Requests(context.Background(), "7")
	status = http.StatusBadRequest
	c.Requests(context.Background(), "7")
	status = http.StatusBadGateway
	c.Requests(context.Background(), "7")
	srv.Close()
	c.Requests(context.Background(), "7")
	if len(got) != 4 || !strings.HasSuffix(got[0], " ok") || !strings.HasSuffix(got[1], " refused") || !strings.HasSuffix(got[2], " temporary") || !strings.HasSuffix(got[3], " unreachable") {
		t.Errorf("observed %q", got)
	}
}
