package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Geocoder finds a point for a postcode district, sector or postcode from
// postcodes.io's API (/outcodes/{outcode}, /postcodes/{postcode}), caching
// answers in geo_points so each area is asked about once: found points for
// 90 days, unknown areas for a week. A sector is placed at its district's
// centre (postcodes.io has no sector lookup).
type Geocoder struct {
	DB      bot.DB
	Client  *http.Client
	BaseURL string // default https://api.postcodes.io
	Timeout time.Duration
	Now     func() time.Time
}

const (
	keepFound   = 90 * 24 * time.Hour
	keepUnknown = 7 * 24 * time.Hour
)

// Place is what the geocoder knows about an area.
type Place struct {
	Point Point
	// Names are the local authority, county and country names of the
	// area ("Shropshire", "England").
	Names []string
}

// Point returns the point for area; ok is false when the area cannot be
// placed (an area like "SY", or a postcode postcodes.io does not know).
func (g *Geocoder) Point(ctx context.Context, area string) (Point, bool, error) {
	pl, ok, err := g.Place(ctx, area)
	return pl.Point, ok, err
}

// Place returns the point and names for area.
func (g *Geocoder) Place(ctx context.Context, area string) (Place, bool, error) {
	a, ok := bot.NormalizeArea(area)
	if !ok {
		return Place{}, false, nil
	}
	query, path := "", ""
	outward, inward, _ := strings.Cut(a, " ")
	switch {
	case len(inward) == 3: // a full postcode
		query, path = a, "/postcodes/"
	case strings.IndexAny(outward, "0123456789") < 0: // an area: "SY"
		return Place{}, false, nil
	default:
		query, path = outward, "/outcodes/"
	}
	now := g.Now()
	c, hit, err := geoStore{g.DB}.cached(ctx, query)
	if err != nil {
		return Place{}, false, err
	}
	if hit {
		keep := keepUnknown
		if c.found {
			keep = keepFound
		}
		if now.Sub(c.fetched) < keep {
			return c.place, c.found, nil
		}
	}
	pl, ok, err := g.lookup(ctx, path, query)
	if err != nil {
		return Place{}, false, err
	}
	if err := (geoStore{g.DB}).save(ctx, query, pl, ok, now); err != nil {
		return Place{}, false, err
	}
	return pl, ok, nil
}

func (g *Geocoder) lookup(ctx context.Context, path, query string) (Place, bool, error) {
	base := strings.TrimRight(g.BaseURL, "/")
	if base == "" {
		base = "https://api.postcodes.io"
	}
	u := base + path + url.PathEscape(query)
	ctx, cancel := context.WithTimeout(ctx, max(g.Timeout, time.Second))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Place{}, false, err
	}
	req.Header.Set("Accept", "application/json")
	client := g.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return Place{}, false, fmt.Errorf("postcode lookup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return Place{}, false, nil
	}
	if resp.StatusCode != http.StatusOK {
		return Place{}, false, fmt.Errorf("postcode lookup %s: HTTP %d", query, resp.StatusCode)
	}
	// Outcode results give the names as lists, postcode results as strings.
	var body struct {
		Result *struct {
			Latitude      *float64        `json:"latitude"`
			Longitude     *float64        `json:"longitude"`
			AdminDistrict json.RawMessage `json:"admin_district"`
			AdminCounty   json.RawMessage `json:"admin_county"`
			Region        json.RawMessage `json:"region"`
			Country       json.RawMessage `json:"country"`
		} `json:"result"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return Place{}, false, fmt.Errorf("postcode lookup %s: %w", query, err)
	}
	r := body.Result
	if r == nil || r.Latitude == nil || r.Longitude == nil {
		return Place{}, false, nil
	}
	pl := Place{Point: Point{Lat: *r.Latitude, Lon: *r.Longitude}}
	for _, raw := range []json.RawMessage{r.AdminDistrict, r.AdminCounty, r.Region, r.Country} {
		var one string
		var many []string
		if json.Unmarshal(raw, &one) == nil && one != "" {
			many = []string{one}
		} else {
			_ = json.Unmarshal(raw, &many)
		}
		for _, n := range many {
			if n = clean(n, 80); n != "" && !containsFold(pl.Names, n) {
				pl.Names = append(pl.Names, n)
			}
		}
	}
	return pl, pl.Point.Valid(), nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// pinKey is the geo_points row of a group's own point.
func pinKey(chat bot.ChatID) string { return "chat:" + string(chat) }

// SaveGroupPin keeps the point of a location pin an admin gave with !area
// as the group's point; it wins over the postcode's.
func SaveGroupPin(ctx context.Context, db bot.DB, chat bot.ChatID, p Point, now time.Time) error {
	return geoStore{db}.savePin(ctx, pinKey(chat), p, now)
}

// ClearGroupPin forgets a group's pin (its area changed without one).
func ClearGroupPin(ctx context.Context, db bot.DB, chat bot.ChatID) (bool, error) {
	return geoStore{db}.clearPin(ctx, pinKey(chat))
}

// GroupPin returns a group's pin, if an admin gave one.
func GroupPin(ctx context.Context, db bot.DB, chat bot.ChatID) (Point, bool, error) {
	return geoStore{db}.pin(ctx, pinKey(chat))
}
