package web_test

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"neighbourbot/commands/notices"
)

// pollForm is a good poll form; each bad-input case changes one thing.
func pollForm() url.Values {
	return url.Values{"sender": {"Highways"}, "question": {"Should Longden Road be 20 mph?"}, "options": {"Yes\nNo\n"},
		"topics": {"roads"}, "areas": {"SY3 7"}, "closes": {"2026-01-06T17:00"}, "action": {"send"}}
}

// hillGroup adds a second group, in SY1 2, that takes notices.
const hillGroup = "@group hill Castle Hill\n@admin Hana\nHana: !bot on\nHana: !notices on\nHana: !notices area SY1 2\n@group street\n"

// TestPollFormBadInput: each mistake in the poll form is named in the
// error summary, next to its field, with everything typed kept; nothing
// is stored or sent.
func TestPollFormBadInput(t *testing.T) {
	s := newSite(t)
	sam := s.signIn("Sam")
	tests := []struct {
		name   string
		change func(url.Values)
		field  string
		want   string
	}{
		{"no options", func(f url.Values) { f.Set("options", "\n  \n") }, "options", "Enter at least two options, one on each line"},
		{"one option", func(f url.Values) { f.Set("options", "Yes") }, "options", "there is only one"},
		{"duplicate options", func(f url.Values) { f.Set("options", "Yes\nNo\n yes ") }, "options", "Option 3, &#34;yes&#34;, is the same as option 1"},
		{"too many options", func(f url.Values) { f.Set("options", "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm") }, "options", "Enter no more than 12 options; there are 13"},
		{"long option", func(f url.Values) { f.Set("options", "Yes\n"+strings.Repeat("n", 101)) }, "options", "Option 2 must be 100 characters or fewer"},
		{"no question", func(f url.Values) { f.Set("question", " ") }, "question", "Enter the question"},
		{"closing time in the past", func(f url.Values) { f.Set("closes", "2026-01-05T08:59") }, "closes", "The closing time must be in the future; it is now Mon 5 Jan 2026, 09:00"},
		{"closing time now", func(f url.Values) { f.Set("closes", "2026-01-05T09:00") }, "closes", "The closing time must be in the future"},
		{"no closing time", func(f url.Values) { f.Del("closes") }, "closes", "Enter when the poll closes"},
		{"closing time unreadable", func(f url.Values) { f.Set("closes", "next Friday") }, "closes", "Enter when the poll closes as a date and time"},
		{"closing time too far", func(f url.Values) { f.Set("closes", "2026-06-01T17:00") }, "closes", "within 90 days"},
		{"unknown area", func(f url.Values) { f.Set("areas", "ZZ9 9") }, "areas", "&#34;ZZ9 9&#34; is not an area any group or subscriber is in"},
		{"no topic", func(f url.Values) { f.Del("topics") }, "topics", "Choose at least one topic"},
		{"topic outside the sender's", func(f url.Values) { f.Set("topics", "bins") }, "topics", "Highways may not send &#34;bins&#34; notices"},
		{"javascript link", func(f url.Values) { f.Set("link", "javascript:alert(1)") }, "link", "Enter a link that starts with https://"},
		{"bad send time", func(f url.Values) { f.Set("send_at", "soon") }, "send_at", "Enter when to send"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := pollForm()
			form.Set("question", "Q "+tc.name)
			tc.change(form)
			code, body := sam.post(s.ts.URL+"/polls/new", form)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422:\n%s", code, body)
			}
			mustContain(t, body, "There is a problem", `href="#`+tc.field+`"`, tc.want)
			if q := form.Get("question"); strings.TrimSpace(q) != "" {
				mustContain(t, body, `value="`+html.EscapeString(q)+`"`) // what was typed is kept
			}
		})
	}
	list, err := notices.ListPolls(context.Background(), s.h.Store, notices.PollQuery{Now: s.h.Clock.Now()})
	if err != nil || len(list) != 0 {
		t.Errorf("bad forms stored polls: %+v %v", list, err)
	}
	if strings.Contains(s.h.Out.String(), "Poll:") {
		t.Errorf("a bad form sent something:\n%s", s.h.Out.String())
	}
}

// TestConsultationFormBadInput: the consultation form's own mistakes.
func TestConsultationFormBadInput(t *testing.T) {
	s := newSite(t)
	sam := s.signIn("Sam")
	for _, tc := range []struct {
		name, field, want string
		form              url.Values
	}{
		{"no closing time", "closes", "Enter when comments close", url.Values{"question": {"Library hours"}, "topics": {"roads"}}},
		{"closing time in the past", "closes", "must be in the future", url.Values{"question": {"Library hours"}, "topics": {"roads"}, "closes": {"2026-01-01T17:00"}}},
		{"no question", "question", "Enter the question", url.Values{"topics": {"roads"}, "closes": {"2026-01-09T17:00"}}},
		{"link not https", "link", "Enter a link that starts with https://", url.Values{"question": {"Library hours"}, "topics": {"roads"}, "closes": {"2026-01-09T17:00"}, "link": {"ftp://x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("sender", "Highways")
			tc.form.Set("action", "send")
			code, body := sam.post(s.ts.URL+"/consultations/new", tc.form)
			if code != http.StatusUnprocessableEntity {
				t.Fatalf("status %d:\n%s", code, body)
			}
			mustContain(t, body, `href="#`+tc.field+`"`, tc.want)
		})
	}
}

// TestPollFormRoles: only staff who write for a sender may ask a poll,
// and only for their own sender; approvers, owners and sender staff see
// the lists; inbox-only staff do not.
func TestPollFormRoles(t *testing.T) {
	s := newSite(t)
	carol := s.signIn("Carol")
	if code, _ := carol.get(s.ts.URL + "/polls/new"); code != http.StatusForbidden {
		t.Errorf("an approver on the poll form: %d", code)
	}
	if code, _ := carol.post(s.ts.URL+"/polls/new", pollForm()); code != http.StatusForbidden {
		t.Errorf("an approver asking a poll: %d", code)
	}
	for _, p := range []string{"/polls", "/consultations"} {
		if code, body := carol.get(s.ts.URL + p); code != http.StatusOK || !strings.Contains(body, `href="/polls"`) {
			t.Errorf("an approver on %s: %d", p, code)
		}
	}
	sam := s.signIn("Sam")
	form := pollForm()
	form.Set("sender", "Parks")
	code, body := sam.post(s.ts.URL+"/polls/new", form)
	if code != http.StatusForbidden {
		t.Errorf("Highways staff writing for Parks: %d", code)
	}
	mustContain(t, body, "You can only write for Highways")
	mustContain(t, s.auditText(), "refused | Sam (web) | tried to write a poll for sender \"Parks\"")
	// Someone in the inbox staff group only.
	s.mu.Lock()
	s.staff.StaffChats = append(s.staff.StaffChats, "group:desk")
	s.mu.Unlock()
	s.h.Run("@group desk Council desk\n@admin Ivy\nIvy: !bot on\n@group street\n")
	ivy := s.signIn("Ivy")
	for _, p := range []string{"/polls", "/consultations", "/polls/1", "/consultations/1"} {
		if code, _ := ivy.get(s.ts.URL + p); code != http.StatusForbidden {
			t.Errorf("inbox staff on %s: %d", p, code)
		}
	}
	if _, home := ivy.get(s.ts.URL + "/"); strings.Contains(home, `href="/polls"`) {
		t.Error("inbox staff are shown the polls in the navigation")
	}
	if _, home := sam.get(s.ts.URL + "/"); !strings.Contains(home, `<a class="govuk-link" href="/polls">Polls</a> and`) {
		t.Errorf("sender staff are not shown the polls on the home page:\n%s", home)
	}
}

// TestPollCreatedApprovedAndCounted: a poll written on the page goes
// through approval like any notice; once approved it reaches the groups
// in both areas, residents vote, and the page shows the counts overall,
// per area and per group, as charts and tables; the CSV has the same
// figures, defused against formulas; the export is audited.
func TestPollCreatedApprovedAndCounted(t *testing.T) {
	s := newSite(t)
	s.h.Run(hillGroup)
	sam := s.signIn("Sam")
	form := pollForm()
	form.Set("options", "Yes\n=SUM(A1)\n")
	form["areas"] = []string{"SY1 2", "SY3 7"}
	form.Set("action", "preview")
	code, body := sam.post(s.ts.URL+"/polls/new", form)
	if code != http.StatusOK {
		t.Fatalf("preview: %d\n%s", code, body)
	}
	mustContain(t, body, "<strong>Poll:</strong> Should Longden Road be 20 mph?", "1. Yes", "2. =SUM(A1)", "Reaches 2 groups")
	form.Set("action", "send")
	code, where := sam.post(s.ts.URL+"/polls/new", form)
	if code != http.StatusSeeOther || where != "/polls/1?sent=1" {
		t.Fatalf("send: %d %s", code, where)
	}
	_, body = sam.get(s.ts.URL + where)
	mustContain(t, body, "Your poll has been received", "Waiting for approval", "Highways", "Not sent yet (Waiting for approval); votes are counted here once it goes out.")
	mustNotContain(t, body, "chart-all")
	if strings.Contains(s.h.Out.String(), "Should Longden Road") {
		t.Fatal("sent before approval")
	}
	carol := s.signIn("Carol")
	if code, body := carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}}); code != http.StatusOK {
		t.Fatalf("approve: %d\n%s", code, body)
	}
	s.h.Run("Bob [vote Yes]\nCarol: !vote 2\nDan [vote Yes]\n@group hill\nHana [vote =SUM(A1)]\n@group street\n")
	_, body = carol.get(s.ts.URL + "/polls/1")
	mustContain(t, body, "Open", "Counts so far", `data-live="30"`, "SY1 2, SY3 7",
		`<title id="chart-all-title">All areas: Should Longden Road be 20 mph?</title>`,
		`<desc id="chart-all-desc">Yes: 2 votes (50%); =SUM(A1): 2 votes (50%). 4 voters in all.</desc>`,
		`<title id="chart-area-0-title">Area SY1 2: Should Longden Road be 20 mph?</title>`,
		`Yes: 0 votes (0%); =SUM(A1): 1 vote (100%). 1 voter in all.`,
		`Area SY3 7: Should Longden Road be 20 mph?`, `Yes: 2 votes (67%); =SUM(A1): 1 vote (33%). 3 voters in all.`,
		"Castle Hill", "Elm Road", "Sent to 2 groups")
	mustNotContain(t, body, "group:street", "group:hill")
	_, list := carol.get(s.ts.URL + "/polls?state=open")
	mustContain(t, list, `href="/polls/1"`, "Should Longden Road be 20 mph?", "Open")
	_, list = carol.get(s.ts.URL + "/polls?state=closed")
	mustContain(t, list, "No poll has closed yet.")

	rows := csvRows(t, carol, s.ts.URL+"/polls/1/results.csv")
	want := [][]string{
		{"1", "Should Longden Road be 20 mph?", "open (counts so far)", "all", "All areas", "", "Yes", "2", "4"},
		{"1", "Should Longden Road be 20 mph?", "open (counts so far)", "all", "All areas", "", "'=SUM(A1)", "2", "4"},
	}
	for i, w := range want {
		if strings.Join(rows[i+1], "|") != strings.Join(w, "|") {
			t.Errorf("CSV row %d: %q, want %q", i+1, rows[i+1], w)
		}
	}
	if len(rows) != 1+2*(1+2+2) {
		t.Errorf("%d CSV rows, want a header and 10:\n%q", len(rows), rows)
	}
	mustContain(t, s.auditText(), "exported poll results | Carol (web)", "received | web:Highways |")
}

func csvRows(t *testing.T, b *browser, u string) [][]string {
	t.Helper()
	resp, err := b.c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("%s: content type %q", u, ct)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestPollClosesWhileThePageIsOpen: at its closing time the page says
// voting has closed, even before the close job has counted, and a vote
// after it does not count; once counted it shows the final figures and
// stops updating itself.
func TestPollClosesWhileThePageIsOpen(t *testing.T) {
	s := newSite(t)
	s.h.Run(`@notice {"id":"p1","title":"Speed","topics":["roads"],"areas":["SY3 7"],"poll":{"question":"20 mph?","options":["Yes","No"],"closes":"2026-01-05T09:30:00Z"}}` + "\n")
	carol := s.signIn("Carol")
	carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}})
	s.h.Run("Bob [vote Yes]\n")
	_, body := carol.get(s.ts.URL + "/polls/1")
	mustContain(t, body, "Counts so far", `data-live="30"`, "Closes")
	// The page is open; the closing time passes before the close job runs.
	s.h.Clock.Set(time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC))
	_, body = carol.get(s.ts.URL + "/polls/1")
	mustContain(t, body, "Voting closed Mon 5 Jan 2026, 09:30; no vote after that counts", "Closed", `data-live="30"`)
	if rows := csvRows(t, carol, s.ts.URL+"/polls/1/results.csv"); rows[1][2] != "closed (final counts being made)" {
		t.Errorf("CSV at the closing time: %q", rows[1])
	}
	s.h.Run("Dan [vote No]\nErin: !vote 2\n")
	_, body = carol.get(s.ts.URL + "/polls/1")
	mustContain(t, body, "Yes: 1 vote (100%); No: 0 votes (0%). 1 voter in all.")
	s.h.Run("@advance 1m\n")
	_, body = carol.get(s.ts.URL + "/polls/1")
	mustContain(t, body, "Final counts: voting closed Mon 5 Jan 2026, 09:30.", "Yes: 1 vote (100%); No: 0 votes (0%). 1 voter in all.")
	mustNotContain(t, body, "data-live")
	rows := csvRows(t, carol, s.ts.URL+"/polls/1/results.csv")
	if rows[1][2] != "closed" || rows[1][7] != "1" {
		t.Errorf("CSV after close: %q", rows[1])
	}
	_, list := carol.get(s.ts.URL + "/polls?state=closed")
	mustContain(t, list, `href="/polls/1"`)
}

// TestConsultationOnThePage: a consultation opened on the page goes
// through approval; residents' comments show without phone numbers (even
// one stored before numbers were removed) and without the group's id; the
// CSV is defused against formulas; the export is audited.
func TestConsultationOnThePage(t *testing.T) {
	s := newSite(t)
	s.h.Run("@group num 447700900999\n@admin Nia\nNia: !bot on\nNia: !notices on\nNia: !notices area SY3 7\n@group street\n")
	sam := s.signIn("Sam")
	form := url.Values{"sender": {"Highways"}, "question": {"Longden Road crossing"}, "body": {"Where should it go?"}, "topics": {"roads"},
		"areas": {"SY3 7"}, "closes": {"2026-01-09T17:00"}, "link": {"https://shropshire.gov.uk/c/1"}, "action": {"preview"}}
	code, body := sam.post(s.ts.URL+"/consultations/new", form)
	if code != http.StatusOK {
		t.Fatalf("preview: %d\n%s", code, body)
	}
	mustContain(t, body, "<strong>Have your say</strong> until Fri 9 Jan 17:00", "!say C1")
	form.Set("action", "send")
	if code, where := sam.post(s.ts.URL+"/consultations/new", form); code != http.StatusSeeOther || where != "/consultations/1?sent=1" {
		t.Fatalf("send: %d %s", code, where)
	}
	carol := s.signIn("Carol")
	carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}})
	s.h.Run("Bob: !say C1 By the school. Ring me on 07700 900123.\nCarol: !say C1 =HYPERLINK(\"http://evil\")\n@group num\nNia: !say C1 Near the shop\n@group street\n")
	_, body = carol.get(s.ts.URL + "/consultations/1")
	mustContain(t, body, "Consultation C1 on notice #1", "Longden Road crossing", "3 comments so far", "By the school. Ring me on [phone number].",
		"=HYPERLINK(&#34;http://evil&#34;)", "Elm Road", "A group with no name", "Comments by area", "SY3 7: 3 comments (100%)", "https://shropshire.gov.uk/c/1")
	mustNotContain(t, body, "900123", "447700900999", "group:")
	rows := csvRows(t, carol, s.ts.URL+"/consultations/1/comments.csv")
	if len(rows) != 4 || rows[2][6] != `'=HYPERLINK("http://evil")` || rows[3][4] != "A group with no name" || strings.Contains(rows[1][6], "900123") {
		t.Errorf("comments CSV: %q", rows)
	}
	mustContain(t, s.auditText(), "exported comments | Carol (web) | CSV of the comments on consultation C1")
	_, list := sam.get(s.ts.URL + "/consultations")
	mustContain(t, list, `href="/consultations/1"`, "C1 Longden Road crossing", "Highways")
}

// TestPollKindsAndStates: an owner asks a multiple-answer poll for the
// default sender; it shows as several-answer with voters counted once;
// a rejected poll says so; a group's own consultation is listed as its
// admins'; the lists page at 50.
func TestPollKindsAndStates(t *testing.T) {
	s := newSite(t)
	olive := s.signIn("Olive")
	form := pollForm()
	form.Set("sender", "")
	form.Set("options", "Saturday\nSunday\nMonday")
	form.Set("multiple", "yes")
	form.Set("topics", "events")
	if code, where := olive.post(s.ts.URL+"/polls/new", form); code != http.StatusSeeOther || where != "/polls/1?sent=1" {
		t.Fatalf("owner's poll: %d %s", code, where)
	}
	s.signIn("Carol").post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}})
	s.h.Run("Bob [vote Saturday, Monday]\nDan [vote Saturday]\n")
	_, body := olive.get(s.ts.URL + "/polls/1")
	mustContain(t, body, "each voter may choose several", "Saturday: 2 votes (100%); Sunday: 0 votes (0%); Monday: 1 vote (50%). 2 voters in all (each may choose several).")

	s.h.Run(grit("g1") + `@notice {"id":"p2","title":"Bins","topics":["bins"],"poll":{"question":"Weekly bins?","options":["Yes","No"],"closes":"2026-01-06T17:00:00Z"}}` + "\n")
	s.signIn("Dave").post(s.ts.URL+"/approvals/3", url.Values{"action": {"reject"}, "reason": {"Not now"}})
	_, body = olive.get(s.ts.URL + "/polls/3")
	mustContain(t, body, "Rejected", "govuk-tag--grey", "The poll's notice was not sent (Rejected), so nobody could vote.")
	mustNotContain(t, body, "data-live")
	if code, _ := olive.get(s.ts.URL + "/polls/2"); code != http.StatusNotFound {
		t.Errorf("a notice with no poll as a poll: %d", code)
	}
	if code, _ := olive.get(s.ts.URL + "/consultations/99"); code != http.StatusNotFound {
		t.Errorf("no such consultation: %d", code)
	}

	s.h.Run(`Alice: !consult "Should the street party be on the Saturday?" until Fri` + "\nBob: !say C1 Yes please\n")
	_, list := olive.get(s.ts.URL + "/consultations")
	mustContain(t, list, "C1 Should the street party be on the Saturday?", "The admins of Elm Road")
	_, body = olive.get(s.ts.URL + "/consultations/1")
	mustContain(t, body, "Yes please", "Comment 1 · Elm Road · SY3 7")

	for i := range 50 {
		s.h.Run(`@notice {"id":"many-` + strconv.Itoa(i) + `","title":"Q","topics":["roads"],"poll":{"question":"Poll ` + strconv.Itoa(i) + `?","options":["Yes","No"],"closes":"2026-01-06T17:00:00Z"}}` + "\n")
	}
	_, list = olive.get(s.ts.URL + "/polls")
	mustContain(t, list, "Poll 49?", `href="/polls?before=`)
	mustNotContain(t, list, "Weekly bins?")
	_, list = olive.get(s.ts.URL + "/polls?before=6")
	mustContain(t, list, "Weekly bins?", "Should Longden Road be 20 mph?", "Poll 1?")
	mustNotContain(t, list, "Older polls")
}

// TestPollInElectionPeriod: a poll's preview says an election period
// over its area holds it back; where the council refuses all but
// emergencies in a period, the form says so against the areas.
func TestPollInElectionPeriod(t *testing.T) {
	period := func(hold string) func(*notices.Config) {
		return func(c *notices.Config) {
			c.ElectionHold = hold
			c.ElectionPeriods = []notices.PeriodConfig{{Name: "Meole Brace by-election", Start: "2026-01-05", End: "2026-01-07", Areas: []string{"SY3 7"}}}
		}
	}
	s := newBenchSite(t, period("wait"))
	form := pollForm()
	form.Set("action", "preview")
	code, body := s.signIn("Sam").post(s.ts.URL+"/polls/new", form)
	if code != http.StatusOK {
		t.Fatalf("preview: %d\n%s", code, body)
	}
	mustContain(t, body, "The Meole Brace by-election runs until", "get it only after that",
		"It closes before the Meole Brace by-election ends, so residents in SY3 7 would get it only after it has closed.")
	form.Set("closes", "2026-01-09T17:00")
	_, body = s.signIn("Sam").post(s.ts.URL+"/polls/new", form)
	mustNotContain(t, body, "It closes before")

	s = newBenchSite(t, period("refuse"))
	form.Set("action", "send")
	code, body = s.signIn("Sam").post(s.ts.URL+"/polls/new", form)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("send in a refusing period: %d\n%s", code, body)
	}
	mustContain(t, body, `href="#areas"`, "Meole Brace by-election", "only emergency notices are sent")
	if list, _ := notices.ListPolls(context.Background(), s.h.Store, notices.PollQuery{Now: s.h.Clock.Now()}); len(list) != 0 {
		t.Errorf("stored: %+v", list)
	}
}
