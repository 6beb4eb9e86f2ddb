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

	"github.com/chromedp/chromedp"

	"neighbourbot/web"
)

// TestBrowserFaults: in real headless Chromium, faults reported in the
// console with location pins show on /faults' map as Leaflet markers
// (two at one place clustered into a numbered circle) and in its list,
// with the tile server unreachable (no internet here: the tiles fail, the
// pins do not); a fault's page has its photo and its own marker; staff
// set its state with the form; a bad filter gets the error page. axe-core
// checks each page.
func TestBrowserFaults(t *testing.T) {
	hana := newChromium(t)
	fs := newFaultSite(t, func(c *web.Config) {
		c.Tiles, c.TilesAttribution = "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© OpenStreetMap contributors"
	})
	fs.h.Run("@group street\n" +
		"Bob [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n" +
		"Carol [photo]: !metoo P1\nDan: !metoo P1\nAlice: !pothole P1 send\n" +
		"Bob [location 52.7170,-2.7350]: !report streetlight out at the top of Belle Vue Road\n" +
		"Dan [location 52.7171,-2.7351]: !report drain blocked at the top of Belle Vue Road\n" +
		"Bob: !report flytipping mattresses behind the shops on Elm Road\n")
	realPhotos(t, fs.photoDir)

	link, out := fs.link("Hana")
	if link == "" {
		t.Fatalf("no link for Hana:\n%s", out)
	}
	run(t, hana, "sign in", chromedp.Navigate(link), chromedp.WaitVisible("button.govuk-button", chromedp.ByQuery),
		chromedp.Click("button.govuk-button", chromedp.ByQuery), chromedp.WaitVisible(`form[action="/sign-out"]`, chromedp.ByQuery))

	run(t, hana, "faults", chromedp.Navigate(fs.ts.URL+"/faults"), chromedp.WaitVisible(".nb-map--drawn .leaflet-marker-icon", chromedp.ByQuery),
		chromedp.WaitVisible(".marker-cluster", chromedp.ByQuery))
	var marker, cluster string
	run(t, hana, "markers", chromedp.AttributeValue(`.leaflet-marker-icon[title="P1 pothole (sent)"]`, "alt", &marker, nil, chromedp.ByQuery),
		chromedp.Text(".marker-cluster span", &cluster, chromedp.ByQuery))
	if marker != "P1 pothole (sent)" || strings.TrimSpace(cluster) != "2" {
		t.Errorf("markers: P1 %q, cluster %q", marker, cluster)
	}
	txt := bodyText(t, hana)
	for _, want := range []string{"4 faults", "P1 pothole", "Open311 request 293944", "P4 flytipping", "no location pin"} {
		if !strings.Contains(txt, want) {
			t.Errorf("faults page lacks %q:\n%s", want, txt)
		}
	}
	// A pin works from the keyboard: focused, Enter opens its popup with
	// the link to the fault's page.
	var href string
	run(t, hana, "pin by keyboard", chromedp.Focus(`.leaflet-marker-icon[title="P1 pothole (sent)"]`, chromedp.ByQuery), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(".leaflet-popup a", chromedp.ByQuery), chromedp.AttributeValue(".leaflet-popup a", "href", &href, nil, chromedp.ByQuery))
	if href != "/faults/1" {
		t.Errorf("the pin's popup links to %q", href)
	}
	checkPage(t, hana, "faults")

	run(t, hana, "one fault", chromedp.Navigate(fs.ts.URL+"/faults/1"), chromedp.WaitVisible(`#fault-map .leaflet-marker-icon[title="P1 pothole"]`, chromedp.ByQuery))
	var loaded bool
	run(t, hana, "photo loads", chromedp.Evaluate(`[...document.querySelectorAll('img.nb-fault-photo')].every(i => i.complete && i.naturalWidth > 0)`, &loaded))
	if !loaded {
		t.Error("the fault's photos did not load")
	}
	checkPage(t, hana, "fault")

	start := fs.h.Out.Len()
	run(t, hana, "set the state", chromedp.SetValue("#state", "in progress", chromedp.ByID),
		chromedp.Click(`form[action="/faults/1/state"] button`, chromedp.ByQuery), chromedp.WaitVisible(".govuk-notification-banner", chromedp.ByQuery))
	if txt := bodyText(t, hana); !strings.Contains(txt, "P1 is now marked in progress.") || !strings.Contains(txt, "set by Hana (staff)") {
		t.Errorf("after setting the state:\n%s", txt)
	}
	if n := strings.Count(fs.h.Out.String()[start:], "Council update on P1: in progress."); n != 1 {
		t.Errorf("the group was told %d times", n)
	}
	checkPage(t, hana, "fault-state")

	run(t, hana, "bad filter", chromedp.Navigate(fs.ts.URL+"/faults?state=bogus&area=nowhere"), chromedp.WaitVisible(".govuk-error-summary", chromedp.ByQuery))
	checkPage(t, hana, "faults-error")
}

// realPhotos replaces the console's stand-in photo bytes with a real
// JPEG, so the browser draws them (and screenshots show them).
func realPhotos(t *testing.T, dir string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			c := color.RGBA{90, 90, 95, 255} // tarmac
			if (x-160)*(x-160)/3+(y-130)*(y-130) < 1600 {
				c = color.RGBA{40, 35, 30, 255} // the hole
			}
			if y < 60 {
				c = color.RGBA{170, 200, 230, 255} // sky
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jpg"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no photos in %s: %v", dir, err)
	}
	for _, f := range files {
		if err := os.WriteFile(f, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
