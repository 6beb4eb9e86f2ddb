package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserInbox: in real headless Chromium, a member of the Highways
// desk has the inbox open when a resident messages the bot in the console
// with a photo and a voice note; the ticket appears without a reload and
// the title counts it unread. She opens it (the photo and the recording
// are in the page), replies and adds an internal note: the resident's DM
// shows the reply once and never the note. axe-core checks each page.
func TestBrowserInbox(t *testing.T) {
	// The site first, so its server closes after the browser (Chromium's
	// open event stream would otherwise hold the server's Close).
	media := filepath.Join(t.TempDir(), "inbox")
	s := newInboxSiteIn(t, media)
	rita := newChromium(t)
	link, out := s.link("Rita")
	if link == "" {
		t.Fatalf("no link for Rita:\n%s", out)
	}
	run(t, rita, "sign in", chromedp.Navigate(link), chromedp.WaitVisible("button.govuk-button", chromedp.ByQuery),
		chromedp.Click("button.govuk-button", chromedp.ByQuery), chromedp.WaitVisible(`form[action="/sign-out"]`, chromedp.ByQuery),
		chromedp.Navigate(s.ts.URL+"/inbox"), chromedp.WaitVisible("#live", chromedp.ByID))
	checkPage(t, rita, "inbox-empty")
	// Let the page's event stream connect before the resident writes.
	run(t, rita, "stream open", chromedp.Sleep(1500*time.Millisecond))

	s.h.Run("dm Erin [photo]: There's a pothole outside number 4 on Elm Road\ndm Erin [voice 12s]:\ndm Erin [location 52.7069,-2.7540]: it's here\n")
	realPhoto(t, media)
	run(t, rita, "the ticket appears without a reload", chromedp.WaitVisible(`a[href="/inbox/1"]`, chromedp.ByQuery))
	var title string
	run(t, rita, "title", chromedp.Title(&title))
	if !strings.HasPrefix(title, "(1) Inbox") {
		t.Errorf("title = %q, want the unread count first", title)
	}
	if txt := bodyText(t, rita); !strings.Contains(txt, "Erin") || !strings.Contains(txt, "New") {
		t.Errorf("list: %s", txt)
	}
	checkPage(t, rita, "inbox")

	run(t, rita, "open the ticket", chromedp.Click(`a[href="/inbox/1"]`, chromedp.ByQuery), chromedp.WaitVisible("#reply", chromedp.ByID),
		chromedp.WaitVisible(`img.nb-photo`, chromedp.ByQuery), chromedp.WaitReady(`audio[src="/inbox/1/media/2"]`, chromedp.ByQuery))
	run(t, rita, "the pin is on a map", chromedp.WaitVisible(`.nb-map.nb-map--drawn .leaflet-marker-icon`, chromedp.ByQuery))
	var shown bool
	run(t, rita, "the photo is shown", chromedp.Poll(`document.querySelector('img.nb-photo').naturalWidth > 0`, &shown, chromedp.WithPollingTimeout(10*time.Second)))
	checkPage(t, rita, "inbox-ticket")

	start := s.h.Out.Len()
	run(t, rita, "reply", chromedp.SendKeys("#reply", "Thanks Erin, a crew will fill it on Tuesday.", chromedp.ByID),
		chromedp.Submit("#reply", chromedp.ByID),
		chromedp.WaitVisible(".govuk-notification-banner", chromedp.ByQuery))
	if txt := bodyText(t, rita); !strings.Contains(txt, "Reply sent to Erin") {
		t.Errorf("after the reply: %s", txt)
	}
	run(t, rita, "note", chromedp.SendKeys("#note", "Depot says Tuesday morning; check it was done.", chromedp.ByID),
		chromedp.Submit("#note", chromedp.ByID), chromedp.WaitVisible(".nb-entry--note", chromedp.ByQuery))
	checkPage(t, rita, "inbox-ticket-replied")

	dm := s.h.Out.String()[start:]
	if n := strings.Count(dm, "[dm Erin] bot: Council team (Rita): Thanks Erin, a crew will fill it on Tuesday."); n != 1 {
		t.Errorf("the resident's DM shows the reply %d times:\n%s", n, dm)
	}
	if strings.Contains(dm, "Depot says") {
		t.Errorf("the internal note reached WhatsApp:\n%s", dm)
	}
	if !strings.Contains(dm, "[roads] bot: C1 · Rita answered on the staff page") {
		t.Errorf("the staff group was not shown the page's reply:\n%s", dm)
	}
}

// realPhoto replaces the console's stand-in photo bytes with a real JPEG
// (a street-coloured picture), so the browser can decode and draw it.
func realPhoto(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil || len(files) != 1 {
		t.Fatalf("photos kept: %v %v", files, err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for y := range 200 {
		for x := range 320 {
			c := color.RGBA{90, 90, 95, 255} // tarmac
			if (x-160)*(x-160)/4+(y-120)*(y-120) < 900 {
				c = color.RGBA{40, 35, 30, 255} // the pothole
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
