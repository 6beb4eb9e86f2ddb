package sources

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices/feeds"
)

// MetOffice reads the Met Office's regional weather-warning RSS feeds
// (…/public/data/PWSCache/WarningsRSS/Region/CODE): each group's region
// comes from its postcode area, the level from the item's title (yellow →
// normal, amber → urgent, red → emergency). The Met Office's name and the
// link to its warning stay on every notice, as it asks of reuse.
type MetOffice struct {
	BaseURL  string // default https://www.metoffice.gov.uk/public/data/PWSCache/WarningsRSS/Region/
	Topics   []string
	Client   *http.Client
	Timeout  time.Duration
	MaxBytes int64
}

// Name implements Source.
func (s *MetOffice) Name() string { return "met-office" }

// Title implements Source.
func (s *MetOffice) Title() string { return "Met Office weather warnings" }

var levelWord = regexp.MustCompile(`(?i)\b(yellow|amber|red)\b`)

// MetOfficeLevel reads the warning level from a title ("Amber warning of
// wind affecting Wales"); ok is false for a title without one.
func MetOfficeLevel(title string) (urgency string, ok bool) {
	m := levelWord.FindStringSubmatch(title)
	if m == nil {
		return "", false
	}
	switch strings.ToLower(m[1]) {
	case "red":
		return "emergency", true
	case "amber":
		return "urgent", true
	}
	return "normal", true
}

// Fetch implements Source.
func (s *MetOffice) Fetch(ctx context.Context, groups []Group) ([]Item, error) {
	base := s.BaseURL
	if base == "" {
		base = "https://www.metoffice.gov.uk/public/data/PWSCache/WarningsRSS/Region/"
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	byRegion := map[string][]string{}
	for _, g := range groups {
		for _, a := range g.Areas {
			if r, ok := MetOfficeRegion(a); ok {
				byRegion[r] = appendNew(byRegion[r], a)
			}
		}
	}
	regions := make([]string, 0, len(byRegion))
	for r := range byRegion {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	if len(regions) == 0 {
		return nil, ErrNothingToAsk
	}
	var out []Item
	for _, r := range regions {
		body, err := fetch(ctx, s.Client, base+r, "application/rss+xml, application/xml", s.Timeout, s.MaxBytes)
		if err != nil {
			return nil, fmt.Errorf("met office %s: %w", r, err)
		}
		feed, err := feeds.Parse(body)
		if err != nil {
			return nil, fmt.Errorf("met office %s: %w", r, err)
		}
		for _, fi := range feed.Items {
			urg, ok := MetOfficeLevel(fi.Title)
			if !ok {
				continue
			}
			out = append(out, Item{
				ID: "metoffice:" + r + ":" + fi.ID, Title: clean(fi.Title, 200), Body: fi.Body, Link: fi.Link,
				Urgency: urg, Topics: s.Topics, Areas: append([]string(nil), byRegion[r]...), Sent: fi.Published,
				Expires: expiresFrom(fi.Published, 48*time.Hour),
			})
		}
	}
	return out, nil
}

func expiresFrom(t time.Time, d time.Duration) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Add(d)
}

// metOfficeRegions maps postcode areas to the Met Office's warning regions
// (codes as its regional feeds use them). Areas on a boundary take the
// region most of their districts lie in.
var metOfficeRegions = func() map[string]string {
	m := map[string]string{}
	for code, areas := range map[string]string{
		"os": "KW ZE",
		"he": "IV HS PH",
		"gr": "AB",
		"st": "G PA KA ML",
		"ta": "DD KY FK",
		"dg": "DG EH TD",
		"ni": "BT",
		"wl": "CF NP SA LD LL",
		"nw": "M OL BL WN PR BB FY LA CA L CH WA CW SK",
		"ne": "NE SR DH DL TS",
		"yh": "YO HU LS BD HG HX HD WF DN S",
		"wm": "B CV DY WS WV WR HR ST TF SY",
		"em": "DE NG LE LN NN",
		"ee": "CB IP NR PE CO CM SS SG AL LU MK",
		"sw": "BS BA TA EX PL TQ TR DT GL SN SP BH",
		"se": "E EC N NW SE SW W WC BR CR DA EN HA IG RM SM TW UB KT WD CT ME TN BN RH GU PO SO RG OX SL HP",
	} {
		for _, a := range strings.Fields(areas) {
			m[a] = code
		}
	}
	return m
}()

// MetOfficeRegion returns the warning region of a postcode area, district
// or sector.
func MetOfficeRegion(area string) (string, bool) {
	a, ok := bot.NormalizeArea(area)
	if !ok {
		return "", false
	}
	letters := strings.TrimRightFunc(strings.SplitN(a, " ", 2)[0], func(r rune) bool { return r < 'A' || r > 'Z' })
	if i := strings.IndexAny(letters, "0123456789"); i >= 0 {
		letters = letters[:i]
	}
	r, ok := metOfficeRegions[letters]
	return r, ok
}

// GovUKAlerts reads GOV.UK Emergency Alerts' Atom feed
// (https://www.gov.uk/alerts/feed.atom): each entry is an alert sent to
// phones, titled with the areas it went to and holding the alert's text.
// Entries that are tests or exercises are dropped; an alert reaches the
// groups whose local authority, county or country it names, as an
// emergency.
type GovUKAlerts struct {
	URL      string
	Topics   []string
	Client   *http.Client
	Timeout  time.Duration
	MaxBytes int64
}

// Name implements Source.
func (s *GovUKAlerts) Name() string { return "govuk-alerts" }

// Title implements Source.
func (s *GovUKAlerts) Title() string { return "GOV.UK Emergency Alerts" }

var testAlert = regexp.MustCompile(`(?i)\b(this is a test|test of the (uk'?s? )?emergency alerts?|operator test|exercise)\b`)

// Fetch implements Source.
func (s *GovUKAlerts) Fetch(ctx context.Context, groups []Group) ([]Item, error) {
	u := s.URL
	if u == "" {
		u = "https://www.gov.uk/alerts/feed.atom"
	}
	body, err := fetch(ctx, s.Client, u, "application/atom+xml, application/xml", s.Timeout, s.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("gov.uk alerts: %w", err)
	}
	feed, err := feeds.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("gov.uk alerts: %w", err)
	}
	var out []Item
	for _, fi := range feed.Items {
		if testAlert.MatchString(fi.Title + "\n" + fi.Body) {
			continue
		}
		places := strings.ToLower(fi.Title)
		var areas []string
		for _, g := range groups {
			for _, n := range g.Names {
				if n != "" && containsWord(places, strings.ToLower(n)) {
					areas = appendNew(areas, g.Areas...)
					break
				}
			}
		}
		if len(areas) == 0 {
			continue
		}
		out = append(out, Item{
			ID: "govuk:" + fi.ID, Title: clean("Alert sent to phones in "+fi.Title, 200), Body: fi.Body, Link: fi.Link,
			Urgency: "emergency", Topics: s.Topics, Areas: areas, Sent: fi.Published,
			Expires: expiresFrom(fi.Published, 24*time.Hour),
		})
	}
	return out, nil
}
