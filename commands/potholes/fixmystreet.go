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

// Already on FixMyStreet? Once a report with a location pin is filed, the
// bot looks at FixMyStreet's open reports around the pin — its GeoRSS feed
// of local problems, GET {base}/rss/l/{lat},{lon}/{km}?state=open — and,
// when some are there, tells the group in a short follow-up. The look-up is
// a courtesy and an outside call, so it is a two-phase job (jobFixMyStreet,
// one per report): the report and the reply commit with the resident's
// message at once; the feed is read afterwards with no unit of work held;
// what it found is recorded (and posted) in the job's own short unit of
// work. When the feed is slow, down or unreadable, the report's history
// and the log say so, and nothing is posted or tried again.

// fixMyStreetTimeout bounds the look-up: the follow-up is worth posting
// while the report is still what the group is talking about, and a stalled
// FixMyStreet should not keep one of the scheduler's few fetch slots.
const fixMyStreetTimeout = 4 * time.Second

// fmsFreshFor is how long after filing a follow-up is still posted. A
// look-up that ran much later (the bot was stopped in between) is only
// recorded: a message about an old report out of the blue would puzzle.
const fmsFreshFor = 10 * time.Minute

// jobFixMyStreet is the look-up for one report (key fmsKey).
const jobFixMyStreet = "potholes.fixmystreet"

func fmsKey(id int64) string { return fmt.Sprintf("potholes.fixmystreet:%d", id) }

// fmsPayload names the report to look up; the pin and category are read
// from the report when the job runs.
type fmsPayload struct {
	Report int64 `json:"report"`
}

// fmsMaxBody bounds the feed read: a local feed is tens of kilobytes.
const fmsMaxBody = 1 << 20

// fmsReport is an open FixMyStreet report near a pin.
type fmsReport struct {
	Title     string
	Category  string
	Link      string
	DistanceM float64
}

// fmsNote is the outcome of a look-up, for the follow-up and the history.
type fmsNote struct {
	found  []fmsReport // nearest first
	failed string      // why the look-up failed, "" when it did not
}

// fmsFeedURL is FixMyStreet's feed of reports within km of a point.
func fmsFeedURL(base string, lat, long, radiusM float64) string {
	km := strconv.FormatFloat(math.Max(radiusM, 10)/1000, 'f', -1, 64)
	return fmt.Sprintf("%s/rss/l/%.6f,%.6f/%s?state=open", strings.TrimRight(base, "/"), lat, long, km)
}

// fixMyStreetNearby reads the feed around the pin and returns the reports
// of the same kind within duplicate_radius_m, nearest first.
func (f *Feature) fixMyStreetNearby(ctx context.Context, category string, lat, long float64) ([]fmsReport, error) {
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
	sort.SliceStable(found, func(i, j int) bool { return found[i].DistanceM < found[j].DistanceM })
	return found, nil
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

// scheduleFixMyStreet books the look-up for a report just filed, when the
// check is configured and the report has a pin. It runs as soon as the
// message's unit of work has committed.
func (f *Feature) scheduleFixMyStreet(ctx context.Context, r Report) error {
	if f.cfg.FixMyStreetBaseURL == "" || !r.HasLocation {
		return nil
	}
	return f.jobs.Schedule(ctx, jobFixMyStreet, fmsKey(r.ID), f.clock.Now(), fmsPayload{Report: r.ID})
}

// fixMyStreetJob reads FixMyStreet's feed around the report's pin with no
// unit of work held, and returns what records the outcome. A failed
// look-up is recorded, not retried: the report stands without it.
func (f *Feature) fixMyStreetJob(ctx context.Context, _ bot.Job, pl fmsPayload) (bot.ApplyFunc, error) {
	r, ok, err := f.jobReport(ctx, pl.Report)
	if !ok || err != nil || !r.HasLocation || f.cfg.FixMyStreetBaseURL == "" {
		return nil, err
	}
	var note fmsNote
	note.found, err = f.fixMyStreetNearby(ctx, r.Category, r.Lat, r.Long)
	if err != nil {
		f.log().Warn("FixMyStreet check failed", "report", r.ID, bot.KeyErr, err)
		note = fmsNote{failed: err.Error()}
	}
	return func(ctx context.Context) error { return f.recordFixMyStreet(ctx, pl.Report, note) }, nil
}

// recordFixMyStreet adds the look-up to the report's history and, when it
// found something, tells the group — unless the report has gone, been
// resolved or filed too long ago, or the group no longer wants potholes'
// messages. The follow-up comes seconds after the resident's own message,
// as the rest of the bot's answer to it, so quiet hours do not hold it.
func (f *Feature) recordFixMyStreet(ctx context.Context, id int64, note fmsNote) error {
	r, ok, err := f.jobReport(ctx, id)
	if !ok || err != nil {
		return err
	}
	now := f.clock.Now()
	ev, ok := note.event(now)
	if !ok {
		return nil
	}
	if err := f.store.apply(ctx, Report{ID: r.ID, Updated: now}, change{events: []event{ev}}); err != nil {
		return err
	}
	text := note.followUp(r.Ref())
	if text == "" || r.Status.Resolved() || now.Sub(r.Created) > fmsFreshFor {
		return nil
	}
	on, err := f.groupListening(ctx, r.Chat)
	if err != nil || !on {
		return err
	}
	_, err = f.out.Send(ctx, bot.OutMessage{Chat: r.Chat, Text: text})
	if errors.Is(err, bot.ErrGroupOff) {
		return nil
	}
	return err
}

// followUp is the message to the group: "About P7: FixMyStreet already has
// a report of this nearby, 40 m away (…): <link> — if it's the same, the
// council may already know." "" when nothing was found.
func (n fmsNote) followUp(ref string) string {
	if len(n.found) == 0 {
		return ""
	}
	near := n.found[0]
	what := ""
	if near.Title != "" {
		what = " (" + bot.Truncate(near.Title, 60)
		if near.Category != "" {
			what += ", " + bot.Truncate(near.Category, 30)
		}
		what += ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "About %s: FixMyStreet already has ", ref)
	if len(n.found) == 1 {
		fmt.Fprintf(&b, "a report of this nearby, %.0f m away%s: %s", near.DistanceM, what, near.Link)
	} else {
		fmt.Fprintf(&b, "%d reports of this nearby. The closest is %.0f m away%s: %s", len(n.found), near.DistanceM, what, near.Link)
	}
	b.WriteString(" — if it's the same, the council may already know.")
	return b.String()
}

// event is the history line of the look-up.
func (n fmsNote) event(at time.Time) (event, bool) {
	switch {
	case len(n.found) == 1:
		return event{At: at, Kind: "on FixMyStreet", Detail: fmt.Sprintf("%.0f m away: %s", n.found[0].DistanceM, n.found[0].Link)}, true
	case len(n.found) > 1:
		return event{At: at, Kind: "on FixMyStreet", Detail: fmt.Sprintf("%d nearby, the closest %.0f m away: %s", len(n.found), n.found[0].DistanceM, n.found[0].Link)}, true
	case n.failed != "":
		return event{At: at, Kind: "FixMyStreet check failed", Detail: n.failed}, true
	}
	return event{}, false
}
