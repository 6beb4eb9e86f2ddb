package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
	"neighbourbot/web"
)

// site is a bot with the notices relay and the staff page over a real
// SQLite file, served by a real HTTP server.
type site struct {
	t     testing.TB
	h     *bottest.Harness
	srv   *web.Server
	ts    *httptest.Server
	relay *notices.Feature
	// staff is what the configuration names as staff; tests change it to
	// take someone out.
	mu    sync.Mutex
	staff web.Staff
	// tellFails, when set, is what queueing a direct message returns: a
	// store that cannot write the send queue.
	tellFails error
}

func testNoticesConfig() notices.Config {
	c := notices.DefaultConfig()
	c.SourceName = "Shropshire Council"
	c.Approvers = []string{"Carol", "Dave"}
	c.RequireApproval = true
	c.EmergencyTwoApprovals = true
	c.Senders = []notices.SenderConfig{{Name: "Highways", Token: "highways-token-0123456789", Topics: []string{"roads", "gritting"}, Staff: []string{"Sam"}, RequireApproval: true}}
	return c
}

func newSite(t *testing.T) *site { return newBenchSite(t) }

// newBenchSite is newSite for a test or a benchmark; change, when given,
// adjusts the notices configuration.
func newBenchSite(t testing.TB, change ...func(*notices.Config)) *site {
	t.Helper()
	s := &site{t: t, staff: web.Staff{Owners: []string{"Olive"}, Approvers: []string{"Carol", "Dave"},
		Senders: []web.SenderStaff{{Name: "Highways", Topics: []string{"roads", "gritting"}, Staff: []string{"Sam"}}}}}
	ncfg := testNoticesConfig()
	for _, c := range change {
		c(&ncfg)
	}
	s.h = bottest.New(t, bottest.Options{
		Migrations: []bot.Migrations{notices.Migrations(), sources.Migrations(), polling.Migrations(), web.Migrations()},
		Register: func(h *bottest.Harness) error {
			r, err := notices.Register(h.Kit("notices"), ncfg, notices.Deps{QuietHours: bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: time.UTC},
				StaffPage: "http://127.0.0.1:8080/approvals",
				Rejected: func(ctx context.Context, id int64, by, reason string) error {
					return s.srv.TellComposer(ctx, id, by, reason)
				}})
			if err != nil {
				return err
			}
			h.Console.Directive("notice", r.NoticeDirective)
			s.relay = r
			srv, err := web.New(web.Config{Listen: "127.0.0.1:8080"}, web.Deps{Core: h.Store, Clock: h.Clock, Notices: r, Topics: ncfg.Topics,
				Staff: func() web.Staff { s.mu.Lock(); defer s.mu.Unlock(); return s.staff }, Loc: time.UTC, AfterChange: h.Console.Settle, Tell: func(ctx context.Context, person int64, text string) error {
					if s.tellFails != nil {
						return s.tellFails
					}
					p, err := h.Store.PersonByID(ctx, person)
					if err != nil {
						return err
					}
					return h.Kit("web").Out.DM(ctx, p, text)
				},
				Quiet: bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: time.UTC}, Periods: func() []notices.PeriodInfo {
					list, err := notices.ElectionPeriods(ncfg, time.UTC)
					if err != nil {
						t.Error(err)
					}
					return list
				}})
			if err != nil {
				return err
			}
			s.srv = srv
			srv.RegisterJobs(h.Kit("web").Jobs)
			h.Kit("web").Reg.Handle(bot.Route{Name: "web", Scope: bot.DirectOnly, Hidden: true, Handler: srv.HandleCommand})
			return nil
		},
	})
	s.ts = httptest.NewServer(s.srv.Handler())
	t.Cleanup(s.ts.Close)
	s.h.Run("@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !notices area SY3 7\n")
	return s
}

var linkRE = regexp.MustCompile(`http://127\.0\.0\.1:8080(/login/[A-Za-z0-9_-]+)`)

// link asks the bot for a sign-in link as name and returns its path on
// the test server ("" when the bot sent none).
func (s *site) link(name string) (string, string) {
	s.t.Helper()
	out := s.h.Run("dm " + name + ": !web\n")
	m := linkRE.FindStringSubmatch(out)
	if m == nil {
		return "", out
	}
	return s.ts.URL + m[1], out
}

// sessionCookie signs name in and returns the session cookie.
func (s *site) sessionCookie(name string) *http.Cookie {
	s.t.Helper()
	link, out := s.link(name)
	if link == "" {
		s.t.Fatalf("no link for %s:\n%s", name, out)
	}
	resp, err := s.browser().c.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		s.t.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Value != "" {
			return c
		}
	}
	s.t.Fatalf("no session cookie for %s", name)
	return nil
}

// browser is one person's browser: a cookie jar that does not follow
// redirects, so each answer can be checked.
type browser struct {
	t testing.TB
	c *http.Client
}

func (s *site) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn signs name in through a link from the bot.
func (s *site) signIn(name string) *browser {
	s.t.Helper()
	link, out := s.link(name)
	if link == "" {
		s.t.Fatalf("%s got no sign-in link:\n%s", name, out)
	}
	b := s.browser()
	if code, body := b.post(link, nil); code != http.StatusSeeOther {
		s.t.Fatalf("sign in %s: %d\n%s", name, code, body)
	}
	return b
}

func (b *browser) get(u string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) post(u string, form url.Values) (int, string) {
	b.t.Helper()
	resp, err := b.c.PostForm(u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, string(body)
}

func mustContain(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q; got:\n%s", w, body)
		}
	}
}

func mustNotContain(t *testing.T, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("page has %q; got:\n%s", w, body)
		}
	}
}

var _ = context.Background

// auditText is the whole notice audit, for checks.
func (s *site) auditText() string {
	recs, err := notices.SearchAudit(context.Background(), s.h.Store, notices.AuditQuery{Limit: 1000})
	if err != nil {
		s.t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(r.Event + " | " + r.Actor + " | " + r.Detail + "\n")
	}
	return b.String()
}

func readAll(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
