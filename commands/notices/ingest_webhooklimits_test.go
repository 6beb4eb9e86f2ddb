package notices

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
	"neighbourbot/commands/notices/webhook"
)

// TestWebhookStrictJSON: bytes that are not UTF-8 and a key given twice,
// at the top or inside an object, are refused with a clear 400; the same
// notice sent properly is accepted.
func TestWebhookStrictJSON(t *testing.T) {
	h, _, srv := webhookHarness(t, testConfig())
	for _, tc := range []struct{ name, body, field, msg string }{
		{"invalid UTF-8", "{\"id\":\"a1\",\"title\":\"Road \xff closed\"}", "json", "not valid UTF-8"},
		{"duplicate key", `{"id":"a1","title":"Road closed","title":"Road open"}`, "title", "given twice"},
		{"duplicate nested key", `{"id":"a1","title":"Poll","poll":{"question":"Which?","question":"Other?","options":["A","B"]}}`, "question", "given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := post(t, srv, "Bearer "+testToken, tc.body)
			if status != http.StatusBadRequest || out["field"] != tc.field || !strings.Contains(fmt.Sprint(out["error"]), tc.msg) {
				t.Errorf("got %d %v, want 400 on %s: %s", status, out, tc.field, tc.msg)
			}
		})
	}
	if n := countNotices(t, h); n != 0 {
		t.Fatalf("%d notices stored from refused bodies", n)
	}
	// The same key in two different objects is no duplicate.
	if status, out := post(t, srv, "Bearer "+testToken, `{"id":"a1","title":"Road closed","topics":["roads"],"areas":["SY3"]}`); status != http.StatusAccepted {
		t.Fatalf("a proper notice: %d %v", status, out)
	}
}

// TestWebhookLimitsFailedTokens: a client that keeps sending wrong tokens
// is answered 429, even with the right one, until the window (on the bot's
// clock) has passed.
func TestWebhookLimitsFailedTokens(t *testing.T) {
	h, _, srv := webhookHarness(t, testConfig())
	for i := range webhook.MaxFailedTokens {
		if status, _ := post(t, srv, "Bearer wrong-token-of-same-len", `{}`); status != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d", i+1, status)
		}
	}
	good := `{"id":"b1","title":"Road closed","topics":["roads"],"areas":["SY3"]}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/notices", strings.NewReader(good))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" {
		t.Fatalf("after %d wrong tokens: %d, Retry-After %q", webhook.MaxFailedTokens, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	h.Clock.Advance(webhook.FailedTokenWindow)
	if status, out := post(t, srv, "Bearer "+testToken, good); status != http.StatusAccepted {
		t.Fatalf("after the window: %d %v", status, out)
	}
}

// TestWebhookBoundsRequestsInFlight: while MaxInFlight requests are being
// handled (held here by a unit of work that keeps the writer), the next is
// answered 503 with Retry-After at once; the held ones are all stored.
func TestWebhookBoundsRequestsInFlight(t *testing.T) {
	cfg := testConfig()
	cfg.Webhook.Token = testToken
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	wh := r.webhookHandler()
	srv := httptest.NewServer(wh)
	defer srv.Close()

	holding, release := make(chan struct{}), make(chan struct{})
	go h.Store.Atomic(context.Background(), func(context.Context) error {
		close(holding)
		<-release
		return nil
	})
	<-holding
	var wg sync.WaitGroup
	statuses := make(chan int, webhook.MaxInFlight)
	for i := range webhook.MaxInFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := post(t, srv, "Bearer "+testToken, fmt.Sprintf(`{"id":"held-%d","title":"Held","topics":["roads"],"areas":["SY3"]}`, i))
			statuses <- status
		}()
	}
	deadline := time.Now().Add(guard)
	for wh.InFlight() < webhook.MaxInFlight {
		if time.Now().After(deadline) {
			t.Fatalf("only %d requests in flight", wh.InFlight())
		}
		time.Sleep(time.Millisecond)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/notices", strings.NewReader(`{"id":"over","title":"Over","topics":["roads"]}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the bound: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	close(release)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusAccepted {
			t.Errorf("a held request got %d", s)
		}
	}
	if n := countNotices(t, h); n != webhook.MaxInFlight {
		t.Errorf("%d notices stored, want %d", n, webhook.MaxInFlight)
	}
}

// TestWebhookServerTimeouts: the webhook's listener bounds every phase of
// a connection.
func TestWebhookServerTimeouts(t *testing.T) {
	cfg := testConfig()
	cfg.Webhook.Token = testToken
	var r *Feature
	bottest.New(t, harnessOptions(cfg, &r))
	srv := r.webhookServer()
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Errorf("webhook server without a bound: %+v", srv)
	}
}
