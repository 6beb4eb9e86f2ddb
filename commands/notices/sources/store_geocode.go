package sources

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// geoStore is the geo_points cache: postcode areas' points and names as
// postcodes.io gave them, and the points of groups' location pins.
type geoStore struct{ db bot.DB }

// cachedPlace is one cached answer: the place, whether the area was found,
// and when it was asked.
type cachedPlace struct {
	place   Place
	found   bool
	fetched time.Time
}

// cached is what the cache holds for area; hit is false when nothing.
func (s geoStore) cached(ctx context.Context, area string) (c cachedPlace, hit bool, err error) {
	var lat, lon sql.NullFloat64
	var found int
	var names string
	err = s.db.QueryRowContext(ctx, `SELECT lat, lon, names, found, fetched_at FROM geo_points WHERE area = ?`, area).
		Scan(&lat, &lon, &names, &found, sqlkit.TimeCol(&c.fetched))
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("geo cache: %w", err)
	}
	c.place = Place{Point: Point{Lat: lat.Float64, Lon: lon.Float64}}
	_ = json.Unmarshal([]byte(names), &c.place.Names)
	c.found = found == 1
	return c, true, nil
}

// save caches the answer for area asked at now: pl when found, else that
// the area is unknown.
func (s geoStore) save(ctx context.Context, area string, pl Place, found bool, now time.Time) error {
	f := 0
	var la, lo any
	if found {
		f, la, lo = 1, pl.Point.Lat, pl.Point.Lon
	}
	nj, _ := json.Marshal(pl.Names)
	if pl.Names == nil {
		nj = []byte("[]")
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO geo_points (area, lat, lon, names, found, fetched_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(area) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, names = excluded.names, found = excluded.found, fetched_at = excluded.fetched_at`,
		area, la, lo, string(nj), f, sqlkit.Millis(now)); err != nil {
		return fmt.Errorf("geo cache: %w", err)
	}
	return nil
}

// savePin keeps a group's pinned point under key.
func (s geoStore) savePin(ctx context.Context, key string, p Point, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO geo_points (area, lat, lon, names, found, fetched_at) VALUES (?, ?, ?, '[]', 1, ?)
		ON CONFLICT(area) DO UPDATE SET lat = excluded.lat, lon = excluded.lon, found = 1, fetched_at = excluded.fetched_at`,
		key, p.Lat, p.Lon, sqlkit.Millis(now)); err != nil {
		return fmt.Errorf("save group pin: %w", err)
	}
	return nil
}

// clearPin forgets the pin under key; ok says whether there was one.
func (s geoStore) clearPin(ctx context.Context, key string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM geo_points WHERE area = ?`, key)
	if err != nil {
		return false, fmt.Errorf("clear group pin: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// pin is the point pinned under key, if any.
func (s geoStore) pin(ctx context.Context, key string) (Point, bool, error) {
	var p Point
	err := s.db.QueryRowContext(ctx, `SELECT lat, lon FROM geo_points WHERE area = ?`, key).Scan(&p.Lat, &p.Lon)
	if errors.Is(err, sql.ErrNoRows) {
		return Point{}, false, nil
	}
	if err != nil {
		return Point{}, false, fmt.Errorf("group pin: %w", err)
	}
	return p, p.Valid(), nil
}
