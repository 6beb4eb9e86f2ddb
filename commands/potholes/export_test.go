package potholes

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// exportFixture files reports in two groups: P1 (pin, photo, confirmed),
// P2 (no pin), P3 (fixed) in "street", P4 in "other".
func exportFixture(t *testing.T) *bottest.Harness {
	t.Helper()
	cfg := testConfig()
	cfg.AutoSendConfirmations = 0
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Run(`@admin Alice
Alice: !bot on
Alice [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep
Bob: !metoo P1
Bob: !report streetlight =HYPERLINK("http://evil.example") flickering, "badly"
Carol [location 52.7100,-2.7600]: !report drain blocked on Oak Lane
Alice: !pothole P3 fixed
@group other Oak Lane
@admin Zed
Zed: !bot on
Zed [location 51.5007,-0.1246]: !pothole by the clock tower
`)
	return h
}

func export(t *testing.T, h *bottest.Harness, opts ExportOptions) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(context.Background(), h.Store, &buf, opts); err != nil {
		t.Fatalf("export %+v: %v", opts, err)
	}
	return buf.String()
}

func TestExportCSV(t *testing.T) {
	h := exportFixture(t)
	out := export(t, h, ExportOptions{Format: "csv", PhotoURLBase: "https://photos.example.org/elm"})
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	if strings.Join(recs[0], ",") != strings.Join(csvHeader, ",") {
		t.Errorf("header = %v", recs[0])
	}
	if len(recs) != 5 {
		t.Fatalf("%d rows, want header + 4:\n%s", len(recs), out)
	}
	col := func(row []string, name string) string {
		for i, h := range csvHeader {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	p1 := recs[1]
	if col(p1, "ref") != "P1" || col(p1, "group") != "group:street" || col(p1, "group_name") != "Elm Road" ||
		col(p1, "latitude") != "52.706900" || col(p1, "longitude") != "-2.754000" || col(p1, "confirmations") != "1" ||
		col(p1, "status") != "open" || col(p1, "created") != "2026-01-05T09:00:00Z" ||
		!strings.HasPrefix(col(p1, "photo_url"), "https://photos.example.org/elm/") {
		t.Errorf("P1 row = %v", p1)
	}
	p2 := recs[2]
	if col(p2, "latitude") != "" || col(p2, "longitude") != "" {
		t.Errorf("P2 has coordinates: %v", p2)
	}
	if d := col(p2, "description"); !strings.HasPrefix(d, "'=HYPERLINK") || !strings.Contains(d, `"badly"`) {
		t.Errorf("formula not defused or quotes lost: %q", d)
	}
	if col(recs[3], "status") != "fixed" {
		t.Errorf("P3 row = %v", recs[3])
	}
	for _, name := range []string{"Alice", "Bob", "Carol", "Zed"} {
		if strings.Contains(out, name) {
			t.Errorf("export names %s:\n%s", name, out)
		}
	}
}

func TestExportFilters(t *testing.T) {
	h := exportFixture(t)
	refs := func(opts ExportOptions) string {
		opts.Format = "csv"
		recs, err := csv.NewReader(strings.NewReader(export(t, h, opts))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs[1:] {
			out = append(out, r[0])
		}
		return strings.Join(out, " ")
	}
	tests := []struct {
		opts ExportOptions
		want string
	}{
		{ExportOptions{}, "P1 P2 P3 P4"},
		{ExportOptions{Status: "open"}, "P1 P2 P4"},
		{ExportOptions{Status: "resolved"}, "P3"},
		{ExportOptions{Status: "fixed"}, "P3"},
		{ExportOptions{Status: "action-scheduled"}, ""},
		{ExportOptions{Chat: "group:other"}, "P4"},
		{ExportOptions{Chat: "group:street", Status: "open"}, "P1 P2"},
		{ExportOptions{Chat: "group:nowhere"}, ""},
	}
	for _, tt := range tests {
		if got := refs(tt.opts); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.opts, got, tt.want)
		}
	}
	var buf bytes.Buffer
	if err := Export(context.Background(), h.Store, &buf, ExportOptions{Format: "csv", Status: "squashed"}); err == nil ||
		!strings.Contains(err.Error(), "unknown status") {
		t.Errorf("bad status: %v", err)
	}
	if err := Export(context.Background(), h.Store, &buf, ExportOptions{Format: "xml"}); err == nil {
		t.Error("bad format accepted")
	}
}

func TestExportGeoJSON(t *testing.T) {
	h := exportFixture(t)
	out := export(t, h, ExportOptions{Format: "geojson"})
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type     string `json:"type"`
			ID       string `json:"id"`
			Geometry *struct {
				Type        string    `json:"type"`
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(out), &fc); err != nil {
		t.Fatalf("geojson: %v\n%s", err, out)
	}
	if fc.Type != "FeatureCollection" || len(fc.Features) != 4 {
		t.Fatalf("collection = %s with %d features", fc.Type, len(fc.Features))
	}
	p1 := fc.Features[0]
	if p1.ID != "P1" || p1.Geometry == nil || p1.Geometry.Type != "Point" {
		t.Fatalf("P1 = %+v", p1)
	}
	// RFC 7946: longitude first.
	if c := p1.Geometry.Coordinates; len(c) != 2 || c[0] != -2.754 || c[1] != 52.7069 {
		t.Errorf("P1 coordinates = %v, want [-2.754 52.7069]", c)
	}
	if c := fc.Features[3].Geometry.Coordinates; c[0] != -0.1246 || c[1] != 51.5007 {
		t.Errorf("P4 coordinates = %v, want [-0.1246 51.5007]", c)
	}
	if fc.Features[1].Geometry != nil {
		t.Errorf("P2 has no pin but geometry %+v", fc.Features[1].Geometry)
	}
	props := p1.Properties
	if props["category"] != "pothole" || props["status"] != "open" || props["confirmations"] != float64(1) {
		t.Errorf("P1 properties = %v", props)
	}
	for _, k := range []string{"reporter", "reporter_id", "phone", "name"} {
		if _, ok := props[k]; ok {
			t.Errorf("property %s exported", k)
		}
	}
	if strings.Contains(out, "Alice") || strings.Contains(out, "Bob") {
		t.Errorf("names in export:\n%s", out)
	}
}
