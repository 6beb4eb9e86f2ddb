package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot/bounds"
)

// Planning is a daily digest of new planning applications near each
// group, from PlanIt's applications API (…/api/applics/json: lat, lng and
// krad for a radius, recent for the days back; {"records": […]}). Once a
// day, each group gets one notice under the planning topic listing the
// applications the council received the day before: reference, address,
// description and a link, so a street can see and discuss one in time.
type Planning struct {
	BaseURL  string // default https://www.planit.org.uk/api/applics/json
	RadiusKm float64
	Topics   []string
	Loc      *time.Location
	Now      func() time.Time
	Client   *http.Client
	Timeout  time.Duration
	MaxBytes int64
}

// Name implements Source.
func (s *Planning) Name() string { return "planning" }

// Title implements Source.
func (s *Planning) Title() string { return "planning applications (PlanIt)" }

type planitResponse struct {
	Records []planitRecord `json:"records"`
}

type planitRecord struct {
	Name        string          `json:"name"`
	UID         string          `json:"uid"`
	Address     string          `json:"address"`
	Description string          `json:"description"`
	Link        string          `json:"link"`
	URL         string          `json:"url"`
	StartDate   string          `json:"start_date"`
	AreaName    string          `json:"area_name"`
	AppType     string          `json:"app_type"`
	Lat         json.RawMessage `json:"lat"`
	Lng         json.RawMessage `json:"lng"`
}

// maxPlanningLines keeps a digest readable; the rest are counted.
const maxPlanningLines = 8

// Fetch implements Source.
func (s *Planning) Fetch(ctx context.Context, groups []Group) ([]Item, error) {
	base := s.BaseURL
	if base == "" {
		base = "https://www.planit.org.uk/api/applics/json"
	}
	radius := s.RadiusKm
	if radius <= 0 {
		radius = 1
	}
	loc := s.Loc
	if loc == nil {
		loc = time.UTC
	}
	now := s.Now().In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -1)
	dayStr := day.Format("2006-01-02")
	var out []Item
	done := map[string]bool{}
	asked := false
	for _, g := range groups {
		// Groups with the same areas share one digest.
		key := strings.Join(g.Areas, ",")
		if !g.Point.Valid() || done[key] {
			continue
		}
		done[key] = true
		asked = true
		records, err := s.applicationsNear(ctx, base, radius, g.Point)
		if err != nil {
			return nil, err
		}
		lines := receivedOn(records, dayStr)
		if len(lines) == 0 {
			continue
		}
		sort.Strings(lines)
		n := len(lines)
		if n > maxPlanningLines {
			lines = append(lines[:maxPlanningLines], fmt.Sprintf("… and %d more on the council's planning register.", n-maxPlanningLines))
		}
		what := "application"
		if n > 1 {
			what = "applications"
		}
		area := strings.Join(g.Areas, ", ")
		out = append(out, Item{
			ID:      "planning:" + key + "@" + dayStr,
			Title:   fmt.Sprintf("%d new planning %s near %s (received %s)", n, what, area, day.Format("Mon 2 Jan")),
			Body:    strings.Join(lines, "\n") + "\nComments go to the council; the link has the details and the closing date.",
			Urgency: "normal", Topics: s.Topics, Areas: append([]string(nil), g.Areas...),
			Sent: now, Expires: now.Add(3 * 24 * time.Hour),
		})
	}
	if !asked {
		return nil, ErrNothingToAsk
	}
	return out, nil
}

// applicationsNear asks PlanIt for the applications of the last few days
// within radius km of p.
func (s *Planning) applicationsNear(ctx context.Context, base string, radius float64, p Point) ([]planitRecord, error) {
	q := url.Values{}
	q.Set("lat", strconv.FormatFloat(p.Lat, 'f', 5, 64))
	q.Set("lng", strconv.FormatFloat(p.Lon, 'f', 5, 64))
	q.Set("krad", strconv.FormatFloat(radius, 'f', -1, 64))
	q.Set("recent", "3")
	q.Set("pg_sz", "100")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	body, err := fetch(ctx, s.Client, base+sep+q.Encode(), "application/json", s.Timeout, s.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("planning applications: %w", err)
	}
	var resp planitResponse
	if err := (bounds.Limits{}).JSON(body); err != nil {
		return nil, fmt.Errorf("planning applications: %w", err)
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("planning applications: %w", err)
	}
	return resp.Records, nil
}

// receivedOn gives a digest line for each application received on day
// (YYYY-MM-DD), unsorted. The register is asked for a few recent days but
// each day has its own digest (its item id carries the day), so the other
// days are left out; so is an application without a reference, which no
// one could look up.
func receivedOn(records []planitRecord, day string) []string {
	var lines []string
	for _, r := range records {
		if !strings.HasPrefix(strings.TrimSpace(r.StartDate), day) {
			continue
		}
		ref := clean(firstNonEmpty(r.UID, r.Name), 60)
		if ref == "" {
			continue
		}
		line := "• " + ref
		if a := clean(r.Address, 160); a != "" {
			line += " — " + a
		}
		if d := clean(r.Description, 240); d != "" {
			line += ": " + d
		}
		if l := strings.TrimSpace(firstNonEmpty(r.URL, r.Link)); strings.HasPrefix(l, "http") {
			line += " " + l
		}
		lines = append(lines, line)
	}
	return lines
}
