package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/commands/notices"
	"neighbourbot/web"
)

func grit(id string) string {
	return `@notice {"id":"` + id + `","title":"Gritting tonight","body":"From *6pm*, main roads first.","topics":["gritting"],"areas":["SY3"]}` + "\n"
}

func TestApprovalsShowEverythingAndApprove(t *testing.T) {
	s := newSite(t)
	s.h.Run(grit("grit-1"))
	carol := s.signIn("Carol")
	code, body := carol.get(s.ts.URL + "/approvals")
	if code != http.StatusOK {
		t.Fatalf("/approvals: %d", code)
	}
	// The message in full as residents read it, with WhatsApp's bold.
	mustContain(t, body, "#1 Gritting tonight", "From <strong>6pm</strong>, main roads first.", "Shropshire Council",
		"Reaches 1 group and 0 subscribers", "SY3 7", "Approve #1", "Reject #1")
	// An owner sees everything but is not an approver: no buttons.
	_, obody := s.signIn("Olive").get(s.ts.URL + "/approvals")
	mustContain(t, obody, "#1 Gritting tonight", "Only the council's notice approvers can approve or reject it.")
	mustNotContain(t, obody, "Approve #1")
	// Staff of a sender may not approve.
	sam := s.signIn("Sam")
	if code, _ := sam.get(s.ts.URL + "/approvals"); code != http.StatusForbidden {
		t.Errorf("sender staff on /approvals: %d", code)
	}
	if code, _ := sam.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}}); code != http.StatusForbidden {
		t.Errorf("sender staff approving: %d", code)
	}
	start := s.h.Out.Len()
	code, body = carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}})
	if code != http.StatusOK {
		t.Fatalf("approve: %d\n%s", code, body)
	}
	mustContain(t, body, "Approved #1 Gritting tonight", "No notices are waiting for approval")
	// It reached the group, once.
	sent := s.h.Out.String()[start:]
	if n := strings.Count(sent, "Gritting tonight"); n != 1 {
		t.Errorf("the group got the notice %d times:\n%s", n, sent)
	}
	mustContain(t, s.auditText(), "approved | Carol (web)")
	// Approving again: told, nothing sent.
	start = s.h.Out.Len()
	code, body = carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}})
	if code != http.StatusConflict || !strings.Contains(body, "not waiting for approval") {
		t.Errorf("approve again: %d\n%s", code, body)
	}
	if extra := s.h.Out.String()[start:]; strings.Contains(extra, "Gritting") {
		t.Errorf("sent again:\n%s", extra)
	}
}

func TestRejectNeedsAReason(t *testing.T) {
	s := newSite(t)
	s.h.Run(grit("grit-1"))
	dave := s.signIn("Dave")
	code, body := dave.post(s.ts.URL+"/approvals/1", url.Values{"action": {"reject"}, "reason": {"  "}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("reject without reason: %d", code)
	}
	mustContain(t, body, "There is a problem", `href="#reason-1"`, "Enter the reason for rejecting notice #1")
	code, body = dave.post(s.ts.URL+"/approvals/1", url.Values{"action": {"reject"}, "reason": {"Not council business"}})
	if code != http.StatusOK {
		t.Fatalf("reject: %d\n%s", code, body)
	}
	mustContain(t, body, "Rejected #1 Gritting tonight")
	_, body = dave.get(s.ts.URL + "/notices/1")
	mustContain(t, body, "Rejected: Not council business")
	mustContain(t, s.auditText(), "rejected | Dave (web) | Not council business")
}

// TestTwoApproversAtOnce: of two approvers clicking approve on the same
// notice at the same moment, one approval counts and the other is told.
func TestTwoApproversAtOnce(t *testing.T) {
	s := newSite(t)
	s.h.Run(grit("grit-1"))
	browsers := []*browser{s.signIn("Carol"), s.signIn("Dave")}
	start := s.h.Out.Len()
	var wg sync.WaitGroup
	codes := make([]int, 2)
	bodies := make([]string, 2)
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], bodies[i] = b.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}})
		}()
	}
	wg.Wait()
	ok, told := 0, 0
	for i := range codes {
		switch {
		case codes[i] == http.StatusOK && strings.Contains(bodies[i], "Approved #1"):
			ok++
		case codes[i] == http.StatusConflict && (strings.Contains(bodies[i], "decided meanwhile") || strings.Contains(bodies[i], "not waiting for approval")):
			told++
		default:
			t.Errorf("answer %d: %d\n%s", i, codes[i], bodies[i])
		}
	}
	if ok != 1 || told != 1 {
		t.Errorf("%d counted, %d told; want 1 and 1", ok, told)
	}
	if n := strings.Count(s.h.Out.String()[start:], "Gritting tonight"); n != 1 {
		t.Errorf("sent %d times", n)
	}
	if n := strings.Count(s.auditText(), "| approved |"); n > 1 {
		t.Errorf("%d approvals recorded", n)
	}
}

func TestEmergencyShowsWhoApproved(t *testing.T) {
	s := newSite(t)
	carol, dave := s.signIn("Carol"), s.signIn("Dave")
	// Approvers who have written to the bot are told at once, with the
	// page's address.
	out := s.h.Run(`@notice {"id":"flood-1","title":"Flood warning","body":"Move cars.","topics":["flooding"],"areas":["SY3 7"],"urgency":"emergency"}` + "\n")
	if n := strings.Count(out, "Or on the staff page: http://127.0.0.1:8080/approvals"); n != 2 {
		t.Errorf("%d approvers were given the page's address:\n%s", n, out)
	}
	code, body := carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}})
	if code != http.StatusOK {
		t.Fatalf("first approval: %d\n%s", code, body)
	}
	mustContain(t, body, "1 of 2 approvals", "You have approved this notice; it needs a different second approver")
	_, body = dave.get(s.ts.URL + "/approvals")
	mustContain(t, body, "Approved so far by Carol (web); needs 2", "Approve #1")
	if code, body := carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}}); code != http.StatusConflict || !strings.Contains(body, "already approved") {
		t.Errorf("same approver twice: %d\n%s", code, body)
	}
	if code, body := dave.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}}); code != http.StatusOK || !strings.Contains(body, "Approved #1 Flood warning") {
		t.Errorf("second approver: %d\n%s", code, body)
	}
}

var errorSummary = regexp.MustCompile(`(?s)govuk-error-summary.*?</ul>`)

func TestComposePreviewAndSubmit(t *testing.T) {
	s := newSite(t)
	sam := s.signIn("Sam")
	code, body := sam.get(s.ts.URL + "/notices/new")
	if code != http.StatusOK {
		t.Fatalf("compose: %d", code)
	}
	mustContain(t, body, "Write a notice", `value="roads"`, `name="title"`)
	// Sam writes for Highways: no approvals or audit in his navigation.
	mustNotContain(t, body, `href="/approvals"`, `href="/audit"`)
	form := url.Values{"sender": {"Highways"}, "title": {"Belle Vue Road closed"}, "body": {"Gas main repairs, *9am to 4pm*."},
		"topics": {"roads"}, "areas": {"SY3 7"}, "urgency": {"normal"}, "action": {"preview"}}
	code, body = sam.post(s.ts.URL+"/notices/new", form)
	if code != http.StatusOK {
		t.Fatalf("preview: %d\n%s", code, body)
	}
	// The phone shows the "From" line and WhatsApp's bold; the reach is
	// counted; the form keeps everything.
	mustContain(t, body, "From Highways, Shropshire Council", "<strong>9am to 4pm</strong>", "Reaches 1 group",
		`value="Belle Vue Road closed"`, "Gas main repairs, *9am to 4pm*.")
	if ids, _ := noticeCount(s); ids != 0 {
		t.Fatalf("the preview stored a notice")
	}
	form.Set("action", "send")
	code, where := sam.post(s.ts.URL+"/notices/new", form)
	if code != http.StatusSeeOther || !strings.HasPrefix(where, "/notices/1") {
		t.Fatalf("send: %d %s", code, where)
	}
	code, body = sam.get(s.ts.URL + "/notices/1")
	mustContain(t, body, "Waiting for approval", "Belle Vue Road closed", "waiting for approval")
	mustContain(t, s.auditText(), "Sam (web)")
	_, body = s.signIn("Olive").get(s.ts.URL + "/audit?person=sam")
	mustContain(t, body, "received", "from Sam (web)")
	// Rejected on the page: Sam is told on WhatsApp, once.
	start := s.h.Out.Len()
	if code, body := s.signIn("Carol").post(s.ts.URL+"/approvals/1", url.Values{"action": {"reject"}, "reason": {"Wrong road"}}); code != http.StatusOK {
		t.Fatalf("reject: %d\n%s", code, body)
	}
	told := s.h.Out.String()[start:]
	if n := strings.Count(told, "Your notice #1 Belle Vue Road closed was rejected by Carol and will not be sent: Wrong road"); n != 1 {
		t.Errorf("Sam was told %d times:\n%s", n, told)
	}
	// Rejected with !reject in chat: told just the same.
	form.Set("title", "Belle Vue Road closed again")
	form.Set("action", "send")
	if code, where := sam.post(s.ts.URL+"/notices/new", form); code != http.StatusSeeOther {
		t.Fatalf("send again: %d %s", code, where)
	}
	out := s.h.Run("dm Dave: !reject 2 Not this week\n")
	if n := strings.Count(out, "Your notice #2 Belle Vue Road closed again was rejected by Dave and will not be sent: Not this week"); n != 1 {
		t.Errorf("Sam was told %d times:\n%s", n, out)
	}
}

func noticeCount(s *site) (int, error) {
	var n int
	err := s.h.Store.DB().QueryRowContext(s.t.Context(), `SELECT COUNT(*) FROM notices`).Scan(&n)
	return n, err
}

func TestComposeBadInputLosesNothing(t *testing.T) {
	s := newSite(t)
	sam := s.signIn("Sam")
	long := strings.Repeat("Lorem ipsum ", 500)[:5001]
	odd := "Road \u202eclosed\u202c \u200b zero-width, emoji 🚧, Welsh ŵ ŷ"
	for _, tc := range []struct {
		name  string
		form  url.Values
		code  int
		error string
		keeps string
	}{
		{"5,000 characters", url.Values{"title": {"Long"}, "body": {long}, "topics": {"roads"}}, 422, "Message must be 5000 characters or fewer", "Lorem ipsum Lorem"},
		{"javascript link", url.Values{"title": {"Click"}, "body": {"x"}, "link": {"javascript:alert(1)"}, "topics": {"roads"}}, 422, "Enter a link that starts with https://", "javascript:alert(1)"},
		{"javascript link the relay refuses", url.Values{"title": {"Click"}, "body": {"x"}, "link": {"https://example.com/\njavascript:alert(1)"}, "topics": {"roads"}}, 422, "Link:", "Click"},
		{"every mistake at once", url.Values{"title": {" "}, "body": {"kept"}, "link": {"javascript:x"}}, 422, "Enter a title</a></li><li><a href=\"#link\">Enter a link that starts with https://</a></li><li><a href=\"#topics\">Choose at least one topic", "kept"},
		{"outside its topics", url.Values{"title": {"Bins late"}, "body": {"x"}, "topics": {"bins"}}, 422, "Highways may not send", "Bins late"},
		{"no title", url.Values{"title": {""}, "body": {"Body kept"}, "topics": {"roads"}}, 422, "Enter a title", "Body kept"},
		{"bad time", url.Values{"title": {"T"}, "body": {"x"}, "topics": {"roads"}, "expires": {"tomorrow"}}, 422, "Enter the expiry", "tomorrow"},
		{"another sender", url.Values{"sender": {""}, "title": {"As the council"}, "body": {"x"}}, 403, "You can only write notices for Highways", "As the council"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.form.Get("sender") == "" && tc.name != "another sender" {
				tc.form.Set("sender", "Highways")
			}
			tc.form.Set("action", "send")
			code, body := sam.post(s.ts.URL+"/notices/new", tc.form)
			if code != tc.code {
				t.Fatalf("%d, want %d\n%s", code, tc.code, body)
			}
			sum := errorSummary.FindString(body)
			if !strings.Contains(sum, tc.error) {
				t.Errorf("error summary %q lacks %q", sum, tc.error)
			}
			if !strings.Contains(body, tc.keeps) {
				t.Errorf("the form lost %q", tc.keeps)
			}
		})
	}
	// Odd Unicode is accepted and shown as text, direction marks and all
	// escaped by the template.
	code, body := sam.post(s.ts.URL+"/notices/new", url.Values{"sender": {"Highways"}, "title": {"Odd"}, "body": {odd}, "topics": {"roads"}, "action": {"preview"}})
	if code != http.StatusOK {
		t.Fatalf("odd Unicode: %d\n%s", code, body)
	}
	mustContain(t, body, "🚧", "ŵ ŷ")
	if n, _ := noticeCount(s); n != 0 {
		t.Errorf("%d notices stored from bad input", n)
	}
}

func TestNoticePageDeliveryAndCorrection(t *testing.T) {
	s := newSite(t)
	s.h.Run("@group hill Castle Hill\n@admin Hana\nHana: !bot on\nHana: !notices on\nHana: !notices area SY3 7\ndm Erin: !subscribe gritting SY3 7\n")
	s.h.Run(`@notice {"id":"grit-1","title":"Gritting tonight","body":"From 6pm.","topics":["gritting"],"areas":["SY3"]}` + "\n")
	carol := s.signIn("Carol")
	carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}})
	code, body := carol.get(s.ts.URL + "/notices/1")
	if code != http.StatusOK {
		t.Fatalf("/notices/1: %d", code)
	}
	mustContain(t, body, "Delivery", "Elm Road", "Castle Hill", "Sent", "Subscribers")
	// The list.
	_, body = carol.get(s.ts.URL + "/notices")
	mustContain(t, body, `href="/notices/1"`, "Gritting tonight")
	// Carol is an approver, not the sender's staff: no correcting.
	_, body = carol.get(s.ts.URL + "/notices/1")
	mustNotContain(t, body, "Send the correction")
	// Highways' staff may not correct the council's own notice.
	if code, _ := s.signIn("Sam").post(s.ts.URL+"/notices/1/correct", url.Values{"action": {"cancel"}}); code != http.StatusForbidden {
		t.Errorf("another sender's staff cancelling: %d", code)
	}
	olive := s.signIn("Olive")
	_, body = olive.get(s.ts.URL + "/notices/1")
	mustContain(t, body, "Send the correction", "Cancel this notice")
	code, where := olive.post(s.ts.URL+"/notices/1/correct", url.Values{"action": {"update"}, "title": {"Gritting tonight from 7pm"}, "body": {"From 7pm."}})
	if code != http.StatusSeeOther {
		t.Fatalf("correct: %d %s", code, where)
	}
	_, body = carol.get(s.ts.URL + "/approvals")
	mustContain(t, body, "Gritting tonight from 7pm", "What this changes")
	// Cancelling goes through the same governance: it waits for approval,
	// and withdraws the waiting correction.
	code, where = olive.post(s.ts.URL+"/notices/1/correct", url.Values{"action": {"cancel"}})
	if code != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", code, where)
	}
	_, body = carol.get(s.ts.URL + where)
	mustContain(t, body, "cancel, normal", "Waiting for approval")
	_, body = carol.get(s.ts.URL + "/notices/2")
	mustContain(t, body, "Withdrawn")
	// Not found and bad ids.
	for _, p := range []string{"/notices/99", "/notices/abc", "/notices/-1"} {
		if code, _ := carol.get(s.ts.URL + p); code != http.StatusNotFound {
			t.Errorf("%s: %d", p, code)
		}
	}
}

func TestAuditSearchCSVAndPages(t *testing.T) {
	s := newSite(t)
	for i := range 60 {
		s.h.Run(grit(fmt.Sprintf("grit-%d", i)))
	}
	carol := s.signIn("Carol")
	carol.post(s.ts.URL+"/approvals/3", url.Values{"action": {"approve"}})
	code, body := carol.get(s.ts.URL + "/audit?person=carol")
	if code != http.StatusOK {
		t.Fatalf("/audit: %d", code)
	}
	mustContain(t, body, "Carol (web)", "approved", "signed in")
	mustNotContain(t, body, "Older")
	_, body = carol.get(s.ts.URL + "/audit?notice=3")
	mustContain(t, body, `href="/notices/3"`, "approved")
	_, body = carol.get(s.ts.URL + "/audit")
	mustContain(t, body, "Older")
	_, body = carol.get(s.ts.URL + "/audit?page=2")
	mustContain(t, body, "Newer")
	code, body = carol.get(s.ts.URL + "/audit?notice=abc&from=yesterday")
	if code != http.StatusUnprocessableEntity {
		t.Errorf("bad search: %d", code)
	}
	mustContain(t, body, "Enter a notice number", "Enter a date like 2026-01-05", `value="abc"`)
	_, body = carol.get(s.ts.URL + "/audit?from=2026-01-05&to=2026-01-05&service=council")
	mustContain(t, body, "received")
	_, body = carol.get(s.ts.URL + "/audit?from=2026-01-06")
	mustContain(t, body, "Nothing in the audit matches")
	resp, err := carol.c.Get(s.ts.URL + "/audit?format=csv&person=carol")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := new(strings.Builder)
	_, _ = fmt.Fprint(buf, readAll(resp))
	if !strings.HasPrefix(buf.String(), "time,notice,event,actor,detail\n") || !strings.Contains(buf.String(), "Carol (web)") {
		t.Errorf("CSV:\n%s", buf.String())
	}
	// Sender staff may not read the audit.
	if code, _ := s.signIn("Sam").get(s.ts.URL + "/audit"); code != http.StatusForbidden {
		t.Errorf("sender staff on /audit: %d", code)
	}
}

func TestGroupsShowNoPhoneNumber(t *testing.T) {
	s := newSite(t)
	s.h.Run("@group g2 +44 7700 900123\n@admin Hana\nHana: !bot on\n")
	olive := s.signIn("Olive")
	code, body := olive.get(s.ts.URL + "/groups")
	if code != http.StatusOK {
		t.Fatalf("/groups: %d", code)
	}
	mustContain(t, body, "Elm Road", "SY3 7", "All topics", "A group with no name", "21:00–08:00 (the bot&#39;s)")
	mustNotContain(t, body, "7700", "900123")
}

func TestDeliveryHeldByElectionPeriod(t *testing.T) {
	s := newBenchSite(t, func(c *notices.Config) {
		c.ElectionPeriods = []notices.PeriodConfig{{Name: "Meole Brace by-election", Start: "2026-01-05", End: "2026-01-07", Areas: []string{"SY3 7"}}}
	})
	s.h.Run(grit("grit-1"))
	carol := s.signIn("Carol")
	if code, body := carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}}); code != http.StatusOK {
		t.Fatalf("approve: %d\n%s", code, body)
	}
	_, body := carol.get(s.ts.URL + "/notices/1")
	mustContain(t, body, "Elm Road", "Held by an election period")
	mustNotContain(t, body, "held: election period")
	// Sam is told before sending; an emergency is not held.
	sam := s.signIn("Sam")
	form := url.Values{"sender": {"Highways"}, "title": {"Roadworks"}, "body": {"x"}, "topics": {"roads"}, "areas": {"SY3 7"}, "urgency": {"normal"}, "action": {"preview"}}
	_, body = sam.post(s.ts.URL+"/notices/new", form)
	mustContain(t, body, "The Meole Brace by-election runs until Thu 8 Jan 2026, 00:00")
	form.Set("urgency", "emergency")
	_, body = sam.post(s.ts.URL+"/notices/new", form)
	mustNotContain(t, body, "by-election runs until")
}

func TestComposeSaysQuietHours(t *testing.T) {
	s := newSite(t)
	// Castle Hill has no quiet hours; Market Street does not take roads.
	out := s.h.Run("@group hill Castle Hill\n@admin Hana\nHana: !bot on\nHana: !notices on\nHana: !quiet off\n" +
		"@group market Market Street\n@admin Max\nMax: !bot on\nMax: !notices on\nMax: !notices topics bins\n")
	s.h.Clock.Advance(12*time.Hour + 30*time.Minute) // 21:30
	sam := s.signIn("Sam")
	form := url.Values{"sender": {"Highways"}, "title": {"Roadworks"}, "body": {"x"}, "topics": {"roads"}, "urgency": {"normal"}, "action": {"preview"}}
	_, body := sam.post(s.ts.URL+"/notices/new", form)
	mustContain(t, body, "Elm Road is in its quiet hours (21:00–08:00), so it gets this at Tue 6 Jan 2026, 08:00.")
	if strings.Contains(body, "Castle Hill is in") || strings.Contains(body, "Market Street is in") {
		t.Errorf("a group without quiet hours, or not taking roads, is listed:\n%s\n%s", body, out)
	}
	form.Set("urgency", "urgent")
	_, body = sam.post(s.ts.URL+"/notices/new", form)
	mustNotContain(t, body, "in its quiet hours")
}

// TestRejectionAndItsMessageCommitTogether: when the message telling a
// notice's writer cannot be queued, the rejection is not kept either — the
// approver is told nothing changed and may try again, and the writer is
// then told once.
func TestRejectionAndItsMessageCommitTogether(t *testing.T) {
	s := newSite(t)
	sam := s.signIn("Sam")
	form := url.Values{"sender": {"Highways"}, "title": {"Belle Vue Road closed"}, "body": {"Gas main repairs."},
		"topics": {"roads"}, "areas": {"SY3 7"}, "urgency": {"normal"}, "action": {"send"}}
	if code, where := sam.post(s.ts.URL+"/notices/new", form); code != http.StatusSeeOther {
		t.Fatalf("send: %d %s", code, where)
	}
	carol := s.signIn("Carol")
	start := s.h.Out.Len()
	s.tellFails = errors.New("disk is full")
	code, body := carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"reject"}, "reason": {"Wrong road"}})
	if code != http.StatusServiceUnavailable {
		t.Fatalf("reject with the send queue failing: %d\n%s", code, body)
	}
	mustContain(t, body, "nothing was changed")
	_, body = carol.get(s.ts.URL + "/notices/1")
	mustContain(t, body, "Waiting for approval")
	s.tellFails = nil
	if code, body := carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"reject"}, "reason": {"Wrong road"}}); code != http.StatusOK {
		t.Fatalf("reject: %d\n%s", code, body)
	}
	if n := strings.Count(s.h.Out.String()[start:], "Your notice #1 Belle Vue Road closed was rejected by Carol"); n != 1 {
		t.Errorf("Sam was told %d times", n)
	}
}

// TestCommandLineRejectionTellsTheWriter: a rejection from the command line
// books a job with the rejection; the running bot's job tells whoever wrote
// the notice on the page, once.
func TestCommandLineRejectionTellsTheWriter(t *testing.T) {
	s := newSite(t)
	form := url.Values{"sender": {"Highways"}, "title": {"Belle Vue Road closed"}, "body": {"Gas main repairs."},
		"topics": {"roads"}, "areas": {"SY3 7"}, "urgency": {"normal"}, "action": {"send"}}
	if code, where := s.signIn("Sam").post(s.ts.URL+"/notices/new", form); code != http.StatusSeeOther {
		t.Fatalf("send: %d %s", code, where)
	}
	ctx := t.Context()
	start := s.h.Out.Len()
	err := s.h.Store.Atomic(ctx, func(ctx context.Context) error {
		gov := notices.NewGovernance(s.h.Store, testNoticesConfig(), s.h.Clock.Now)
		if _, err := gov.Reject(ctx, 1, notices.Approver{Key: "cli:ops", Name: "ops (command line)"}, "Wrong road"); err != nil {
			return err
		}
		return web.BookTellRejected(ctx, s.h.Store, 1, "ops (command line)", "Wrong road", s.h.Clock.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	s.h.Console.Settle(ctx) // the running bot's due jobs and sends
	told := s.h.Out.String()[start:]
	if n := strings.Count(told, "Your notice #1 Belle Vue Road closed was rejected by ops (command line) and will not be sent: Wrong road"); n != 1 {
		t.Errorf("Sam was told %d times:\n%s", n, told)
	}
}
