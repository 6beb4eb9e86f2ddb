package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// stop is one place the keyboard's focus rested.
type stop struct {
	Key   string `json:"key"`   // the control: tag#id, tag[name=value], checkbox[name=value], radio[name] or tag:its text
	Label string `json:"label"` // what a person reads on it
	Body  bool   `json:"body"`  // focus left the page's controls
}

// focusJS describes the focused control. A control's look when focused
// is kept (window.__kbFocused) and compared with its look once focus has
// moved on (see unfocusedJS): a focus indicator is any visible difference
// in outline, shadow, background, colour, border or underline; GOV.UK
// draws the focus of a checkbox or radio on its label's box.
const focusJS = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return JSON.stringify({body: true});
  const look = (e, pseudo) => { const c = getComputedStyle(e, pseudo);
    return [c.outlineStyle, c.outlineWidth, c.outlineColor, c.boxShadow, c.backgroundColor, c.color, c.borderTopColor, c.borderTopWidth, c.textDecorationLine, c.textDecorationThickness].join('|'); };
  const target = el.matches('.govuk-checkboxes__input, .govuk-radios__input') ? [el.parentElement.querySelector('label'), '::before'] : [el, null];
  const key = el.type === 'radio' ? 'radio[' + el.name + ']' : el.type === 'checkbox' ? 'checkbox[' + el.name + '=' + el.value + ']' : el.tagName.toLowerCase() + (el.id ? '#' + el.id : el.name ? '[' + el.name + '=' + el.value + ']' : ':' + (el.textContent || el.getAttribute('href') || '').trim().slice(0, 40));
  window.__kbSeen = window.__kbSeen || [];
  window.__kbSeen.push({el: el, target: target, focused: look(target[0], target[1])});
  const label = (el.labels && el.labels[0] ? el.labels[0].textContent : el.textContent || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 60);
  return JSON.stringify({key: key, label: label});
})()`

// unfocusedJS compares each control's focused look with its look now,
// focus elsewhere; it lists the controls whose look did not change.
const unfocusedJS = `(() => {
  if (document.activeElement) document.activeElement.blur();
  const look = (e, pseudo) => { const c = getComputedStyle(e, pseudo);
    return [c.outlineStyle, c.outlineWidth, c.outlineColor, c.boxShadow, c.backgroundColor, c.color, c.borderTopColor, c.borderTopWidth, c.textDecorationLine, c.textDecorationThickness].join('|'); };
  const same = (window.__kbSeen || []).filter(s => look(s.target[0], s.target[1]) === s.focused)
    .map(s => s.el.tagName.toLowerCase() + (s.el.id ? '#' + s.el.id : '') + ' ' + (s.el.textContent || s.el.value || '').trim().slice(0, 40));
  window.__kbSeen = [];
  return JSON.stringify(same);
})()`

// controlsJS lists every control a keyboard user must be able to reach
// on the page: links, buttons, fields and summaries that are shown (not in
// a closed <details>, not hidden), one per radio group.
const controlsJS = `(() => {
  const out = new Set();
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')) {
    if (el.disabled || el.type === 'hidden' || el.tabIndex < 0 || el.hidden || el.closest('[hidden]')) continue;
    const details = el.closest('details');
    if (details && !details.open && !(el.tagName === 'SUMMARY' && el.parentElement === details)) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    out.add(el.type === 'radio' ? 'radio[' + el.name + ']' : el.type === 'checkbox' ? 'checkbox[' + el.name + '=' + el.value + ']' : el.tagName.toLowerCase() + (el.id ? '#' + el.id : el.name ? '[' + el.name + '=' + el.value + ']' : ':' + (el.textContent || el.getAttribute('href') || '').trim().slice(0, 40)));
  }
  return JSON.stringify([...out]);
})()`

// topJS moves the keyboard's starting point to the top of the page, as
// when it has just loaded: a focusable-by-script mark before everything,
// so the next Tab goes to the page's first control.
const topJS = `(() => {
  let top = document.getElementById('kb-top');
  if (!top) { top = document.createElement('span'); top.id = 'kb-top'; top.tabIndex = -1; document.body.prepend(top); }
  top.focus(); window.scrollTo(0, 0); window.__kbSeen = []; return true;
})()`

// press sends one key (kb.Tab, kb.Enter, " ") to the page, with Shift
// when shift is set.
func press(t *testing.T, ctx context.Context, key string, shift bool) {
	t.Helper()
	var opts []chromedp.KeyOption
	if shift {
		opts = append(opts, chromedp.KeyModifiers(input.ModifierShift))
	}
	run(t, ctx, fmt.Sprintf("press %q", key), chromedp.KeyEvent(key, opts...))
}

// pressToLoad presses Enter on the focused control and waits for the page
// it opens to load; that page's address must start with path.
func pressToLoad(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	loaded := make(chan struct{}, 1)
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chromedp.ListenTarget(lctx, func(ev any) {
		if _, ok := ev.(*page.EventLoadEventFired); ok {
			select {
			case loaded <- struct{}{}:
			default:
			}
		}
	})
	press(t, ctx, kb.Enter, false)
	select {
	case <-loaded:
	case <-ctx.Done():
		t.Fatalf("Enter did not open %s: %v", path, ctx.Err())
	}
	var at string
	run(t, ctx, "where", chromedp.Evaluate(`location.pathname`, &at))
	if !strings.HasPrefix(at, path) {
		t.Fatalf("Enter opened %s, want %s", at, path)
	}
}

// menuJS is whether the phone-width menu button shows.
const menuJS = `(() => { const b = document.querySelector('.govuk-service-navigation__toggle'); return !!b && !b.hidden && b.getClientRects().length > 0; })()`

// atWidth sets the window's width and waits for the navigation to settle
// into that width's form (a menu button at phone width, none on a desk).
func atWidth(t *testing.T, ctx context.Context, width int64) {
	t.Helper()
	var ok bool
	opts := []chromedp.EmulateViewportOption{}
	menu := menuJS
	if width < 641 {
		opts = append(opts, chromedp.EmulateMobile)
	} else {
		menu = "!" + menuJS
	}
	run(t, ctx, fmt.Sprintf("width %d", width), chromedp.EmulateViewport(width, 900, opts...), chromedp.Poll(menu, &ok))
}

// focused is where the focus is now.
func focused(t *testing.T, ctx context.Context) stop {
	t.Helper()
	var raw string
	run(t, ctx, "read the focus", chromedp.Evaluate(focusJS, &raw))
	var s stop
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatalf("focus: %v (%s)", err, raw)
	}
	return s
}

// tab presses Tab (Shift+Tab when back) and says where the focus went.
func tab(t *testing.T, ctx context.Context, back bool) stop {
	t.Helper()
	press(t, ctx, kb.Tab, back)
	return focused(t, ctx)
}

// tabTo presses Tab until the focus is on the control key, failing when
// a whole round of the page does not reach it.
func tabTo(t *testing.T, ctx context.Context, key string) {
	t.Helper()
	var path []string
	for range 120 {
		s := tab(t, ctx, false)
		if s.Key == key {
			return
		}
		path = append(path, s.Key)
	}
	t.Fatalf("Tab never reached %s; it went %s", key, strings.Join(path, " → "))
}

// typeText types text into the focused field, key by key.
func typeText(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	run(t, ctx, "type "+text, chromedp.KeyEvent(text))
}

// tabRound tabs once round the page from its top: every control must be
// reached, each must look focused, and Shift+Tab must walk the same way
// back. It returns the order the focus went.
func tabRound(t *testing.T, ctx context.Context, page string) []string {
	t.Helper()
	var raw string
	run(t, ctx, "list the controls of "+page, chromedp.Evaluate(controlsJS, &raw))
	var controls []string
	if err := json.Unmarshal([]byte(raw), &controls); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "focus the top of "+page, chromedp.Evaluate(topJS, nil))
	var order []string
	reached := map[string]bool{}
	for range 150 {
		s := tab(t, ctx, false)
		if s.Body {
			break
		}
		order = append(order, s.Key)
		reached[s.Key] = true
	}
	if len(order) == 0 {
		t.Fatalf("%s: Tab reaches nothing", page)
	}
	for _, c := range controls {
		if !reached[c] {
			t.Errorf("%s: Tab never reaches %s (went %s)", page, c, strings.Join(order, " → "))
		}
	}
	var still string
	run(t, ctx, "compare the focus looks on "+page, chromedp.Evaluate(unfocusedJS, &still))
	var same []string
	if err := json.Unmarshal([]byte(still), &same); err != nil {
		t.Fatal(err)
	}
	for _, s := range same {
		t.Errorf("%s: no visible focus on %s", page, s)
	}
	// Shift+Tab from the last control walks back the same way.
	run(t, ctx, "focus the top of "+page, chromedp.Evaluate(topJS, nil))
	for range len(order) {
		if s := tab(t, ctx, false); s.Key == order[len(order)-1] {
			break
		}
	}
	for i := len(order) - 2; i >= 0 && i >= len(order)-6; i-- {
		if s := tab(t, ctx, true); s.Key != order[i] {
			t.Errorf("%s: Shift+Tab went to %s, want %s", page, s.Key, order[i])
			break
		}
	}
	run(t, ctx, "clear the focus", chromedp.Evaluate(`document.activeElement && document.activeElement.blur(); window.__kbSeen = []; true`, nil))
	return order
}

// signInByKeyboard opens name's link from the DM and signs in with Tab
// and Enter alone.
func signInByKeyboard(t *testing.T, s *site, ctx context.Context, name string) {
	t.Helper()
	link, out := s.link(name)
	if link == "" {
		t.Fatalf("no link for %s:\n%s", name, out)
	}
	run(t, ctx, "open the link", chromedp.Navigate(link), chromedp.WaitVisible("button.govuk-button", chromedp.ByQuery))
	tabRound(t, ctx, "login")
	tabTo(t, ctx, "button:Sign in")
	pressToLoad(t, ctx, "/")
	run(t, ctx, "signed in", chromedp.WaitVisible(`form[action="/sign-out"]`, chromedp.ByQuery))
	if !strings.Contains(bodyText(t, ctx), "Signed in as "+name) {
		t.Fatalf("%s is not signed in: %s", name, bodyText(t, ctx))
	}
}

// TestBrowserKeyboardOnly: in real Chromium, with Tab, Shift+Tab, Enter,
// Space and typing alone, a member of staff signs in, writes a notice in
// English and Welsh, previews and sends it, and an approver signs in and
// approves it. On every page Tab reaches every control, each control shows
// that it has the focus, and Shift+Tab walks back.
func TestBrowserKeyboardOnly(t *testing.T) {
	s := newSite(t)
	withLanguages(s)
	sam := newChromium(t)
	signInByKeyboard(t, s, sam, "Sam")
	tabRound(t, sam, "home")
	// At phone width the sections fold into a menu that opens with Enter.
	atWidth(t, sam, 390)
	tabRound(t, sam, "home at phone width")
	tabTo(t, sam, "button:Menu")
	press(t, sam, kb.Enter, false)
	if next := tab(t, sam, false); next.Key != "a:Notices" {
		t.Errorf("at phone width, Tab after opening the menu went to %s, not its first section", next.Key)
	}
	tabRound(t, sam, "home at phone width, menu open")
	atWidth(t, sam, 1280)
	tabTo(t, sam, "a:Write a notice")
	pressToLoad(t, sam, "/notices/new")
	run(t, sam, "compose", chromedp.WaitVisible("#title", chromedp.ByID))
	tabRound(t, sam, "compose")

	for _, f := range []struct{ key, text string }{
		{"input#title", "Belle Vue Road closed"}, {"textarea#body", "Gas main repairs, 9am to 4pm."},
		{"input#title_cy", "Heol Belle Vue ar gau"}, {"textarea#body_cy", "Atgyweirio'r brif bibell nwy, 9am tan 4pm."},
	} {
		tabTo(t, sam, f.key)
		typeText(t, sam, f.text)
	}
	tabTo(t, sam, "checkbox[topics=roads]")
	press(t, sam, " ", false)
	tabTo(t, sam, "input#areas")
	typeText(t, sam, "SY3 7")
	tabTo(t, sam, "button[action=preview]")
	press(t, sam, kb.Enter, false)
	run(t, sam, "preview", chromedp.WaitVisible("#preview", chromedp.ByID))
	txt := bodyText(t, sam)
	for _, want := range []string{"In Welsh (Cymraeg)", "1 group: Castle Hill", "In Welsh and English", "1 group: Bont Street", "Oddi wrth / From Highways, Shropshire Council"} {
		if !strings.Contains(txt, want) {
			t.Errorf("keyboard preview lacks %q: %s", want, txt)
		}
	}
	checkPage(t, sam, "compose-welsh-preview")
	atWidth(t, sam, 1280)
	tabRound(t, sam, "compose preview")
	tabTo(t, sam, "button[action=send]")
	if back := tab(t, sam, true); back.Key != "button[action=preview]" {
		t.Errorf("Shift+Tab from Send went to %s", back.Key)
	}
	tabTo(t, sam, "button[action=send]")
	pressToLoad(t, sam, "/notices/1")
	run(t, sam, "sent", chromedp.WaitVisible("span.govuk-caption-l", chromedp.ByQuery))
	if txt := bodyText(t, sam); !strings.Contains(txt, "Notice #1") || !strings.Contains(txt, "Waiting for approval") {
		t.Fatalf("after send: %s", txt)
	}
	tabRound(t, sam, "notice")

	carol := newChromium(t)
	signInByKeyboard(t, s, carol, "Carol")
	tabTo(t, carol, "a:Approvals")
	pressToLoad(t, carol, "/approvals")
	run(t, carol, "approvals", chromedp.WaitVisible("#notice-1", chromedp.ByID))
	if txt := bodyText(t, carol); !strings.Contains(txt, "Heol Belle Vue ar gau") || !strings.Contains(txt, "Belle Vue Road closed") {
		t.Errorf("approvals by keyboard: %s", txt)
	}
	tabRound(t, carol, "approvals")
	// The reject form opens with Enter and its reason is reachable; then
	// back with Shift+Tab to approve.
	tabTo(t, carol, "summary:Reject #1")
	press(t, carol, kb.Enter, false)
	if s := tab(t, carol, false); s.Key != "textarea#reason-1" {
		t.Errorf("after opening Reject, Tab went to %s, not the reason", s.Key)
	}
	tabRound(t, carol, "approvals with the reject form open")
	tabTo(t, carol, "textarea#reason-1")
	tab(t, carol, true)
	if s := tab(t, carol, true); s.Key != "button:Approve #1" {
		t.Fatalf("Shift+Tab twice from the reason went to %s, not Approve", s.Key)
	}
	start := s.h.Out.Len()
	press(t, carol, kb.Enter, false)
	run(t, carol, "approved", chromedp.WaitVisible(".govuk-notification-banner", chromedp.ByQuery))
	s.h.Run("@advance 2m\n")
	if out := s.h.Out.String()[start:]; strings.Count(out, "Heol Belle Vue ar gau") != 2 || strings.Count(out, "*Belle Vue Road closed*") != 2 {
		t.Errorf("after the keyboard approval:\n%s", out)
	}
	for _, p := range []string{"groups", "notices/1", "notices", "account"} {
		run(t, carol, p, chromedp.Navigate(s.ts.URL+"/"+p), chromedp.WaitVisible("h1", chromedp.ByQuery))
		tabRound(t, carol, p)
	}
	run(t, carol, "groups", chromedp.Navigate(s.ts.URL+"/groups"), chromedp.WaitVisible("h1", chromedp.ByQuery))
	checkPage(t, carol, "groups-language")
	atWidth(t, carol, 1280)
	run(t, sam, "compose again", chromedp.Navigate(s.ts.URL+"/notices/new"), chromedp.WaitVisible("#title", chromedp.ByID))
	checkPage(t, sam, "compose-welsh")
}
