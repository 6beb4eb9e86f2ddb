package web_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/commands/inbox"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
	"neighbourbot/moderation"
	"neighbourbot/web"
)

// inboxConfig has two desks: General (the group "staff", where Sam and
// Alex answer) and Highways (the group "roads", Rita's).
func inboxConfig() inbox.Config {
	cfg := inbox.DefaultConfig()
	cfg.Enabled = true
	cfg.StaffChat = "staff"
	cfg.Hours = "" // always open: the timers count every minute
	cfg.BankHolidays = ""
	cfg.MaxMediaMB = 5
	cfg.ReopenWithin = "off"
	cfg.MaxTicketsPerDay = 100
	cfg.Desks = []inbox.Desk{{Name: "General"}, {Name: "Highways", StaffChat: "roads", Keywords: []string{"pothole", "road"}, ReplyTarget: "1h"}}
	cfg.Answers = []inbox.Answer{{Keywords: []string{"missed bin"}, Text: "Report a missed bin at", Link: "https://www.example.gov.uk/bins"}}
	return cfg
}

// newInboxSite is the bot with the notices relay, the council inbox and
// the staff page over one real SQLite file, served over real HTTP.
func newInboxSite(t testing.TB) *site { return newInboxSiteIn(t, filepath.Join(t.TempDir(), "inbox")) }

// newInboxSiteIn is newInboxSite keeping residents' media in mediaDir;
// change, when given, adjusts the inbox's configuration.
func newInboxSiteIn(t testing.TB, mediaDir string, change ...func(*inbox.Config)) *site {
	t.Helper()
	s := &site{t: t, staff: web.Staff{Owners: []string{"Olive"}, StaffChats: []bot.ChatID{"group:staff", "group:roads"}}}
	s.h = bottest.New(t, bottest.Options{
		Migrations: []bot.Migrations{moderation.Migrations(), notices.Migrations(), sources.Migrations(), polling.Migrations(), inbox.Migrations(), web.Migrations()},
		Register: func(h *bottest.Harness) error {
			if err := moderation.Register(h.Kit("moderation"), moderation.DefaultConfig(), moderation.Deps{Location: time.UTC}); err != nil {
				return err
			}
			r, err := notices.Register(h.Kit("notices"), testNoticesConfig(), notices.Deps{})
			if err != nil {
				return err
			}
			s.relay = r
			cfg := inboxConfig()
			for _, c := range change {
				c(&cfg)
			}
			ib, err := inbox.RegisterFeature(h.Kit("inbox"), cfg, inbox.Deps{MediaDir: mediaDir, Location: time.UTC,
				Chat: func(c string) bot.ChatID { return bot.ChatID("group:" + c) }})
			if err != nil {
				return err
			}
			srv, err := web.New(web.Config{Listen: "127.0.0.1:8080"}, web.Deps{Core: h.Store, Clock: h.Clock, Notices: r, Inbox: ib,
				Staff: func() web.Staff { s.mu.Lock(); defer s.mu.Unlock(); return s.staff }, Loc: time.UTC, AfterChange: h.Console.Settle})
			if err != nil {
				return err
			}
			s.srv = srv
			h.Kit("web").Reg.Handle(bot.Route{Name: "web", Scope: bot.DirectOnly, Hidden: true, Handler: srv.HandleCommand})
			return nil
		},
	})
	s.ts = httptest.NewServer(s.srv.Handler())
	t.Cleanup(s.ts.Close)
	s.h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\nAlex: hello all\n@group roads Highways team\n@admin Rita\nRita: !bot on\n")
	for _, who := range []string{"Sam", "Alex", "Rita", "Olive", "Mallory"} {
		s.h.Run("dm " + who + ": !help\n") // they have written to the bot, so links can reach them
	}
	return s
}

var formKey = regexp.MustCompile(`name="key" value="([^"]+)"`)

// replyForm is the reply form's fields on a ticket page.
func replyForm(t *testing.T, page, text string) url.Values {
	t.Helper()
	m := formKey.FindStringSubmatch(page)
	seen := regexp.MustCompile(`name="seen" value="(\d+)"`).FindStringSubmatch(page)
	if m == nil || seen == nil {
		t.Fatalf("no reply form on the page:\n%s", page)
	}
	return url.Values{"action": {"reply"}, "key": {m[1]}, "seen": {seen[1]}, "reply": {text}}
}

// TestInboxListAndTicket: staff see only their desks' tickets, filtered and
// searched, with photos, voice notes and failed media in the thread and
// no phone number anywhere; a reply from the page reaches the resident as
// a !reply does, and a note does not.
func TestInboxListAndTicket(t *testing.T) {
	s := newInboxSite(t)
	s.h.Run("dm Erin [photo]: There's a pothole on Elm Road, call me on 07700 900123\n" +
		"dm Erin [voice 12s]:\ndm Erin [photo 6MB]: a closer look\ndm Erin [location 52.7069,-2.7540]: it's here\n" +
		"dm Finn: General question about council tax\ndm Finn: 1\n")
	sam := s.signIn("Sam")
	code, body := sam.get(s.ts.URL + "/inbox")
	if code != http.StatusOK {
		t.Fatalf("/inbox: %d\n%s", code, body)
	}
	mustContain(t, body, "C2", "Finn", "<title>(1) Inbox")
	mustNotContain(t, body, "C1</a>", "Erin") // Highways is Rita's desk
	rita := s.signIn("Rita")
	_, body = rita.get(s.ts.URL + "/inbox")
	mustContain(t, body, `href="/inbox/1"`, "Erin", "New")
	if code, _ := sam.get(s.ts.URL + "/inbox/1"); code != http.StatusNotFound {
		t.Errorf("Sam opened another desk's ticket: %d", code)
	}
	if code, _ := sam.get(s.ts.URL + "/inbox/1/media/1"); code != http.StatusNotFound {
		t.Errorf("Sam fetched another desk's photo: %d", code)
	}
	code, body = rita.get(s.ts.URL + "/inbox/1")
	if code != http.StatusOK {
		t.Fatalf("/inbox/1: %d", code)
	}
	mustContain(t, body, `<img class="nb-photo" src="/inbox/1/media/1" alt="Photo from Erin`, `<audio controls preload="metadata" src="/inbox/1/media/2"`,
		"Not received", "6.0 MB photo was too big to keep", "52.70690, -2.75400", "[phone number]", "target 1h")
	mustNotContain(t, body, "07700", "900123")
	resp, err := rita.c.Get(s.ts.URL + "/inbox/1/media/2")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "audio/ogg") {
		t.Errorf("voice note: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self'") {
		t.Errorf("CSP does not let the page play recordings: %s", csp)
	}
	start := s.h.Out.Len()
	form := replyForm(t, body, "Thanks Erin, a crew is booked for Tuesday.")
	if code, loc := rita.post(s.ts.URL+"/inbox/1", form); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/inbox/1") {
		t.Fatalf("reply: %d %s", code, loc)
	}
	if code, _ := rita.post(s.ts.URL+"/inbox/1", form); code != http.StatusSeeOther {
		t.Fatalf("the same form again: %d", code)
	}
	if code, loc := rita.post(s.ts.URL+"/inbox/1", url.Values{"action": {"note"}, "key": {"n1"}, "note": {"Crew booked via the depot"}}); code != http.StatusSeeOther {
		t.Fatalf("note: %d %s", code, loc)
	}
	out := s.h.Out.String()[start:]
	if n := strings.Count(out, "[dm Erin] bot: Council team (Rita): Thanks Erin, a crew is booked for Tuesday."); n != 1 {
		t.Errorf("the resident got the reply %d times:\n%s", n, out)
	}
	mustContain(t, out, "[roads] bot: C1 · Rita answered on the staff page: Thanks Erin")
	mustNotContain(t, out, "Crew booked via the depot")
	_, body = rita.get(s.ts.URL + "/inbox/1")
	mustContain(t, body, "Note added", "Crew booked via the depot", "Internal note")
	// The staff group's own reply shows on the page too.
	s.h.Run("@group roads\nRita: !reply C1 Crew confirmed.\n")
	_, body = rita.get(s.ts.URL + "/inbox/1")
	mustContain(t, body, "Crew confirmed.")
}

// TestInboxActionsAndBadInput: assign, waiting on the resident, close and
// reopen from the page, each told in the staff group; a reply to a ticket
// the resident erased is refused with the reason; filters and pages.
func TestInboxActionsAndBadInput(t *testing.T) {
	s := newInboxSite(t)
	s.h.Run("dm Erin: General question\ndm Erin: 1\ndm Finn: Another general question\ndm Finn: 1\n")
	sam := s.signIn("Sam")
	_, home := sam.get(s.ts.URL + "/")
	mustContain(t, home, `href="/inbox">Inbox</a> – 2 open tickets have messages you have not read`)
	alexID := personID(t, s, "Alex")
	start := s.h.Out.Len()
	for _, f := range []url.Values{{"action": {"assign"}, "to": {alexID}}, {"action": {"waiting"}}} {
		if code, loc := sam.post(s.ts.URL+"/inbox/1", f); code != http.StatusSeeOther {
			t.Fatalf("%v: %d %s", f, code, loc)
		}
	}
	_, body := sam.get(s.ts.URL + "/inbox?state=waiting")
	mustContain(t, body, `href="/inbox/1"`, "Alex", "Waiting on the resident")
	_, body = sam.get(s.ts.URL + "/inbox?with=nobody")
	mustContain(t, body, `href="/inbox/2"`)
	mustNotContain(t, body, `href="/inbox/1"`)
	_, body = sam.get(s.ts.URL + "/inbox?q=Another")
	mustContain(t, body, `href="/inbox/2"`)
	mustNotContain(t, body, `href="/inbox/1"`)
	if code, loc := sam.post(s.ts.URL+"/inbox/2", url.Values{"action": {"close"}, "closenote": {"Answered by phone"}}); code != http.StatusSeeOther {
		t.Fatalf("close: %d %s", code, loc)
	}
	out := s.h.Out.String()[start:]
	mustContain(t, out, "C1 · Sam gave it to Alex on the staff page.", "[dm Finn] bot: Council team (Sam): We've closed C2 — Answered by phone.",
		"C2 · closed by Sam on the staff page; the resident has been told.")
	// The resident erases everything; a reply is refused and says why.
	s.h.Run("dm Erin: !forgetme\ndm Erin: yes\n")
	_, page := sam.get(s.ts.URL + "/inbox/1")
	mustContain(t, page, "asked to be forgotten")
	code, body := sam.post(s.ts.URL+"/inbox/1", url.Values{"action": {"reply"}, "key": {"k"}, "reply": {"Hello?"}})
	if code != http.StatusConflict {
		t.Fatalf("reply to an erased ticket: %d", code)
	}
	mustContain(t, body, "asked to be forgotten", "Nothing was sent")
	mustNotContain(t, s.h.Out.String(), "Hello?")
	// A stranger and a signed-out browser see nothing.
	if code, _ := s.browser().get(s.ts.URL + "/inbox/1"); code != http.StatusUnauthorized {
		t.Errorf("signed out: %d", code)
	}
	if link, _ := s.link("Mallory"); link != "" {
		t.Errorf("a stranger got a link")
	}
}

// TestInboxTwoStaffAtOnce: two members of staff reply to one ticket at the
// same moment from their browsers: both replies go, in order, each once,
// and the second is told of the first.
func TestInboxTwoStaffAtOnce(t *testing.T) {
	s := newInboxSite(t)
	s.h.Run("dm Erin: General question\ndm Erin: 1\n")
	sam, alex := s.signIn("Sam"), s.signIn("Alex")
	_, samPage := sam.get(s.ts.URL + "/inbox/1")
	_, alexPage := alex.get(s.ts.URL + "/inbox/1")
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i, b := range []*browser{sam, alex} {
		page := []string{samPage, alexPage}[i]
		who := []string{"Sam", "Alex"}[i]
		wg.Go(func() { codes[i], _ = b.post(s.ts.URL+"/inbox/1", replyForm(t, page, "Answer from "+who)) })
	}
	wg.Wait()
	s.h.Console.Settle(context.Background())
	out := s.h.Out.String()
	for i, who := range []string{"Sam", "Alex"} {
		if codes[i] != http.StatusSeeOther {
			t.Errorf("%s's reply: %d", who, codes[i])
		}
		if n := strings.Count(out, "[dm Erin] bot: Council team ("+who+"): Answer from "+who); n != 1 {
			t.Errorf("%s's reply reached the resident %d times", who, n)
		}
	}
	_, a := sam.get(s.ts.URL + "/inbox/1")
	_, b := alex.get(s.ts.URL + "/inbox/1")
	if strings.Contains(a, "also replied") == strings.Contains(b, "also replied") {
		t.Errorf("exactly one of the two should be told of the other's reply")
	}
}

// TestInboxLiveUpdates: an open stream of events tells the page of a new
// message with the unread count, whoever caused it.
func TestInboxLiveUpdates(t *testing.T) {
	s := newInboxSite(t)
	ticks := make(chan time.Time)
	s.srv.DriveInboxTicks(ticks)
	sam := s.signIn("Sam")
	// The work signing in set going finishes first (it can bump the
	// inbox's version), so the page's version is the last before the
	// resident writes.
	s.h.Console.Settle(context.Background())
	_, page := sam.get(s.ts.URL + "/inbox")
	v := regexp.MustCompile(`data-version="(\d+)"`).FindStringSubmatch(page)
	if v == nil {
		t.Fatalf("no version on the page:\n%s", page)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.ts.URL+"/inbox/events?v="+v[1], nil)
	resp, err := sam.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, ct)
	}
	// The resident writes; the stream then ticks as fast as it takes the
	// ticks. Some of a message's steps land a moment after the script has
	// played, each bumping the version (seen: an event counting 0 unread
	// before the one counting the new ticket), so events are read until
	// the one that counts it.
	s.h.Run("dm Erin: General question\ndm Erin: 1\n")
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case ticks <- time.Time{}:
			case <-stop:
				return
			}
		}
	}()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), `"unread":1`) {
			return
		}
	}
	t.Fatalf("the stream ended with no event counting the new ticket: %v", sc.Err())
}

func personID(t *testing.T, s *site, name string) string {
	t.Helper()
	p, err := s.h.Store.PersonByAddr(context.Background(), bot.Address(name))
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(p.ID, 10)
}

// TestInboxPagesFilesAndAudit: thousands of tickets come 50 a page; a
// photo that could not be fetched from WhatsApp shows as not received, one
// whose file went missing from the disk says so (and is not served); the
// audit names who replied from the page.
func TestInboxPagesFilesAndAudit(t *testing.T) {
	media := filepath.Join(t.TempDir(), "inbox")
	s := newInboxSiteIn(t, media)
	s.h.Run("@offline on\ndm Erin [voice 9s]: the pothole again\n@offline off\ndm Erin [photo]: and a photo\n")
	ctx := context.Background()
	if _, err := s.h.Store.DB().ExecContext(ctx, `INSERT INTO inbox_tickets (number, person_id, desk, state, created_at, opened_at, last_in_id)
		WITH RECURSIVE c(i) AS (SELECT 2 UNION ALL SELECT i+1 FROM c WHERE i < 120)
		SELECT i, (SELECT id FROM people WHERE name = 'Finn'), 'Highways', 'open', 1767603600000, 1767603600000, 0 FROM c`); err != nil {
		t.Fatal(err)
	}
	rita := s.signIn("Rita")
	_, body := rita.get(s.ts.URL + "/inbox")
	if n := strings.Count(body, `<tr class="govuk-table__row`); n != 51 { // the header row and 50 tickets
		t.Errorf("first page has %d rows, want 50 tickets", n-1)
	}
	mustContain(t, body, "Next 50 tickets", `href="/inbox/120"`)
	next := regexp.MustCompile(`href="(/inbox\?[^"]+)" rel="next"`).FindStringSubmatch(body)
	seen := 0
	for page := 0; next != nil && page < 5; page++ {
		_, body = rita.get(s.ts.URL + strings.ReplaceAll(next[1], "&amp;", "&"))
		seen++
		next = regexp.MustCompile(`href="(/inbox\?[^"]+)" rel="next"`).FindStringSubmatch(body)
	}
	if seen != 2 || !strings.Contains(body, `href="/inbox/1"`) || !strings.Contains(body, "First page") {
		t.Errorf("paging: %d further pages, last:\n%s", seen, body)
	}
	_, page := rita.get(s.ts.URL + "/inbox/1")
	mustContain(t, page, "Not received", "A voice note could not be fetched from WhatsApp.", "the pothole again")
	files, _ := filepath.Glob(filepath.Join(media, "*.jpg"))
	for _, f := range files {
		os.Remove(f)
	}
	_, page = rita.get(s.ts.URL + "/inbox/1")
	mustContain(t, page, "File missing")
	if code, _ := rita.get(s.ts.URL + "/inbox/1/media/2"); code != http.StatusNotFound {
		t.Errorf("a missing file: %d", code)
	}
	if code, _ := rita.post(s.ts.URL+"/inbox/1", replyForm(t, page, "Thanks, logged.")); code != http.StatusSeeOther {
		t.Fatalf("reply: %d", code)
	}
	entries, err := s.h.Store.AuditLog(ctx, "group:roads", 20)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if e.Action == "inbox.reply" && e.ActorName == "Rita" && e.Detail == "C1 · on the staff page" && e.TargetName == "Erin" {
			found = true
		}
	}
	if !found {
		t.Errorf("no audit entry for the page's reply: %+v", entries)
	}
	// The page's own audit, which an owner searches on /audit, names the
	// action and the ticket, never the words; sending the same form again
	// adds no line.
	if code, _ := rita.post(s.ts.URL+"/inbox/1", replyForm(t, page, "Thanks, logged.")); code != http.StatusSeeOther {
		t.Fatalf("reply again: %d", code)
	}
	_, body = s.signIn("Olive").get(s.ts.URL + "/audit?person=rita")
	if n := strings.Count(body, "inbox reply"); n != 1 || !strings.Contains(body, "ticket C1") || strings.Contains(body, "Thanks, logged") {
		t.Errorf("/audit for Rita: %d inbox reply lines:\n%s", n, body)
	}
	_, page = rita.get(s.ts.URL + "/inbox/1")
	mustContain(t, page, "Activity on this ticket", "<strong>Rita</strong> replied on the staff page", "<strong>Erin</strong> opened it (Highways)", "<strong>Erin</strong> wrote (photo)")
}

// TestInboxSavedReplies: a member of staff saves a reply for their desk; it
// is offered on that desk's tickets (the configured answers too), fills the
// reply box without JavaScript, and can be deleted; another desk's or
// every desk's is refused.
func TestInboxSavedReplies(t *testing.T) {
	s := newInboxSite(t)
	s.h.Run("dm Erin: General question\ndm Erin: 1\ndm Finn: pothole on my road\n")
	sam, rita := s.signIn("Sam"), s.signIn("Rita")
	save := url.Values{"ticket": {"1"}, "desk": {"General"}, "title": {"Council tax"}, "text": {"Council tax questions: see https://www.example.gov.uk/tax"}}
	if code, loc := sam.post(s.ts.URL+"/inbox/saved", save); code != http.StatusSeeOther || loc != "/inbox/1#saved" {
		t.Fatalf("save: %d %s", code, loc)
	}
	_, page := sam.get(s.ts.URL + "/inbox/1")
	mustContain(t, page, "Saved reply added.", `<option value="a0"`, "missed bin", "Council tax")
	key := regexp.MustCompile(`<option value="(s\d+)" data-text="Council tax`).FindStringSubmatch(page)
	if key == nil {
		t.Fatalf("no saved reply to choose:\n%s", page)
	}
	_, page = sam.get(s.ts.URL + "/inbox/1?use=" + key[1])
	mustContain(t, page, `name="reply" rows="5" aria-describedby="reply-hint">Council tax questions: see https://www.example.gov.uk/tax</textarea>`)
	_, page = rita.get(s.ts.URL + "/inbox/2")
	mustNotContain(t, page, "Council tax")
	for _, bad := range []url.Values{
		{"ticket": {"1"}, "desk": {"Highways"}, "title": {"x"}, "text": {"y"}},
		{"ticket": {"1"}, "desk": {""}, "title": {"x"}, "text": {"y"}},
		{"ticket": {"1"}, "desk": {"General"}, "title": {""}, "text": {"y"}},
	} {
		if code, body := sam.post(s.ts.URL+"/inbox/saved", bad); code != http.StatusConflict || !strings.Contains(body, "govuk-error-summary") {
			t.Errorf("%v: %d", bad, code)
		}
	}
	id := strings.TrimPrefix(key[1], "s")
	if code, _ := rita.post(s.ts.URL+"/inbox/saved", url.Values{"ticket": {"2"}, "delete": {id}}); code != http.StatusNotFound {
		t.Errorf("another desk deleted Sam's saved reply: %d", code)
	}
	if code, _ := sam.post(s.ts.URL+"/inbox/saved", url.Values{"ticket": {"1"}, "delete": {id}}); code != http.StatusSeeOther {
		t.Errorf("delete: %d", code)
	}
	_, page = sam.get(s.ts.URL + "/inbox/1")
	mustContain(t, page, "Saved reply deleted.")
	mustNotContain(t, page, "Council tax")
}
