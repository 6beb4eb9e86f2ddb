package web

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Maps are an enhancement: every page that draws one carries the same
// facts in its lists and tables, and works with JavaScript off and with no
// tile server. A map is a <div class="nb-map"> with data attributes read by
// assets/map.js (no inline script): either a JSON address listing pins
// (data-map-src) or one point (data-map-lat, data-map-long). Pins are
// clustered by place with Leaflet.markercluster, so a street with many
// reports reads as one numbered circle until zoomed in.

// mapBox is what the "map" template draws. Pages load the map's scripts
// and styles with {{template "mapassets"}} in their "head" block.
type mapBox struct {
	// ID is the element's id; Label names the map for screen readers.
	ID, Label string
	// Src is a JSON address answering {"points":[{"lat","long","label","url"}]}.
	Src string
	// Point, when true, draws the one point Lat, Long named PointLabel.
	Point      bool
	Lat, Long  float64
	PointLabel string
	// Tiles and Attribution come from [web]; empty tiles draws pins only.
	Tiles, Attribution string
}

// mapOf is a map of the pins the JSON at src lists.
func (s *Server) mapOf(id, label, src string) mapBox {
	return mapBox{ID: id, Label: label, Src: src, Tiles: s.cfg.Tiles, Attribution: s.cfg.TilesAttribution}
}

// mapAt is a small map of one place (a fault's pin, a ticket's location).
func (s *Server) mapAt(id, label string, lat, long float64, pointLabel string) mapBox {
	return mapBox{ID: id, Label: label, Point: true, Lat: lat, Long: long, PointLabel: pointLabel,
		Tiles: s.cfg.Tiles, Attribution: s.cfg.TilesAttribution}
}

// validateTiles checks the tile server's template: an https address (http
// only on this machine) with {z}, {x} and {y}, and its credit.
func (c Config) validateTiles() error {
	if c.Tiles == "" {
		return nil
	}
	if _, err := tileSource(c.Tiles); err != nil {
		return err
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(c.Tiles, p) {
			return fmt.Errorf("tiles %q must contain {z}, {x} and {y}, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png", c.Tiles)
		}
	}
	if strings.TrimSpace(c.TilesAttribution) == "" {
		return errors.New("tiles_attribution must credit the tile server (tile servers require it), e.g. \"© OpenStreetMap contributors\"")
	}
	if len(c.TilesAttribution) > 300 {
		return errors.New("tiles_attribution is too long (300 characters at most)")
	}
	return nil
}

// tileSource is the Content-Security-Policy source of a tile template:
// its scheme and host, "{s}." subdomains as a wildcard
// ("https://*.tile.example.org").
func tileSource(tiles string) (string, error) {
	bad := fmt.Errorf("tiles %q must be an https address such as https://tile.openstreetmap.org/{z}/{x}/{y}.png", tiles)
	rest, ok := strings.CutPrefix(tiles, "https://")
	scheme := "https://"
	if !ok {
		if rest, ok = strings.CutPrefix(tiles, "http://"); !ok {
			return "", bad
		}
		scheme = "http://"
	}
	host, _, _ := strings.Cut(rest, "/")
	wild := strings.HasPrefix(host, "{s}.")
	host = strings.TrimPrefix(host, "{s}.")
	u, err := url.Parse(scheme + host + "/")
	if err != nil || u.Host == "" || u.User != nil || strings.ContainsAny(host, "{}*;, '\"") {
		return "", bad
	}
	if scheme == "http://" && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("tiles %q must use https (http only for a tile server on this machine)", tiles)
	}
	if wild {
		host = "*." + host
	}
	return scheme + host, nil
}

// policy is the Content-Security-Policy of every answer: csp, with images
// also allowed from the configured tile server and from nowhere else.
func (c Config) policy() string {
	src, err := tileSource(c.Tiles)
	if c.Tiles == "" || err != nil {
		return csp
	}
	return strings.Replace(csp, "img-src 'self' data:", "img-src 'self' data: "+src, 1)
}
