package notices

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

const testToken = "s3cret-token-for-tests"

func webhookHarness(t *testing.T, cfg Config) (*bottest.Harness, *Feature, *httptest.Server) {
	t.Helper()
	cfg.Webhook.Token = testToken
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	srv := httptest.NewServer(r.WebhookHandler())
	t.Cleanup(srv.Close)
	return h, r, srv
}

func post(t *testing.T, srv *httptest.Server, auth, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/notices", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("response %d is not JSON: %q", resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

func countNotices(t *testing.T, h *bottest.Harness) int {
	t.Helper()
	var n int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notices`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWebhookAuthAndValidation(t *testing.T) {
	h, _, srv := webhookHarness(t, testConfig())
	good := `{"id":"grit-7","title":"Gritting tonight","body":"From 6pm.","link":"https://shropshire.gov.uk/gritting","topics":["gritting"],"areas":["SY3 7"],"urgency":"normal","expires":"2026-01-06T09:00:00Z"}`
	bearer := "Bearer " + testToken
	tests := []struct {
		name      string
		auth      string
		body      string
		status    int
		wantError string // substring of "error"
		wantField string
	}{
		{"no token", "", good, 401, "bearer token", ""},
		{"wrong token", "Bearer wrong-token-of-same-len", good, 401, "bearer token", ""},
		{"basic auth", "Basic " + testToken, good, 401, "bearer token", ""},
		{"too large", bearer, `{"id":"big","title":"x","body":"` + strings.Repeat("a", 70<<10) + `"}`, 413, "larger than", ""},
		{"not JSON", bearer, `gritting tonight`, 400, "malformed JSON", "json"},
		{"array", bearer, `[1,2]`, 400, "JSON object", "json"},
		{"two objects", bearer, good + good, 400, "exactly one", "json"},
		{"unknown field", bearer, `{"id":"u1","title":"x","colour":"red"}`, 400, "unknown field", "colour"},
		{"missing id", bearer, `{"title":"x"}`, 400, "required", "id"},
		{"id with spaces", bearer, `{"id":"a b","title":"x"}`, 400, "letters, digits", "id"},
		{"huge id", bearer, `{"id":"` + strings.Repeat("a", 300) + `","title":"x"}`, 400, "longer than", "id"},
		{"title wrong type", bearer, `{"id":"t1","title":42}`, 400, "must be a string", "title"},
		{"empty title", bearer, `{"id":"t2","title":"   "}`, 400, "required", "title"},
		{"huge title", bearer, `{"id":"t3","title":"` + strings.Repeat("é", 201) + `"}`, 400, "longer than", "title"},
		{"huge body", bearer, `{"id":"t4","title":"x","body":"` + strings.Repeat("b", 4001) + `"}`, 400, "longer than", "body"},
		{"topics not array", bearer, `{"id":"t5","title":"x","topics":"gritting"}`, 400, "array of strings", "topics"},
		{"unknown topic", bearer, `{"id":"t6","title":"x","topics":["parking"]}`, 400, "unknown topic", "topics[0]"},
		{"bad area", bearer, `{"id":"t7","title":"x","areas":["SY3 7","Narnia"]}`, 400, "postcode", "areas[1]"},
		{"slipped area", bearer, `{"id":"t7b","title":"x","areas":["SY37"]}`, 400, `did you mean "SY3 7"?`, "areas[0]"},
		{"unknown urgency", bearer, `{"id":"t8","title":"x","urgency":"catastrophic"}`, 400, "normal, urgent or emergency", "urgency"},
		{"bad date", bearer, `{"id":"t9","title":"x","expires":"next Tuesday"}`, 400, "RFC 3339", "expires"},
		{"past expiry", bearer, `{"id":"t10","title":"x","expires":"2025-01-01T00:00:00Z"}`, 400, "in the past", "expires"},
		{"javascript link", bearer, `{"id":"t11","title":"x","link":"javascript:alert(1)"}`, 400, "http or https", "link"},
		{"bad msg_type", bearer, `{"id":"t12","title":"x","msg_type":"retract","references":"grit-7"}`, 400, "alert, update or cancel", "msg_type"},
		{"update without references", bearer, `{"id":"t13","title":"x","msg_type":"update"}`, 400, "required", "references"},
		{"update of unknown id", bearer, `{"id":"t14","title":"x","msg_type":"cancel","references":"nope"}`, 400, "no earlier notice", "references"},
		{"references on an alert", bearer, `{"id":"t15","title":"x","references":"grit-7"}`, 400, "update or cancel", "msg_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := post(t, srv, tt.auth, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%v)", status, tt.status, out)
			}
			if msg, _ := out["error"].(string); !strings.Contains(msg, tt.wantError) {
				t.Errorf("error %q lacks %q", msg, tt.wantError)
			}
			if tt.wantField != "" && out["field"] != tt.wantField {
				t.Errorf("field = %v, want %s", out["field"], tt.wantField)
			}
		})
	}
	if n := countNotices(t, h); n != 0 {
		t.Fatalf("%d notices stored from refused requests", n)
	}

	status, out := post(t, srv, bearer, good)
	if status != http.StatusAccepted || out["status"] != "accepted" || out["state"] != "approved" {
		t.Fatalf("good notice: %d %v", status, out)
	}
	status, out = post(t, srv, bearer, good)
	if status != http.StatusOK || out["status"] != "duplicate" {
		t.Fatalf("same id again: %d %v", status, out)
	}
	if n := countNotices(t, h); n != 1 {
		t.Fatalf("%d notices stored, want 1", n)
	}
	status, out = post(t, srv, bearer, `{"id":"grit-7-update","title":"Gritting tonight — now from 5pm","topics":["gritting"],"areas":["SY3 7"],"msg_type":"update","references":"grit-7"}`)
	if status != http.StatusAccepted {
		t.Fatalf("update: %d %v", status, out)
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/notices", nil)
	req.Header.Set("Authorization", bearer)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d, want 405", resp.StatusCode)
	}
}

func TestWebhookDisabledWithoutToken(t *testing.T) {
	var r *Feature
	bottest.New(t, harnessOptions(testConfig(), &r))
	if len(r.Background()) != 0 {
		t.Fatal("no token and no feeds must mean no background work (no webhook server)")
	}
	srv := httptest.NewServer(r.WebhookHandler())
	defer srv.Close()
	// Even an empty bearer must not match an unset token.
	status, _ := post(t, srv, "Bearer ", `{"id":"a","title":"b"}`)
	if status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", status)
	}
}

func TestWebhookConcurrentDuplicates(t *testing.T) {
	h, r, _ := webhookHarness(t, testConfig())
	body := []byte(`{"id":"same","title":"Bins a day late","topics":["bins"]}`)
	results := make(chan IngestResult, 8)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			res, err := r.Submit(context.Background(), body, "webhook", "test")
			results <- res
			errs <- err
		}()
	}
	accepted := 0
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if res := <-results; !res.Duplicate {
			accepted++
		}
	}
	if accepted != 1 || countNotices(t, h) != 1 {
		t.Fatalf("accepted %d, stored %d; want exactly one", accepted, countNotices(t, h))
	}
}

func TestWebhookChunkedBodyOverLimit(t *testing.T) {
	h, _, srv := webhookHarness(t, testConfig())
	big := `{"id":"big","title":"x","body":"` + strings.Repeat("a", 100<<10) + `"}`
	// A reader of unknown length makes the client send it chunked, with
	// no Content-Length for the server to refuse up front.
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/notices", io.NopCloser(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if req.ContentLength != 0 || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("content length %d, status %d; want chunked and 413", req.ContentLength, resp.StatusCode)
	}
	if n := countNotices(t, h); n != 0 {
		t.Fatalf("%d notices stored", n)
	}
}

// TestWebhookSchemeAndContentType: the Bearer scheme is matched in any case
// (RFC 9110), and a body that is not declared as JSON gets 415 and stores
// nothing.
func TestWebhookSchemeAndContentType(t *testing.T) {
	h, _, srv := webhookHarness(t, testConfig())
	send := func(auth, contentType, id string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/notices", strings.NewReader(`{"id":"`+id+`","title":"Bins a day late"}`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", auth)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		auth, contentType string
		want              int
	}{
		{"bearer " + testToken, "application/json", http.StatusAccepted},
		{"BEARER " + testToken, "application/json; charset=utf-8", http.StatusAccepted},
		{"Bearer   " + testToken, "application/notice+json", http.StatusAccepted},
		{"Basic " + testToken, "application/json", http.StatusUnauthorized},
		{"Bearer" + testToken, "application/json", http.StatusUnauthorized},
		{"bearer wrong-token-of-some-length", "application/json", http.StatusUnauthorized},
		{"Bearer " + testToken, "text/plain", http.StatusUnsupportedMediaType},
		{"Bearer " + testToken, "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"Bearer " + testToken, "", http.StatusUnsupportedMediaType},
		{"Bearer " + testToken, "application/json; charset", http.StatusUnsupportedMediaType},
	} {
		stored := countNotices(t, h)
		got := send(tc.auth, tc.contentType, fmt.Sprintf("bins-%d", stored))
		if got != tc.want {
			t.Errorf("Authorization %q, Content-Type %q: %d, want %d", tc.auth, tc.contentType, got, tc.want)
		}
		if after := countNotices(t, h); (after > stored) != (tc.want == http.StatusAccepted) {
			t.Errorf("Authorization %q, Content-Type %q: %d notices stored, had %d", tc.auth, tc.contentType, after, stored)
		}
	}
}
