package potholes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"neighbourbot/bot"
	"neighbourbot/bot/bounds"
)

// Already on FixMyStreet? Before a report with a location pin is filed,
// the bot can look at FixMyStreet's open reports around the pin — its
// GeoRSS feed of local problems, GET {base}/rss/l/{lat},{lon}/{km}?state=open
// — and say when one is already there. The check is a courtesy: when the
// feed is slow, down or unreadable the report is filed as usual, with a
// line in its history and the log.

// fixMyStreetTimeout bounds the look-up: it runs while the resident waits
// for the reply.
const fixMyStreetTimeout = 4 * time.Second

// fmsMaxBody bounds the feed read: a local feed is tens of kilobytes.
const fmsMaxBody = 1 << 20

// fmsReport is the nearest open FixMyStreet report to a pin.
type fmsReport struct {
	Title     string
	Category  string
	Link      string
	DistanceM float64
}

// fmsNote is the outcome of a look-up, for the reply and the history.
type fmsNote struct {
	found  *fmsReport
	failed string // why the look-up failed, "" when it did not
}

// fmsFeedURL is FixMyStreet's feed of reports within km of a point.
func fmsFeedURL(base string, lat, long, radiusM float64) string {
	km := strconv.FormatFloat(math.Max(radiusM, 10)/1000, 'f', -1, 64)
	return fmt.Sprintf("%s/rss/l/%.6f,%.6f/%s?state=open", strings.TrimRight(base, "/"), lat, long, km)
}

// fixMyStreetNearby reads the feed around the pin and returns the nearest
// report within duplicate_radius_m, or nil.
func (f *Feature) fixMyStreetNearby(ctx context.Context, category string, lat, long float64) (*fmsReport, error) {
	radius := float64(f.cfg.DuplicateRadiusM)
	ctx, cancel := context.WithTimeout(ctx, fixMyStreetTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmsFeedURL(f.cfg.FixMyStreetBaseURL, lat, long, radius), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/rss+xml, application/xml, text/xml")
	resp, err := f.fmsHTTP.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Timeout") {
			return nil, errors.New("FixMyStreet did not answer in time")
		}
		return nil, errors.New("could not reach FixMyStreet")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, fmsMaxBody+1))
	if err != nil {
		return nil, errors.New("FixMyStreet's answer was cut off")
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("FixMyStreet answered HTTP %d", resp.StatusCode)
	}
	if len(body) > fmsMaxBody {
		return nil, errors.New("FixMyStreet's feed was too large")
	}
	if err := (bounds.Limits{}).XML(body, nil); err != nil {
		return nil, errors.New("FixMyStreet's feed was too large")
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("FixMyStreet's feed could not be read")
	}
	var found []fmsReport
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		plat, plong, ok := georssPoint(it)
		if !ok {
			continue
		}
		d := distanceM(lat, long, plat, plong)
		if d > radius {
			continue
		}
		// Titles are typed by the public: no phone number reaches the group.
		r := fmsReport{Title: redactNumbers(oneLine(html.UnescapeString(it.Title))), Link: strings.TrimSpace(it.Link), DistanceM: d}
		if len(it.Categories) > 0 {
			r.Category = oneLine(html.UnescapeString(it.Categories[0]))
		}
		if r.Category != "" && !sameCategory(category, r.Category) {
			// A street light report is no answer to "is this pothole
			// already reported?".
			continue
		}
		if !strings.HasPrefix(r.Link, "https://") && !strings.HasPrefix(r.Link, "http://") {
			continue
		}
		found = append(found, r)
	}
	if len(found) == 0 {
		return nil, nil
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].DistanceM < found[j].DistanceM })
	return &found[0], nil
}

// sameCategory compares one of the bot's categories ("streetlight") with
// FixMyStreet's ("Street lighting"): letters only, one the start of the
// other, or sharing their first five letters.
func sameCategory(ours, theirs string) bool {
	norm := func(s string) string {
		var b strings.Builder
		for _, r := range strings.ToLower(s) {
			if r >= 'a' && r <= 'z' {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	a, b := norm(ours), norm(theirs)
	if a == "" || b == "" {
		return false
	}
	if strings.HasPrefix(a, b) || strings.HasPrefix(b, a) {
		return true
	}
	return len(a) >= 5 && len(b) >= 5 && a[:5] == b[:5]
}

// phoneLike is a run of digits long enough to be a phone number.
var phoneLike = regexp.MustCompile(`\+?[0-9][0-9 ()-]{7,}[0-9]`)

// redactNumbers hides phone numbers the public typed into a title.
func redactNumbers(s string) string { return phoneLike.ReplaceAllString(s, "[number]") }

// georssPoint reads an item's <georss:point>lat long</georss:point>.
func georssPoint(it *gofeed.Item) (float64, float64, bool) {
	for _, ext := range it.Extensions["georss"]["point"] {
		parts := strings.Fields(ext.Value)
		if len(parts) != 2 {
			continue
		}
		lat, err1 := strconv.ParseFloat(parts[0], 64)
		long, err2 := strconv.ParseFloat(parts[1], 64)
		if err1 == nil && err2 == nil && lat >= -90 && lat <= 90 && long >= -180 && long <= 180 {
			return lat, long, true
		}
	}
	return 0, 0, false
}

// checkFixMyStreet looks for a FixMyStreet report near the pin of c, when
// the check is configured and c has a pin.
func (f *Feature) checkFixMyStreet(ctx context.Context, c candidate) fmsNote {
	if f.cfg.FixMyStreetBaseURL == "" || !c.HasLocation {
		return fmsNote{}
	}
	found, err := f.fixMyStreetNearby(ctx, c.Category, c.Lat, c.Long)
	if err != nil {
		f.log().Warn("FixMyStreet check failed", bot.KeyErr, err)
		return fmsNote{failed: err.Error()}
	}
	return fmsNote{found: found}
}

// line is the sentence added to the reply: "FixMyStreet already has a
// report 40 m away: <link>".
func (n fmsNote) line() string {
	if n.found == nil {
		return ""
	}
	what := ""
	if n.found.Title != "" {
		what = " (" + bot.Truncate(n.found.Title, 60)
		if n.found.Category != "" {
			what += ", " + bot.Truncate(n.found.Category, 30)
		}
		what += ")"
	}
	return fmt.Sprintf("FixMyStreet already has a report %.0f m away%s: %s", n.found.DistanceM, what, n.found.Link)
}

// event is the history line of the look-up, for a report that was filed.
func (n fmsNote) event(at time.Time) (event, bool) {
	switch {
	case n.found != nil:
		return event{At: at, Kind: "on FixMyStreet", Detail: fmt.Sprintf("%.0f m away: %s", n.found.DistanceM, n.found.Link)}, true
	case n.failed != "":
		return event{At: at, Kind: "FixMyStreet check failed", Detail: n.failed}, true
	}
	return event{}, false
}
