package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium, installed by .ci/run.
const chromiumPath = "/usr/bin/chromium"

// axeSource is axe-core from its npm package (testdata/axe, with its
// licence), run in the page to check accessibility.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// newChromium starts a headless Chromium of its own (its own profile and
// cookies: one person's browser), or skips the test.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("end-to-end browser test skipped: %s is absent (apt-get install chromium; .ci/run installs it)", chromiumPath)
	}
	// Not t.TempDir: Chromium's helper processes may still be writing the
	// profile for a moment after the browser is closed, and TempDir's
	// cleanup fails the test on a directory that is not empty yet.
	profile, err := os.MkdirTemp("", "neighbourbot-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("no-default-browser-check", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Run(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancelTimeout := context.WithTimeout(browser, 90*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	var text string
	run(t, ctx, "read the page", chromedp.Text("body", &text, chromedp.ByQuery))
	return text
}

// checkPage runs axe-core on the open page and fails on any serious or
// critical violation; with NEIGHBOURBOT_TEST_WEB_SHOTS set it also saves the
// page at desktop and phone width there.
func checkPage(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var out string
	run(t, ctx, "axe on "+name, chromedp.Evaluate(axeSource, nil),
		chromedp.Evaluate(`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(
			r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
			  .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ') + ' ' + n.failureSummary).join('; '))))`,
			&out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	var found []string
	if err := json.Unmarshal([]byte(out), &found); err != nil {
		t.Fatalf("axe on %s: %v (%s)", name, err, out)
	}
	for _, v := range found {
		t.Errorf("axe on %s: %s", name, v)
	}
	dir := os.Getenv("NEIGHBOURBOT_TEST_WEB_SHOTS")
	if dir == "" {
		return
	}
	for _, w := range []struct {
		suffix        string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		var png []byte
		opts := []chromedp.EmulateViewportOption{}
		if w.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		run(t, ctx, "screenshot "+name, chromedp.EmulateViewport(w.width, w.height, opts...), chromedp.FullScreenshot(&png, 100))
		if err := os.WriteFile(filepath.Join(dir, name+"-"+w.suffix+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, ctx, "viewport back", chromedp.EmulateViewport(1280, 900))
}

// TestBrowserEndToEnd: in real headless Chromium, a member of a sender's
// staff signs in through the link the bot sent to their DM in the console
// and writes a notice; an approver signs in from a second browser and
// approves it; it reaches the simulated group once and the delivery
// report shows it. A stranger gets no link, a forged link is refused, and
// a form posted from another site is refused. axe-core checks every page.
func TestBrowserEndToEnd(t *testing.T) {
	anon := newChromium(t)
	s := newSite(t)

	strangerIsRefused(t, s, anon)

	// Sam (Highways staff) signs in through the link from the DM.
	sam := newChromium(t)
	link, out := s.link("Sam")
	if link == "" {
		t.Fatalf("no link for Sam:\n%s", out)
	}
	run(t, sam, "open the link", chromedp.Navigate(link), chromedp.WaitVisible("button.govuk-button", chromedp.ByQuery))
	checkPage(t, sam, "login")
	run(t, sam, "sign in", chromedp.Click("button.govuk-button", chromedp.ByQuery), chromedp.WaitVisible(`form[action="/sign-out"]`, chromedp.ByQuery))
	if !strings.Contains(bodyText(t, sam), "Signed in as Sam") {
		t.Fatalf("after sign-in: %s", bodyText(t, sam))
	}
	checkPage(t, sam, "home")

	// Compose, preview (a plain form post: no JavaScript needed), send.
	run(t, sam, "compose", chromedp.Navigate(s.ts.URL+"/notices/new"), chromedp.WaitVisible("#title", chromedp.ByID),
		chromedp.SendKeys("#title", "Belle Vue Road closed", chromedp.ByID),
		chromedp.SendKeys("#body", "Gas main repairs, *9am to 4pm*.", chromedp.ByID),
		chromedp.Click(`input[name="topics"][value="roads"]`, chromedp.ByQuery),
		chromedp.SendKeys("#areas", "SY3 7", chromedp.ByID))
	checkPage(t, sam, "compose")
	run(t, sam, "preview", chromedp.Click(`button[value="preview"]`, chromedp.ByQuery), chromedp.WaitVisible("#preview", chromedp.ByID))
	if txt := bodyText(t, sam); !strings.Contains(txt, "From Highways, Shropshire Council") || !strings.Contains(txt, "Reaches 1 group") {
		t.Errorf("preview: %s", txt)
	}
	checkPage(t, sam, "compose-preview")
	run(t, sam, "send", chromedp.Click(`button[value="send"]`, chromedp.ByQuery), chromedp.WaitVisible("span.govuk-caption-l", chromedp.ByQuery))
	if txt := bodyText(t, sam); !strings.Contains(txt, "Notice #1") || !strings.Contains(txt, "Waiting for approval") {
		t.Fatalf("after send: %s", txt)
	}
	// A mistake keeps the form and says what is wrong.
	run(t, sam, "bad input", chromedp.Navigate(s.ts.URL+"/notices/new"), chromedp.WaitVisible("#title", chromedp.ByID),
		chromedp.SendKeys("#body", "No title given", chromedp.ByID), chromedp.SendKeys("#link", "javascript:alert(1)", chromedp.ByID),
		chromedp.Click(`button[value="send"]`, chromedp.ByQuery), chromedp.WaitVisible(".govuk-error-summary", chromedp.ByQuery))
	checkPage(t, sam, "compose-error")

	// Carol approves from her own browser.
	carol := newChromium(t)
	link, _ = s.link("Carol")
	run(t, carol, "Carol signs in", chromedp.Navigate(link), chromedp.WaitVisible("button.govuk-button", chromedp.ByQuery),
		chromedp.Click("button.govuk-button", chromedp.ByQuery), chromedp.WaitVisible(`form[action="/sign-out"]`, chromedp.ByQuery),
		chromedp.Navigate(s.ts.URL+"/approvals"), chromedp.WaitVisible("#notice-1", chromedp.ByID))
	if txt := bodyText(t, carol); !strings.Contains(txt, "Gas main repairs, 9am to 4pm.") {
		t.Errorf("approvals page: %s", txt)
	}
	checkPage(t, carol, "approvals")
	start := s.h.Out.Len()
	run(t, carol, "approve", chromedp.Click(`form[action="/approvals/1"] button`, chromedp.ByQuery), chromedp.WaitVisible(".govuk-notification-banner", chromedp.ByQuery))
	if n := strings.Count(s.h.Out.String()[start:], "Belle Vue Road closed"); n != 1 {
		t.Errorf("the group got the notice %d times:\n%s", n, s.h.Out.String()[start:])
	}
	run(t, carol, "delivery report", chromedp.Navigate(s.ts.URL+"/notices/1"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	if txt := bodyText(t, carol); !strings.Contains(txt, "Elm Road") || !strings.Contains(txt, "Sent") {
		t.Errorf("delivery report: %s", txt)
	}
	checkPage(t, carol, "notice")
	for _, p := range []string{"notices", "audit", "groups", "account"} {
		run(t, carol, p, chromedp.Navigate(s.ts.URL+"/"+p), chromedp.WaitVisible("h1", chromedp.ByQuery))
		checkPage(t, carol, p)
	}

	crossSitePostIsRefused(t, s, carol)
}

// strangerIsRefused: a stranger asking gets no link, and a forged link is
// refused in the browser.
func strangerIsRefused(t *testing.T, s *site, anon context.Context) {
	t.Helper()
	if link, out := s.link("Mallory"); link != "" {
		t.Fatalf("stranger got a link: %s", out)
	}
	run(t, anon, "signed-out page", chromedp.Navigate(s.ts.URL+"/"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	checkPage(t, anon, "signin")
	run(t, anon, "forged link", chromedp.Navigate(s.ts.URL+"/login/forged-not-a-real-link"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	if !strings.Contains(bodyText(t, anon), "expired or has already been used") {
		t.Errorf("forged link page: %s", bodyText(t, anon))
	}

}

// crossSitePostIsRefused: a page on another site posts an approval form
// in a signed-in approver's browser: refused, and the notice stays
// waiting.
func crossSitePostIsRefused(t *testing.T, s *site, carol context.Context) {
	t.Helper()
	s.h.Run(grit("grit-2"))
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!DOCTYPE html><html><body><form method="post" action="%s/approvals/2"><input name="action" value="approve"></form>
<script>document.forms[0].submit()</script></body></html>`, s.ts.URL)
	}))
	defer evil.Close()
	evilURL := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1)
	run(t, carol, "cross-site post", chromedp.Navigate(evilURL), chromedp.WaitVisible("h1", chromedp.ByQuery))
	if txt := bodyText(t, carol); !strings.Contains(txt, "sent from another website") {
		t.Errorf("cross-site post answered: %s", txt)
	}
	run(t, carol, "still waiting", chromedp.Navigate(s.ts.URL+"/approvals"), chromedp.WaitVisible("#notice-2", chromedp.ByID))
}
