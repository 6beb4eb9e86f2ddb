package sources

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
	var lat, lon sql.NullFloat64
	var found int
	var fetched int64
	var names string
	err := g.DB.QueryRowContext(ctx, `SELECT lat, lon, names, found, fetched_at FROM geo_points WHERE area = ?`, query).Scan(&lat, &lon, &names, &found, &fetched)
	switch {
	case err == nil:
		keep := keepUnknown
		if found == 1 {
			keep = keepFound
		}
		if now.Sub(time.UnixMilli(fetched)) < keep {
			pl := Place{Point: Point{Lat: lat.Float64, Lon: lon.Float64}}
			_ = json.Unmarshal([]byte(names), &pl.Names)
			return pl, found == 1, nil
		}
	case !errors.Is(err, sql.ErrNoRows):
		return Place{}, false, fmt.Errorf("geo cache: %w", err)
	}
	pl, ok, err := g.lookup(ctx, path, query)
	if err != nil {
		return Place{}, false, err
	}
	f := 0
	var la, lo any
	if ok {
		f, la, lo = 1, pl.Point.Lat, pl.Point.Lon
	}
	nj, _ := json.Marshal(pl.Names)
	if pl.Names == nil {
		nj = []byte("[]")
	}
	if _, err := g.DB.ExecContext(ctx, `INSERT INTO geo_points (area, lat, lon, names, found, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(area) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, names = excluded.names, found = excluded.found, fetched_at = excluded.fetched_at`,
		query, la, lo, string(nj), f, now.UnixMilli()); err != nil {
		return Place{}, false, fmt.Errorf("geo cache: %w", err)
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
	if _, err := db.ExecContext(ctx, `INSERT INTO geo_points (area, lat, lon, names, found, fetched_at) VALUES (?, ?, ?, '[]', 1, ?)
		ON CONFLICT(area) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, found = 1, fetched_at = excluded.fetched_at`,
		pinKey(chat), p.Lat, p.Lon, now.UnixMilli()); err != nil {
		return fmt.Errorf("save group pin: %w", err)
	}
	return nil
}

// ClearGroupPin forgets a group's pin (its area changed without one).
func ClearGroupPin(ctx context.Context, db bot.DB, chat bot.ChatID) (bool, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM geo_points WHERE area = ?`, pinKey(chat))
	if err != nil {
		return false, fmt.Errorf("clear group pin: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// GroupPin returns a group's pin, if an admin gave one.
func GroupPin(ctx context.Context, db bot.DB, chat bot.ChatID) (Point, bool, error) {
	var p Point
	err := db.QueryRowContext(ctx, `SELECT lat, lon FROM geo_points WHERE area = ?`, pinKey(chat)).Scan(&p.Lat, &p.Lon)
	if errors.Is(err, sql.ErrNoRows) {
		return Point{}, false, nil
	}
	if err != nil {
		return Point{}, false, fmt.Errorf("group pin: %w", err)
	}
	return p, p.Valid(), nil
}
