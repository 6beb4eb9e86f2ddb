package open311

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "open311", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// serve answers every request with status and body, recording what came in.
func serve(t *testing.T, status int, contentType, body string) (*httptest.Server, *[]*http.Request, *[]url.Values) {
	t.Helper()
	var reqs []*http.Request
	var forms []url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("parse form: %v", err)
		}
		reqs = append(reqs, r)
		forms = append(forms, r.PostForm)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &reqs, &forms
}

func TestCreateSendsExactlyTheseFields(t *testing.T) {
	srv, reqs, forms := serve(t, http.StatusCreated, "application/json", fixture(t, "create_ok.json"))
	c := &Client{BaseURL: srv.URL + "/open311/v2", APIKey: "k3y", JurisdictionID: "shropshire.gov.uk", HTTP: srv.Client()}
	got, err := c.Create(context.Background(), Request{
		ServiceCode: "POT", HasLocation: true, Lat: 52.7069, Long: -2.754,
		Description: "outside no. 12 Elm Road, deep", MediaURL: "https://photos.example.org/abc.jpg",
		FirstName: "Pat", LastName: "Liaison", Email: "streets@example.org",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ServiceRequestID != "293944" || !strings.HasPrefix(got.ServiceNotice, "The City will inspect") {
		t.Errorf("created = %+v", got)
	}
	r := (*reqs)[0]
	if r.Method != http.MethodPost || r.URL.Path != "/open311/v2/requests.json" {
		t.Errorf("request = %s %s", r.Method, r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	want := url.Values{
		"api_key": {"k3y"}, "jurisdiction_id": {"shropshire.gov.uk"}, "service_code": {"POT"},
		"lat": {"52.706900"}, "long": {"-2.754000"}, "description": {"outside no. 12 Elm Road, deep"},
		"media_url": {"https://photos.example.org/abc.jpg"}, "first_name": {"Pat"}, "last_name": {"Liaison"},
		"email": {"streets@example.org"},
	}
	if got := (*forms)[0]; got.Encode() != want.Encode() {
		t.Errorf("form\n got %s\nwant %s", got.Encode(), want.Encode())
	}
}

func TestFormWithoutLocationOrOptionalFields(t *testing.T) {
	c := &Client{APIKey: "k"}
	long := strings.Repeat("é", MaxDescription+50)
	f := c.Form(Request{ServiceCode: "SL", AddressString: "3 Ash Close, SY3 7", Description: long})
	want := []string{"address_string", "api_key", "description", "service_code"}
	var keys []string
	for k := range f {
		keys = append(keys, k)
	}
	if strings.Join(sorted(keys), ",") != strings.Join(want, ",") {
		t.Errorf("keys = %v, want %v", sorted(keys), want)
	}
	if n := len([]rune(f.Get("description"))); n != MaxDescription {
		t.Errorf("description has %d characters, want %d", n, MaxDescription)
	}
}

func TestCreateAnswers(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantID      string
		wantToken   string
		wantErr     string
		temporary   bool
	}{
		{name: "id", status: 201, body: "create_ok.json", wantID: "293944"},
		{name: "numeric id", status: 200, body: "create_numeric_id.json", wantID: "293945"},
		{name: "token", status: 200, body: "create_token.json", wantToken: "12345"},
		{name: "400 error body", status: 400, body: "error_400.json", wantErr: "the council's system said: service_code NOPE was not found"},
		{name: "403 bad key", status: 403, body: "error_403_key.json", wantErr: "Invalid api_key"},
		{name: "error body with 200", status: 200, body: "error_400.json", wantErr: "service_code NOPE was not found"},
		{name: "500 html", status: 500, contentType: "text/html", body: "error_500.html", wantErr: "the council's server had an error (HTTP 500)", temporary: true},
		{name: "503", status: 503, body: "maintenance.html", wantErr: "HTTP 503", temporary: true},
		{name: "html with 200", status: 200, contentType: "text/html", body: "maintenance.html", wantErr: "an answer I can't read", temporary: true},
		{name: "garbage", status: 200, body: "garbage.txt", wantErr: "an answer I can't read", temporary: true},
		{name: "empty array", status: 200, body: "", wantErr: "neither a service_request_id nor a token", temporary: true},
		{name: "404 without body", status: 404, body: "", wantErr: "refused the request"},
		{name: "429", status: 429, body: "", wantErr: "HTTP 429", temporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := "[]"
			if tt.body != "" {
				body = fixture(t, tt.body)
			}
			if tt.name == "404 without body" || tt.name == "429" {
				body = ""
			}
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			srv, _, _ := serve(t, tt.status, ct, body)
			c := &Client{BaseURL: srv.URL, APIKey: "k", HTTP: srv.Client()}
			got, err := c.Create(context.Background(), Request{ServiceCode: "POT", Description: "x"})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.ServiceRequestID != tt.wantID || got.Token != tt.wantToken {
					t.Errorf("got %+v", got)
				}
				return
			}
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if !strings.Contains(oe.Summary(), tt.wantErr) {
				t.Errorf("summary %q lacks %q", oe.Summary(), tt.wantErr)
			}
			if IsTemporary(err) != tt.temporary {
				t.Errorf("temporary = %v, want %v", IsTemporary(err), tt.temporary)
			}
		})
	}
}

func TestCreateTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	hc := srv.Client()
	hc.Timeout = 50 * time.Millisecond
	c := &Client{BaseURL: srv.URL, APIKey: "k", HTTP: hc}
	_, err := c.Create(context.Background(), Request{ServiceCode: "POT", Description: "x"})
	var oe *Error
	if !errors.As(err, &oe) || !oe.Temporary || !strings.Contains(oe.Summary(), "did not answer in time") {
		t.Fatalf("err = %v", err)
	}
	if !IsTimeout(err) {
		t.Errorf("IsTimeout(%v) = false", err)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	c := &Client{BaseURL: base, APIKey: "k"}
	_, err := c.Create(context.Background(), Request{ServiceCode: "POT", Description: "x"})
	if !IsTemporary(err) || !strings.Contains(err.Error(), "could not reach") {
		t.Fatalf("err = %v", err)
	}
	if IsTimeout(err) {
		t.Errorf("IsTimeout(%v) = true for a refused connection", err)
	}
}

func TestToken(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   string
	}{
		{200, fixture(t, "token.json"), "638344"},
		{200, fixture(t, "token_pending.json"), ""},
		{404, `[{"code":404,"description":"token not found"}]`, ""},
	} {
		srv, reqs, _ := serve(t, tt.status, "application/json", tt.body)
		c := &Client{BaseURL: srv.URL + "/v2/", JurisdictionID: "j", HTTP: srv.Client()}
		got, err := c.Token(context.Background(), "12345")
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("token id = %q, want %q", got, tt.want)
		}
		if u := (*reqs)[0].URL; u.Path != "/v2/tokens/12345.json" || u.Query().Get("jurisdiction_id") != "j" {
			t.Errorf("url = %s", u)
		}
	}
}

func TestRequests(t *testing.T) {
	srv, reqs, _ := serve(t, 200, "application/json", fixture(t, "requests_scheduled.json"))
	c := &Client{BaseURL: srv.URL, HTTP: srv.Client()}
	got, err := c.Requests(context.Background(), "293944", "293945")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Status != "open" || got[0].StatusNotes != "Action scheduled: resurfacing crew booked." ||
		got[0].ExpectedAt != "2026-03-14T00:00:00+00:00" {
		t.Errorf("got %+v", got)
	}
	if q := (*reqs)[0].URL.Query().Get("service_request_id"); q != "293944,293945" {
		t.Errorf("service_request_id = %q", q)
	}
	srv2, _, _ := serve(t, 200, "application/json", fixture(t, "requests_extended.json"))
	c2 := &Client{BaseURL: srv2.URL, HTTP: srv2.Client()}
	got, err = c2.Requests(context.Background(), "293944")
	if err != nil || len(got) != 1 || got[0].ServiceRequestID != "293944" || got[0].Status != "in_progress" {
		t.Errorf("extended: %+v, %v", got, err)
	}
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
