package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// evalText runs a script in the page and returns its string result,
// awaiting a promise.
func evalText(t *testing.T, ctx context.Context, what, script string) string {
	t.Helper()
	var out string
	run(t, ctx, what, chromedp.Evaluate(script, &out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	return out
}

// signInBrowser signs name in through the link the bot DMs them.
func signInBrowser(t *testing.T, s *site, name string) context.Context {
	t.Helper()
	ctx := newChromium(t)
	link, out := s.link(name)
	if link == "" {
		t.Fatalf("no link for %s:\n%s", name, out)
	}
	run(t, ctx, name+" signs in", chromedp.Navigate(link), chromedp.WaitVisible("button.govuk-button", chromedp.ByQuery),
		chromedp.Click("button.govuk-button", chromedp.ByQuery), chromedp.WaitVisible(`form[action="/sign-out"]`, chromedp.ByQuery))
	return ctx
}

// TestBrowserPolls: in real headless Chromium, Highways staff ask a poll
// on the page (a mistake first, then a preview), an approver approves it,
// residents in two areas vote in the console, and the poll's page shows
// the counts per area — drawn, in words for screen readers, and in its
// tables — updating itself without a reload; when the poll closes while
// the page is open it shows the final counts and stops updating. The
// consultation pages are checked too. axe-core checks every page.
func TestBrowserPolls(t *testing.T) {
	s := newSite(t)
	s.h.Run(hillGroup)
	sam := signInBrowser(t, s, "Sam")

	// One option only: the form says so and keeps what was typed.
	run(t, sam, "poll form", chromedp.Navigate(s.ts.URL+"/polls/new"), chromedp.WaitVisible("#question", chromedp.ByID))
	checkPage(t, sam, "poll-new")
	run(t, sam, "one option", chromedp.SendKeys("#question", "Should Longden Road be 20 mph?", chromedp.ByID),
		chromedp.SendKeys("#options", "Yes", chromedp.ByID),
		chromedp.Click(`input[name="topics"][value="roads"]`, chromedp.ByQuery),
		chromedp.Click(`input[name="areas"][value="SY1 2"]`, chromedp.ByQuery),
		chromedp.Click(`input[name="areas"][value="SY3 7"]`, chromedp.ByQuery),
		chromedp.SetValue("#closes", "2026-01-05T09:45", chromedp.ByID),
		chromedp.Click(`button[value="send"]`, chromedp.ByQuery), chromedp.WaitVisible(".govuk-error-summary", chromedp.ByQuery))
	if txt := bodyText(t, sam); !strings.Contains(txt, "there is only one") {
		t.Errorf("one option: %s", txt)
	}
	checkPage(t, sam, "poll-new-error")
	run(t, sam, "preview", chromedp.SetValue("#options", "Yes\nNo", chromedp.ByID),
		chromedp.Click(`button[value="preview"]`, chromedp.ByQuery), chromedp.WaitVisible("#preview", chromedp.ByID))
	if txt := bodyText(t, sam); !strings.Contains(txt, "Poll: Should Longden Road be 20 mph?") || !strings.Contains(txt, "Reaches 2 groups") {
		t.Errorf("preview: %s", txt)
	}
	checkPage(t, sam, "poll-new-preview")
	run(t, sam, "send", chromedp.Click(`button[value="send"]`, chromedp.ByQuery), chromedp.WaitVisible("span.govuk-caption-l", chromedp.ByQuery))
	if txt := bodyText(t, sam); !strings.Contains(txt, "Poll on notice #1") || !strings.Contains(txt, "Waiting for approval") {
		t.Fatalf("after send: %s", txt)
	}
	checkPage(t, sam, "poll-pending")

	carol := signInBrowser(t, s, "Carol")
	run(t, carol, "approve", chromedp.Navigate(s.ts.URL+"/approvals"), chromedp.WaitVisible("#notice-1", chromedp.ByID),
		chromedp.Click(`form[action="/approvals/1"] button`, chromedp.ByQuery), chromedp.WaitVisible(".govuk-notification-banner", chromedp.ByQuery))
	if n := strings.Count(s.h.Out.String(), "bot poll: Should Longden Road be 20 mph? | Yes | No"); n != 2 {
		t.Errorf("the poll went out %d times, want once to each of 2 groups:\n%s", n, s.h.Out.String())
	}
	s.h.Run("Bob [vote Yes]\nDan [vote Yes]\nErin: !vote 2\n@group hill\nHana [vote No]\n@group street\n")

	run(t, carol, "poll page", chromedp.Navigate(s.ts.URL+"/polls/1"), chromedp.WaitVisible("#results", chromedp.ByID))
	checkPollCounts(t, carol, map[string]string{
		"chart-all":    "Yes: 2 votes (50%); No: 2 votes (50%). 4 voters in all.",
		"chart-area-0": "Yes: 0 votes (0%); No: 1 vote (100%). 1 voter in all.",
		"chart-area-1": "Yes: 2 votes (67%); No: 1 vote (33%). 3 voters in all.",
	})
	if txt := bodyText(t, carol); !strings.Contains(txt, "Area SY3 7") || !strings.Contains(txt, "Castle Hill") || !strings.Contains(txt, "Counts so far") {
		t.Errorf("poll page: %s", txt)
	}
	checkPage(t, carol, "poll-open")

	// A vote comes in while the page is open: it updates itself.
	s.h.Run("@group hill\nIvo [vote Yes]\n@group street\n")
	if ok := evalText(t, carol, "refresh", `nbRefresh().then(String)`); ok != "true" {
		t.Fatalf("refresh: %s", ok)
	}
	checkPollCounts(t, carol, map[string]string{"chart-area-0": "Yes: 1 vote (50%); No: 1 vote (50%). 2 voters in all."})

	// The poll closes while the page is open: final counts, no more updates.
	s.h.Clock.Set(time.Date(2026, 1, 5, 9, 45, 0, 0, time.UTC))
	s.h.Run("Finn [vote No]\n@advance 1m\n")
	evalText(t, carol, "refresh after close", `nbRefresh().then(String)`)
	if txt := bodyText(t, carol); !strings.Contains(txt, "Final counts: voting closed Mon 5 Jan 2026, 09:45.") {
		t.Errorf("after close: %s", txt)
	}
	checkPollCounts(t, carol, map[string]string{"chart-all": "Yes: 3 votes (60%); No: 2 votes (40%). 5 voters in all."})
	if tag := evalText(t, carol, "state", `document.querySelector('#results .govuk-tag').textContent`); tag != "Closed" {
		t.Errorf("after close the page's state says %q", tag)
	}
	if live := evalText(t, carol, "live?", `String(document.querySelector('[data-live]') !== null)`); live != "false" {
		t.Error("a closed poll's page still updates itself")
	}
	checkPage(t, carol, "poll-closed")
	run(t, carol, "polls list", chromedp.Navigate(s.ts.URL+"/polls"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	checkPage(t, carol, "polls")

	browserConsultation(t, s, sam, carol)
}

// checkPollCounts reads each chart's description: the figures a screen
// reader hears, drawn as the bars.
func checkPollCounts(t *testing.T, ctx context.Context, want map[string]string) {
	t.Helper()
	for id, w := range want {
		got := evalText(t, ctx, "read "+id, `document.getElementById('`+id+`-desc').textContent`)
		if got != w {
			t.Errorf("%s says %q, want %q", id, got, w)
		}
	}
}

// browserConsultation: Sam opens a consultation, Carol approves it,
// residents comment (one with a phone number) and its page shows them
// without the number.
func browserConsultation(t *testing.T, s *site, sam, carol context.Context) {
	t.Helper()
	run(t, sam, "consultation form", chromedp.Navigate(s.ts.URL+"/consultations/new"), chromedp.WaitVisible("#question", chromedp.ByID),
		chromedp.SendKeys("#question", "Where should the new crossing go?", chromedp.ByID),
		chromedp.SendKeys("#body", "Tell us where you cross *Longden Road*.", chromedp.ByID),
		chromedp.Click(`input[name="topics"][value="roads"]`, chromedp.ByQuery),
		chromedp.SetValue("#closes", "2026-01-09T17:00", chromedp.ByID))
	checkPage(t, sam, "consultation-new")
	run(t, sam, "send", chromedp.Click(`button[value="send"]`, chromedp.ByQuery), chromedp.WaitVisible("span.govuk-caption-l", chromedp.ByQuery))
	// The notice is #2; its consultation C1.
	if code, body := s.signIn("Dave").post(s.ts.URL+"/approvals/2", url.Values{"action": {"approve"}}); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	s.h.Run("Bob: !say C1 By the school gates. Ring me on 07700 900123.\n@group hill\nHana: !say C1 Near the Co-op\n@group street\n")
	run(t, carol, "consultation page", chromedp.Navigate(s.ts.URL+"/consultations/1"), chromedp.WaitVisible("#results", chromedp.ByID))
	txt := bodyText(t, carol)
	if !strings.Contains(txt, "By the school gates. Ring me on [phone number].") || strings.Contains(txt, "900123") || !strings.Contains(txt, "Castle Hill") {
		t.Errorf("consultation page: %s", txt)
	}
	checkPage(t, carol, "consultation")
	run(t, carol, "consultations list", chromedp.Navigate(s.ts.URL+"/consultations"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	checkPage(t, carol, "consultations")
}
