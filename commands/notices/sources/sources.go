// Package sources holds the official warning feeds built into the notices
// relay: Environment Agency flood warnings, Met Office weather warnings,
// GOV.UK Emergency Alerts, Natural Resources Wales and SEPA flood warnings,
// CAP 1.2 alerts (the OASIS standard, as a feed and on the webhook) and a
// digest of planning applications. Each source turns what it fetches into
// Items — stable ids, urgency, areas — and the notices package stores them
// as notices, so they take the same path as a council's own: topics, areas,
// urgency, quiet hours, approval, the outbox and the audit. Sources that
// work from a point (flood warnings near a group, planning applications in
// a radius) get each group's point from a location pin or from
// postcodes.io, cached in the table geo_points.
package sources

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"neighbourbot/bot"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migrations returns the package's schema (the postcode point cache).
func Migrations() bot.Migrations { return bot.MigrationsIn("notices_sources", migrationFS) }

// Point is a WGS84 position.
type Point struct {
	Lat, Lon float64
}

// Valid reports whether p is a position on Earth (and not 0,0, which no
// postcode has).
func (p Point) Valid() bool {
	return p.Lat >= -90 && p.Lat <= 90 && p.Lon >= -180 && p.Lon <= 180 && (p.Lat != 0 || p.Lon != 0)
}

// DistanceKm is the great-circle distance.
func DistanceKm(a, b Point) float64 {
	const r = 6371.0
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dla, dlo := la2-la1, (b.Lon-a.Lon)*math.Pi/180
	h := math.Sin(dla/2)*math.Sin(dla/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dlo/2)*math.Sin(dlo/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// InPolygon reports whether p lies inside the ring (ray casting; the ring
// may or may not repeat its first point).
func InPolygon(p Point, ring []Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a.Lat > p.Lat) != (b.Lat > p.Lat) && p.Lon < (b.Lon-a.Lon)*(p.Lat-a.Lat)/(b.Lat-a.Lat)+a.Lon {
			in = !in
		}
	}
	return in
}

// Group is an opted-in group as a source sees it: its postcode areas and,
// when known, a point for the first of them.
type Group struct {
	Chat  bot.ChatID
	Areas []string
	Point Point // zero when the bot cannot place the group
	// Names are the local authority, county and country of the area
	// ("Shropshire", "England"), for alerts that name places.
	Names []string
}

// Item is one warning or application as a source reports it.
type Item struct {
	// ID is stable per version of the item: the same warning fetched again
	// has the same ID; a changed message gets a new one.
	ID string
	// Thread ties the versions of one warning together (a flood area's
	// id): the first version is an alert, later ones update it, and a
	// Cancel ends it. Empty when MsgType and References say it directly.
	Thread     string
	MsgType    string // "alert", "update", "cancel"; empty: from Thread
	References string // the ID an update or cancel refers to
	Cancel     bool
	Title      string
	Body       string
	// TitleCy and BodyCy are the Welsh text, when the source gives one (a
	// CAP alert's cy info block); "" otherwise.
	TitleCy, BodyCy string
	Link            string
	Urgency         string // "normal", "urgent", "emergency"
	Topics          []string
	// Areas are the postcode areas it concerns; sources that place items
	// by point fill in the areas of the groups they reach.
	Areas   []string
	Sent    time.Time
	Expires time.Time
}

// ErrNothingToAsk is what Fetch returns when none of the groups is within
// the source's reach (no point or region to ask about), so it asked no
// server: the poll is not a success.
var ErrNothingToAsk = errors.New("no group's area is within this source's reach")

// Source is one built-in source.
type Source interface {
	// Name is the stable source name ("ea-floods").
	Name() string
	// Title is shown under its notices ("Environment Agency").
	Title() string
	Fetch(ctx context.Context, groups []Group) ([]Item, error)
}

// fetch GETs a URL with a deadline and a size cap, refusing HTML where
// data was expected.
func fetch(ctx context.Context, client *http.Client, url, accept string, timeout time.Duration, maxBytes int64) ([]byte, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "neighbourbot (community notices)")
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if maxBytes <= 0 {
		maxBytes = 5 << 20
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if int64(len(body)) > maxBytes {
		return nil, fmt.Errorf("response larger than %d bytes", maxBytes)
	}
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if strings.Contains(ct, "text/html") || looksHTML(body) {
		return nil, fmt.Errorf("response is an HTML page, not %s", accept)
	}
	return body, nil
}

func looksHTML(b []byte) bool {
	s := strings.ToLower(strings.TrimSpace(string(b[:min(len(b), 512)])))
	return strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html")
}

// clean is text fit for a notice: control characters gone, spaces
// collapsed, at most n runes.
func clean(s string, n int) string {
	return bot.Truncate(strings.Join(strings.Fields(bot.CleanText(s)), " "), n)
}
