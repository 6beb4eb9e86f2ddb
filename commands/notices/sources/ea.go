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

// EAFloods reads the Environment Agency's flood-monitoring API (England;
// free, no key, refreshed every 15 minutes): the warnings in force within
// RadiusKm of each group's point, /id/floods?lat=&long=&dist=. Severity 1
// (severe flood warning, danger to life) is an emergency, 2 (flood
// warning) urgent, 3 (flood alert) normal, and 4 (no longer in force)
// cancels the earlier notice; a changed message (timeMessageChanged) or
// severity updates it.
type EAFloods struct {
	BaseURL  string // default https://environment.data.gov.uk/flood-monitoring
	RadiusKm float64
	Topics   []string
	Client   *http.Client
	Timeout  time.Duration
	MaxBytes int64
}

// Name implements Source.
func (s *EAFloods) Name() string { return "ea-floods" }

// Title implements Source.
func (s *EAFloods) Title() string { return "Environment Agency flood warnings" }

type eaResponse struct {
	Items []eaFlood `json:"items"`
}

type eaFlood struct {
	ID                 string `json:"@id"`
	Description        string `json:"description"`
	FloodAreaID        string `json:"floodAreaID"`
	Message            string `json:"message"`
	Severity           string `json:"severity"`
	SeverityLevel      int    `json:"severityLevel"`
	TimeMessageChanged string `json:"timeMessageChanged"`
	TimeSeverityChange string `json:"timeSeverityChanged"`
	TimeRaised         string `json:"timeRaised"`
	EAAreaName         string `json:"eaAreaName"`
}

// maxPointsPerPoll bounds the requests of one poll.
const maxPointsPerPoll = 50

// Fetch implements Source.
func (s *EAFloods) Fetch(ctx context.Context, groups []Group) ([]Item, error) {
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		base = "https://environment.data.gov.uk/flood-monitoring"
	}
	radius := s.RadiusKm
	if radius <= 0 {
		radius = 5
	}
	// One request per distinct point (rounded to about 100 m).
	type query struct {
		p     Point
		areas []string
	}
	byKey := map[string]*query{}
	var keys []string
	for _, g := range groups {
		if !g.Point.Valid() || len(g.Areas) == 0 {
			continue
		}
		k := fmt.Sprintf("%.3f,%.3f", g.Point.Lat, g.Point.Lon)
		q, ok := byKey[k]
		if !ok {
			q = &query{p: g.Point}
			byKey[k] = q
			keys = append(keys, k)
		}
		q.areas = appendNew(q.areas, g.Areas...)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		return nil, ErrNothingToAsk
	}
	if len(keys) > maxPointsPerPoll {
		keys = keys[:maxPointsPerPoll]
	}
	found := map[string]*Item{}
	var order []string
	for _, k := range keys {
		q := byKey[k]
		u := fmt.Sprintf("%s/id/floods?lat=%s&long=%s&dist=%s", base,
			strconv.FormatFloat(q.p.Lat, 'f', 4, 64), strconv.FormatFloat(q.p.Lon, 'f', 4, 64), strconv.FormatFloat(radius, 'f', -1, 64))
		body, err := fetch(ctx, s.Client, u, "application/json", s.Timeout, s.MaxBytes)
		if err != nil {
			return nil, fmt.Errorf("environment agency floods: %w", err)
		}
		var resp eaResponse
		if err := (bounds.Limits{}).JSON(body); err != nil {
			return nil, fmt.Errorf("environment agency floods: %w", err)
		}
		if err := json.Unmarshal(body, &resp); err != nil {
			return nil, fmt.Errorf("environment agency floods: %w", err)
		}
		for _, f := range resp.Items {
			it, ok := s.item(f)
			if !ok {
				continue
			}
			if have, dup := found[it.ID]; dup {
				have.Areas = appendNew(have.Areas, q.areas...)
				continue
			}
			it.Areas = append([]string(nil), q.areas...)
			found[it.ID] = &it
			order = append(order, it.ID)
		}
	}
	out := make([]Item, 0, len(order))
	for _, id := range order {
		out = append(out, *found[id])
	}
	return out, nil
}

// item maps one warning; ok is false for a record the bot cannot use.
func (s *EAFloods) item(f eaFlood) (Item, bool) {
	area := strings.TrimSpace(f.FloodAreaID)
	if area == "" || f.SeverityLevel < 1 || f.SeverityLevel > 4 {
		return Item{}, false
	}
	changed := parseEATime(f.TimeMessageChanged)
	if changed.IsZero() {
		changed = parseEATime(f.TimeSeverityChange)
	}
	what := map[int]string{1: "Severe flood warning", 2: "Flood warning", 3: "Flood alert", 4: "Flood warning no longer in force"}[f.SeverityLevel]
	it := Item{
		ID:      fmt.Sprintf("ea:%s@%s/%d", area, changed.UTC().Format(time.RFC3339), f.SeverityLevel),
		Thread:  "ea:" + area,
		Cancel:  f.SeverityLevel == 4,
		Title:   clean(what+": "+f.Description, 200),
		Body:    strings.TrimSpace(f.Message),
		Link:    "https://check-for-flooding.service.gov.uk/target-area/" + url.PathEscape(area),
		Urgency: map[int]string{1: "emergency", 2: "urgent", 3: "normal", 4: "normal"}[f.SeverityLevel],
		Topics:  s.Topics,
		Sent:    changed,
	}
	if !changed.IsZero() {
		// A warning nobody changed for two days is not news when first seen.
		it.Expires = changed.Add(48 * time.Hour)
	}
	return it, true
}

// parseEATime reads the API's times: RFC 3339, or without an offset (UTC).
func parseEATime(s string) time.Time {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC()
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05", s, time.UTC); err == nil {
		return t
	}
	return time.Time{}
}

func appendNew(list []string, add ...string) []string {
	for _, a := range add {
		dup := false
		for _, v := range list {
			if v == a {
				dup = true
				break
			}
		}
		if !dup {
			list = append(list, a)
		}
	}
	return list
}
