package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"neighbourbot/web"
)

func TestSignInWithWhatsApp(t *testing.T) {
	s := newSite(t)
	link, out := s.link("Carol")
	if link == "" {
		t.Fatalf("no link for an approver:\n%s", out)
	}
	b := s.browser()
	// Opening the link (as a link preview would) does not use it up.
	for range 2 {
		code, body := b.get(link)
		if code != http.StatusOK {
			t.Fatalf("GET link: %d", code)
		}
		mustContain(t, body, "Sign in as Carol")
	}
	if code, where := b.post(link, nil); code != http.StatusSeeOther || where != "/" {
		t.Fatalf("sign in: %d %s", code, where)
	}
	code, body := b.get(s.ts.URL + "/")
	if code != http.StatusOK {
		t.Fatalf("home: %d\n%s", code, body)
	}
	mustContain(t, body, "Signed in as <strong>Carol</strong>", "Approvals")
	// Single use: the same link again, from another browser, is refused.
	if code, body := s.browser().post(link, nil); code != http.StatusGone || !strings.Contains(body, "expired or has already been used") {
		t.Errorf("reused link: %d\n%s", code, body)
	}
	// A forged link.
	if code, _ := s.browser().post(s.ts.URL+"/login/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", nil); code != http.StatusGone {
		t.Errorf("forged link: %d", code)
	}
	// Expired: ten minutes.
	late, _ := s.link("Dave")
	s.h.Clock.Advance(10*time.Minute + time.Second)
	if code, _ := s.browser().post(late, nil); code != http.StatusGone {
		t.Errorf("expired link: %d", code)
	}
	// Signed in through the audit, by name and "web".
	mustContain(t, s.auditText(), "signed in", "Carol (web)")
}

func TestStrangerGetsNoLink(t *testing.T) {
	s := newSite(t)
	link, out := s.link("Mallory")
	if link != "" {
		t.Fatalf("a stranger got a link: %s", out)
	}
	mustContain(t, out, "only for the council staff named in the bot's settings")
	// Nobody signed in sees only how to sign in.
	code, body := s.browser().get(s.ts.URL + "/approvals")
	if code != http.StatusUnauthorized {
		t.Errorf("anonymous /approvals: %d", code)
	}
	mustContain(t, body, "Send <strong>!web</strong> to the bot")
	mustNotContain(t, body, "Approve")
}

func TestLinksAreRateLimited(t *testing.T) {
	s := newSite(t)
	for i := range 3 {
		if link, out := s.link("Sam"); link == "" {
			t.Fatalf("link %d refused:\n%s", i+1, out)
		}
	}
	link, out := s.link("Sam")
	if link != "" || !strings.Contains(out, "asked for 3 sign-in links") {
		t.Fatalf("fourth link within ten minutes: %q\n%s", link, out)
	}
	s.h.Clock.Advance(11 * time.Minute)
	if link, _ := s.link("Sam"); link == "" {
		t.Error("no link once the window passed")
	}
}

func TestSessionsEnd(t *testing.T) {
	s := newSite(t)
	b := s.signIn("Carol")
	other := s.signIn("Carol")
	code, body := b.get(s.ts.URL + "/account")
	if code != http.StatusOK || strings.Count(body, "Sign out<span") != 2 {
		t.Fatalf("signed-in-on list: %d\n%s", code, body)
	}
	// !web off ends both.
	out := s.h.Run("dm Carol: !web off\n")
	mustContain(t, out, "Signed out of the staff page everywhere (2 browsers)")
	for _, br := range []*browser{b, other} {
		if code, _ := br.get(s.ts.URL + "/approvals"); code != http.StatusUnauthorized {
			t.Errorf("after !web off: %d", code)
		}
	}
	// Idle for over an hour.
	b = s.signIn("Carol")
	s.h.Clock.Advance(59 * time.Minute)
	if code, _ := b.get(s.ts.URL + "/"); code != http.StatusOK {
		t.Fatalf("within the hour: %d", code)
	}
	s.h.Clock.Advance(61 * time.Minute)
	if code, _ := b.get(s.ts.URL + "/"); code != http.StatusUnauthorized {
		t.Errorf("idle past an hour: %d", code)
	}
	// Twelve hours at most, however busy.
	b = s.signIn("Carol")
	for range 12 {
		s.h.Clock.Advance(59 * time.Minute)
		b.get(s.ts.URL + "/")
	}
	if code, _ := b.get(s.ts.URL + "/"); code != http.StatusOK {
		t.Fatalf("busy for 11h48m: %d", code)
	}
	s.h.Clock.Advance(15 * time.Minute)
	if code, _ := b.get(s.ts.URL + "/"); code != http.StatusUnauthorized {
		t.Errorf("past twelve hours: %d", code)
	}
	// Signing out one browser from the list leaves the other.
	b, other = s.signIn("Carol"), s.signIn("Carol")
	if code, where := b.post(s.ts.URL+"/sign-out", nil); code != http.StatusSeeOther || where != "/signed-out" {
		t.Fatalf("sign out: %d %s", code, where)
	}
	if code, _ := b.get(s.ts.URL + "/"); code != http.StatusUnauthorized {
		t.Error("signed-out browser still in")
	}
	if code, _ := other.get(s.ts.URL + "/"); code != http.StatusOK {
		t.Error("the other browser was signed out too")
	}
}

func TestRemovedFromConfigurationIsRefused(t *testing.T) {
	s := newSite(t)
	b := s.signIn("Dave")
	s.mu.Lock()
	s.staff.Approvers = []string{"Carol"}
	s.mu.Unlock()
	code, body := b.get(s.ts.URL + "/approvals")
	if code != http.StatusForbidden {
		t.Fatalf("removed approver: %d\n%s", code, body)
	}
	mustContain(t, body, "no longer named as staff")
	// And stays out even if put back: the session was ended.
	s.mu.Lock()
	s.staff.Approvers = []string{"Carol", "Dave"}
	s.mu.Unlock()
	if code, _ := b.get(s.ts.URL + "/approvals"); code != http.StatusUnauthorized {
		t.Errorf("session survived removal: %d", code)
	}
	mustContain(t, s.auditText(), "no longer named as staff")
}

func TestSecurityHeadersAndCookies(t *testing.T) {
	s := newSite(t)
	link, _ := s.link("Carol")
	resp, err := s.browser().c.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ck := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"neighbourbot_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	for _, path := range []string{"/", "/login/x", "/assets/app.css", "/nowhere"} {
		resp, err := http.Get(s.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for _, h := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
			if resp.Header.Get(h) == "" {
				t.Errorf("%s: no %s", path, h)
			}
		}
	}
}

func TestCrossSitePostIsRefused(t *testing.T) {
	s := newSite(t)
	b := s.signIn("Carol")
	s.h.Run(`@notice {"id":"grit-1","title":"Gritting tonight","topics":["gritting"],"areas":["SY3"]}` + "\n")
	for _, hdr := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		req, _ := http.NewRequest("POST", s.ts.URL+"/approvals/1", strings.NewReader("action=approve"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(hdr[0], hdr[1])
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %s answered %d", hdr[0], hdr[1], resp.StatusCode)
		}
	}
	if _, body := b.get(s.ts.URL + "/approvals"); !strings.Contains(body, "Approve #1") {
		t.Error("the cross-site post approved the notice")
	}
}

func TestBodyIsBounded(t *testing.T) {
	s := newSite(t)
	b := s.signIn("Sam")
	req, _ := http.NewRequest("POST", s.ts.URL+"/notices/new", strings.NewReader("body="+strings.Repeat("x", 100<<10)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("100 KB form: %d", resp.StatusCode)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  web.Config
		want string
	}{
		{web.Config{}, ""},
		{web.Config{Listen: "127.0.0.1:8080"}, ""},
		{web.Config{Listen: "[::1]:8080"}, ""},
		{web.Config{Listen: "localhost:8080"}, ""},
		{web.Config{Listen: "8080"}, "must be HOST:PORT"},
		{web.Config{Listen: "0.0.0.0:8080"}, "without HTTPS"},
		{web.Config{Listen: ":8080"}, "without HTTPS"},
		{web.Config{Listen: "0.0.0.0:8080", BehindProxy: true}, "public_url must name"},
		{web.Config{Listen: "0.0.0.0:8080", BehindProxy: true, PublicURL: "https://notices.example.gov.uk"}, ""},
		{web.Config{Listen: "0.0.0.0:8080", BehindProxy: true, PublicURL: "http://notices.example.gov.uk"}, "must use https"},
		{web.Config{Listen: "0.0.0.0:8443", CertFile: "c.pem", KeyFile: "k.pem"}, ""},
		{web.Config{Listen: "0.0.0.0:8443", CertFile: "c.pem"}, "set together"},
		{web.Config{Listen: "127.0.0.1:8080", PublicURL: "javascript:alert(1)"}, "must be an http(s) address"},
	} {
		err := tc.cfg.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.cfg, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// TestHTTPSCookies: under an https public address the session cookie is
// Secure and __Host- prefixed (bound to the host, path /).
func TestHTTPSCookies(t *testing.T) {
	s := newSite(t)
	s.h.Run("dm Carol: !help\n")
	carol, err := s.h.Store.PersonByAddr(t.Context(), "Carol")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Listen: "127.0.0.1:8080", PublicURL: "https://notices.example.gov.uk", BehindProxy: true},
		web.Deps{Core: s.h.Store, Clock: s.h.Clock, Notices: s.relay, Staff: func() web.Staff { return s.staff }})
	if err != nil {
		t.Fatal(err)
	}
	link, err := srv.Link(t.Context(), carol.ID)
	if err != nil || !strings.HasPrefix(link, "https://notices.example.gov.uk/login/") {
		t.Fatalf("link %q, %v", link, err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	resp, err := s.browser().c.Post(ts.URL+strings.TrimPrefix(link, "https://notices.example.gov.uk"), "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ck := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"__Host-neighbourbot=", "Secure", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Domain=") {
		t.Errorf("a __Host- cookie must not name a domain: %q", ck)
	}
}
