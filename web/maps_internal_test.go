package web

import (
	"bytes"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestTilesConfig: the tile server must be https (http only on this
// machine), carry {z}/{x}/{y} and be credited; empty draws pins only.
func TestTilesConfig(t *testing.T) {
	const osm = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
	for _, tc := range []struct {
		tiles, credit, want string
	}{
		{"", "", ""},
		{osm, "© OpenStreetMap contributors", ""},
		{"https://{s}.tile.example.org/{z}/{x}/{y}.png", "Example", ""},
		{"http://127.0.0.1:8090/{z}/{x}/{y}.png", "Local tiles", ""},
		{osm, "", "tiles_attribution must credit"},
		{osm, strings.Repeat("x", 301), "too long"},
		{"http://tile.example.org/{z}/{x}/{y}.png", "x", "must use https"},
		{"https://tile.example.org/tiles.png", "x", "must contain {z}, {x} and {y}"},
		{"javascript:alert(1)//{z}{x}{y}", "x", "must be an https address"},
		{"https://tile.example.org; script-src *//{z}/{x}/{y}", "x", "must be an https address"},
		{"https://user@tile.example.org/{z}/{x}/{y}", "x", "must be an https address"},
	} {
		err := Config{Listen: "127.0.0.1:8080", Tiles: tc.tiles, TilesAttribution: tc.credit}.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.tiles, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q %q: got %v, want %q", tc.tiles, tc.credit, err, tc.want)
		}
	}
}

// TestPolicyWidenedOnlyToTheTileHost: images may come from the configured
// tile server and from nowhere else; scripts, styles and connections stay
// the page's own.
func TestPolicyWidenedOnlyToTheTileHost(t *testing.T) {
	for _, tc := range []struct{ tiles, img string }{
		{"", "img-src 'self' data:;"},
		{"https://tile.openstreetmap.org/{z}/{x}/{y}.png", "img-src 'self' data: https://tile.openstreetmap.org;"},
		{"https://{s}.tile.example.org:8443/{z}/{x}/{y}.png", "img-src 'self' data: https://*.tile.example.org:8443;"},
	} {
		s := &Server{cfg: Config{Listen: "127.0.0.1:8080", Tiles: tc.tiles, TilesAttribution: "x"}, deps: Deps{Log: discardLog()}}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/assets/map.js", nil))
		got := rec.Header().Get("Content-Security-Policy")
		if !strings.Contains(got, tc.img) || !strings.Contains(got, "script-src 'self';") || !strings.Contains(got, "connect-src 'self';") {
			t.Errorf("%q: %s", tc.tiles, got)
		}
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "markerClusterGroup") {
			t.Errorf("map.js: %d", rec.Code)
		}
	}
}

// TestMapAssetsAndPartial: Leaflet and Leaflet.markercluster are served
// with their licences; the map partial carries its data in attributes
// (no inline script) and says when there are no tiles.
func TestMapAssetsAndPartial(t *testing.T) {
	s := &Server{cfg: Config{Listen: "127.0.0.1:8080"}, deps: Deps{Log: discardLog()}}
	for path, want := range map[string]string{
		"/assets/leaflet/leaflet.js":                        "Leaflet",
		"/assets/leaflet/leaflet.css":                       ".leaflet-",
		"/assets/leaflet/leaflet.markercluster.js":          "MarkerClusterGroup",
		"/assets/leaflet/MarkerCluster.Default.css":         "marker-cluster",
		"/assets/leaflet/LICENSE-leaflet.txt":               "BSD 2-Clause",
		"/assets/leaflet/LICENSE-leaflet.markercluster.txt": "Permission is hereby granted",
		"/assets/leaflet/images/marker-icon.png":            "PNG",
	} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: %d", path, rec.Code)
		}
	}
	// Several pages add to app.css: a brace lost in a merge would drop
	// every rule after it without a word.
	css, err := assetFS.ReadFile("assets/app.css")
	if err != nil {
		t.Fatal(err)
	}
	if open, shut := bytes.Count(css, []byte("{")), bytes.Count(css, []byte("}")); open != shut {
		t.Errorf("app.css has %d { and %d }", open, shut)
	}
	tpl := template.Must(template.New("t").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	var b bytes.Buffer
	if err := tpl.ExecuteTemplate(&b, "map", s.mapOf("faults-map", "Map of the faults", "/faults/map.json?category=pothole&state=open")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="faults-map"`, `data-map-src="/faults/map.json?category=pothole&amp;state=open"`, `aria-label="Map of the faults"`, "No map tiles are set up"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("map partial lacks %s:\n%s", want, b.String())
		}
	}
	s.cfg.Tiles, s.cfg.TilesAttribution = "https://tile.openstreetmap.org/{z}/{x}/{y}.png", `© OpenStreetMap "contributors"`
	b.Reset()
	if err := tpl.ExecuteTemplate(&b, "map", s.mapAt("where", "Where it is", 52.70691, -2.754, "P7")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`data-map-lat="52.70691"`, `data-map-long="-2.754"`, `data-map-label="P7"`,
		`data-map-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"`, `data-map-attribution="© OpenStreetMap &#34;contributors&#34;"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("point map lacks %s:\n%s", want, b.String())
		}
	}
	if strings.Contains(b.String(), "<script") || strings.Contains(b.String(), "No map tiles") {
		t.Errorf("point map:\n%s", b.String())
	}
}
