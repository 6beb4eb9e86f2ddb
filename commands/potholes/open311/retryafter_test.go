package open311

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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
