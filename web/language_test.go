package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// withLanguages adds two groups in SY3 7 beside Elm Road (English):
// Castle Hill reads Welsh, Bont Street both.
func withLanguages(s *site) {
	s.h.Run(`@group hill Castle Hill
@admin Hana
Hana: !bot on
Hana: !notices on
Hana: !notices area SY3 7
Hana: !notices iaith cymraeg
@group bont Bont Street
@admin Ifan
Ifan: !bot on
Ifan: !notices on
Ifan: !notices area SY3 7
Ifan: !notices language both
`)
}

// TestGroupsShowLanguage: /groups shows each group's language of notices.
func TestGroupsShowLanguage(t *testing.T) {
	s := newSite(t)
	withLanguages(s)
	code, body := s.signIn("Olive").get(s.ts.URL + "/groups")
	if code != http.StatusOK {
		t.Fatalf("/groups: %d", code)
	}
	mustContain(t, body, "<th scope=\"col\" class=\"govuk-table__header\">Language</th>")
	for _, row := range []struct{ group, lang string }{{"Elm Road", "English"}, {"Castle Hill", "Welsh (Cymraeg)"}, {"Bont Street", "Welsh and English"}} {
		re := regexp.MustCompile(`<td class="govuk-table__cell" data-label="Group">` + row.group + `</td>.*?<td class="govuk-table__cell" data-label="Language">` + regexp.QuoteMeta(row.lang) + `</td></tr>`)
		if !re.MatchString(body) {
			t.Errorf("/groups does not show %s reading %s:\n%s", row.group, row.lang, body)
		}
	}
}

// TestComposePreviewShowsEachLanguage: the compose preview shows what
// each group will receive — English, Welsh, and both in one message, with
// the groups that get each; the approver sees both texts; the notice page
// says which group got which.
func TestComposePreviewShowsEachLanguage(t *testing.T) {
	s := newSite(t)
	withLanguages(s)
	sam := s.signIn("Sam")
	_, body := sam.get(s.ts.URL + "/notices/new")
	mustContain(t, body, `id="title_cy" name="title_cy" type="text" lang="cy"`, `id="body_cy" name="body_cy"`)
	form := url.Values{"sender": {"Highways"}, "title": {"Belle Vue Road closed"}, "body": {"Gas main repairs."},
		"title_cy": {"Heol Belle Vue ar gau"}, "body_cy": {"Atgyweirio'r brif bibell nwy."},
		"topics": {"roads"}, "areas": {"SY3 7"}, "urgency": {"normal"}, "action": {"preview"}}
	code, body := sam.post(s.ts.URL+"/notices/new", form)
	if code != http.StatusOK {
		t.Fatalf("preview: %d\n%s", code, body)
	}
	mustContain(t, body,
		"In English</p>\n  <p class=\"govuk-body-s\">1 group: Elm Road.",
		"In Welsh (Cymraeg)</p>\n  <p class=\"govuk-body-s\">1 group: Castle Hill.",
		"In Welsh and English</p>\n  <p class=\"govuk-body-s\">1 group: Bont Street.",
		`<div class="nb-bubble" lang="cy"><strong>Heol Belle Vue ar gau</strong>`,
		"Oddi wrth Highways, Shropshire Council", "Oddi wrth / From Highways, Shropshire Council",
		`value="Heol Belle Vue ar gau"`, "Atgyweirio&#39;r brif bibell nwy.")
	if n, _ := noticeCount(s); n != 0 {
		t.Fatal("the preview stored a notice")
	}

	form.Set("action", "send")
	if code, where := sam.post(s.ts.URL+"/notices/new", form); code != http.StatusSeeOther {
		t.Fatalf("send: %d %s", code, where)
	}
	carol := s.signIn("Carol")
	_, body = carol.get(s.ts.URL + "/approvals")
	mustContain(t, body, "In Welsh (Cymraeg)", "<strong>Heol Belle Vue ar gau</strong>", "<strong>Belle Vue Road closed</strong>")
	start := s.h.Out.Len()
	if code, body := carol.post(s.ts.URL+"/approvals/1", url.Values{"action": {"approve"}}); code != http.StatusOK {
		t.Fatalf("approve: %d\n%s", code, body)
	}
	s.h.Run("@advance 2m\n")
	out := s.h.Out.String()[start:]
	for _, want := range []string{"[hill] bot: *Heol Belle Vue ar gau*", "[bont] bot: *Heol Belle Vue ar gau*", "[street] bot: *Belle Vue Road closed*"} {
		if strings.Count(out, want) != 1 {
			t.Errorf("want %q once:\n%s", want, out)
		}
	}
	_, body = carol.get(s.ts.URL + "/notices/1")
	for _, row := range []struct{ group, lang string }{{"Elm Road", "English"}, {"Castle Hill", "Welsh (Cymraeg)"}, {"Bont Street", "Welsh and English"}} {
		re := regexp.MustCompile(`<td class="govuk-table__cell">` + row.group + `</td><td class="govuk-table__cell">Sent</td><td class="govuk-table__cell">` + regexp.QuoteMeta(row.lang) + `</td>`)
		if !re.MatchString(body) {
			t.Errorf("the notice page does not say %s got it in %s:\n%s", row.group, row.lang, body)
		}
	}
	_, body = sam.get(s.ts.URL + "/notices/1")
	mustContain(t, body, "Corrected Welsh title", `value="Heol Belle Vue ar gau"`)
}

// TestComposeWelshMistakes: half a Welsh text is refused with the other
// mistakes, everything typed kept; a notice without Welsh says which
// groups that chose Welsh get English.
func TestComposeWelshMistakes(t *testing.T) {
	s := newSite(t)
	withLanguages(s)
	sam := s.signIn("Sam")
	base := url.Values{"sender": {"Highways"}, "body": {"Gas main repairs."}, "topics": {"roads"}, "areas": {"SY3 7"}, "urgency": {"normal"}, "action": {"send"}}
	tests := []struct {
		name, titleCy, bodyCy string
		wants                 []string
	}{
		{"welsh message without a welsh title", "", "Atgyweirio.", []string{"Enter the Welsh title, or leave the Welsh message empty", "Enter a title", `href="#title_cy"`}},
		{"welsh title without a welsh message", "Heol ar gau", "", []string{"Enter the Welsh message, or leave the Welsh title empty", "Enter a title", `href="#body_cy"`}},
		{"welsh title too long", strings.Repeat("a", 5001), "x", []string{"Welsh title must be 5000 characters or fewer"}},
	}
	for _, tt := range tests {
		form := url.Values{}
		for k, v := range base {
			form[k] = v
		}
		form.Set("title_cy", tt.titleCy)
		form.Set("body_cy", tt.bodyCy)
		code, body := sam.post(s.ts.URL+"/notices/new", form)
		if code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d", tt.name, code)
		}
		mustContain(t, body, tt.wants...)
		mustContain(t, body, "Gas main repairs.")
	}
	if n, _ := noticeCount(s); n != 0 {
		t.Errorf("%d notices stored from bad forms", n)
	}
	// The relay's own check names the field too (a Welsh title over 200).
	form := url.Values{}
	for k, v := range base {
		form[k] = v
	}
	form.Set("title", "Road closed")
	form.Set("title_cy", strings.Repeat("a", 201))
	form.Set("body_cy", "x")
	code, body := sam.post(s.ts.URL+"/notices/new", form)
	if code != http.StatusUnprocessableEntity {
		t.Errorf("long Welsh title: %d", code)
	}
	mustContain(t, body, "Welsh title: longer than 200 characters", `href="#title_cy"`)
	// English only: the groups that chose Welsh get English, and are told so.
	form.Set("title_cy", "")
	form.Set("body_cy", "")
	form.Set("action", "preview")
	_, body = sam.post(s.ts.URL+"/notices/new", form)
	mustContain(t, body, "In English</p>\n  <p class=\"govuk-body-s\">3 groups: Bont Street, Castle Hill, Elm Road (2 chose Welsh or both; there is no Welsh text).")
}
