package sources

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot/storetest"
)

// fileServer serves testdata files by path ("/ea_floods.json") and
// records the requests.
type fileServer struct {
	mu    sync.Mutex
	reqs  []string
	files map[string]string // path → fixture name, overriding the path
}

func (f *fileServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r.URL.RequestURI())
	name := strings.TrimPrefix(r.URL.Path, "/")
	if n, ok := f.files[r.URL.Path]; ok {
		name = n
	}
	f.mu.Unlock()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Write(data)
}

func serveFiles(t *testing.T, files map[string]string) (*httptest.Server, *fileServer) {
	fs := &fileServer{files: files}
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	return srv, fs
}

var shrewsbury = Group{Chat: "street", Areas: []string{"SY3 7"}, Point: Point{Lat: 52.7069, Lon: -2.7540}, Names: []string{"Shropshire", "England"}}

func TestEAFloodsSeverityAndStableIDs(t *testing.T) {
	srv, fs := serveFiles(t, map[string]string{"/id/floods": "ea_floods.json"})
	ea := &EAFloods{BaseURL: srv.URL, RadiusKm: 3, Topics: []string{"flooding"}}
	other := Group{Chat: "other", Areas: []string{"SY3 8"}, Point: Point{Lat: 52.70693, Lon: -2.75404}} // same point, rounded
	far := Group{Chat: "far", Areas: []string{"TF1"}, Point: Point{Lat: 52.70, Lon: -2.50}}
	items, err := ea.Fetch(context.Background(), []Group{shrewsbury, other, far, {Chat: "unplaced", Areas: []string{"SY"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs.reqs) != 2 || fs.reqs[0] != "/id/floods?lat=52.7000&long=-2.5000&dist=3" {
		t.Fatalf("requests %v", fs.reqs)
	}
	// Both points see both warnings: one item each, areas merged.
	if len(items) != 2 {
		t.Fatalf("%d items: %+v", len(items), items)
	}
	alert, warning := items[0], items[1]
	if alert.ID != "ea:031WAF221@2026-01-05T08:30:00Z/3" || alert.Thread != "ea:031WAF221" || alert.Urgency != "normal" ||
		alert.Title != "Flood alert: River Severn at Shrewsbury" || alert.Cancel {
		t.Errorf("alert %+v", alert)
	}
	if warning.Urgency != "urgent" || warning.Title != "Flood warning: River Severn at Frankwell" ||
		warning.Link != "https://check-for-flooding.service.gov.uk/target-area/031FWFSE070" ||
		strings.Join(warning.Areas, ",") != "TF1,SY3 7,SY3 8" || !warning.Expires.Equal(time.Date(2026, 1, 7, 8, 45, 0, 0, time.UTC)) {
		t.Errorf("warning %+v", warning)
	}
	// The same feed again gives the same ids; a changed message a new one.
	again, _ := ea.Fetch(context.Background(), []Group{shrewsbury})
	if again[1].ID != warning.ID {
		t.Error("ids are not stable")
	}
	fs.files["/id/floods"] = "ea_floods_update.json"
	upd, _ := ea.Fetch(context.Background(), []Group{shrewsbury})
	if upd[1].ID == warning.ID || upd[1].Thread != warning.Thread || upd[0].ID != alert.ID {
		t.Errorf("update ids %q %q", upd[0].ID, upd[1].ID)
	}
	fs.files["/id/floods"] = "ea_floods_cleared.json"
	cl, _ := ea.Fetch(context.Background(), []Group{shrewsbury})
	if !cl[1].Cancel || cl[1].Title != "Flood warning no longer in force: River Severn at Frankwell" || cl[0].Urgency != "emergency" {
		t.Errorf("cleared %+v", cl)
	}
	// No placed group: nothing asked, and said so (no success to record).
	fs.reqs = nil
	if items, err := ea.Fetch(context.Background(), []Group{{Chat: "x", Areas: []string{"SY"}}}); !errors.Is(err, ErrNothingToAsk) || len(items) != 0 || len(fs.reqs) != 0 {
		t.Errorf("unplaced: %v %v %v", items, err, fs.reqs)
	}
}

func TestEAFloodsBadResponses(t *testing.T) {
	for name, body := range map[string]string{
		"html":    "<!DOCTYPE html><html><body>Service unavailable</body></html>",
		"garbage": "{",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }))
		_, err := (&EAFloods{BaseURL: srv.URL}).Fetch(context.Background(), []Group{shrewsbury})
		srv.Close()
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"items":[]}`)) }))
	defer srv.Close()
	if items, err := (&EAFloods{BaseURL: srv.URL}).Fetch(context.Background(), []Group{shrewsbury}); err != nil || len(items) != 0 {
		t.Errorf("empty: %v %v", items, err)
	}
}

func readCAP(t *testing.T, name string) *CAPAlert {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseCAP(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return a
}

// The OASIS specification's own examples.
func TestCAPOASISExamples(t *testing.T) {
	sacramento := Group{Chat: "ca", Areas: []string{"SY3 7"}, Point: Point{Lat: 38.50, Lon: -119.90}}
	brawley := Group{Chat: "eq", Areas: []string{"TF1"}, Point: Point{Lat: 32.9525, Lon: -115.5527}}
	la := Group{Chat: "la", Areas: []string{"SY4"}, Names: []string{"Los Angeles County"}}
	groups := []Group{sacramento, brawley, la, shrewsbury}
	for _, tc := range []struct {
		file, id, msgType, refs, urgency, title string
		areas                                   string
		placed                                  bool
	}{
		{"oasis_a1_homeland.xml", "43b080713727", "alert", "", "emergency", "Homeland Security Sets Code ORANGE", "", false},
		{"oasis_a2_thunderstorm.xml", "KSTO1055887203", "alert", "", "emergency", "SEVERE THUNDERSTORM WARNING", "SY3 7", true},
		{"oasis_a3_earthquake_update.xml", "TRI13970876.2", "update", "TRI13970876.1", "normal", "EQ 3.4 Imperial County CA", "TF1", true},
		{"oasis_a4_amber_multilingual.xml", "KAR0-0306112239-SW", "alert", "", "emergency", "Amber Alert in Los Angeles County", "SY4", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			a := readCAP(t, tc.file)
			if !a.Actual() {
				t.Error("not actual")
			}
			it, placed, err := CAPItem(a, groups, []string{"emergencies"})
			if err != nil {
				t.Fatal(err)
			}
			if it.ID != tc.id || it.MsgType != tc.msgType || it.References != tc.refs || it.Urgency != tc.urgency || it.Title != tc.title ||
				strings.Join(it.Areas, ",") != tc.areas || placed != tc.placed {
				t.Errorf("got %+v placed=%v", it, placed)
			}
		})
	}
	thunder, _, _ := CAPItem(readCAP(t, "oasis_a2_thunderstorm.xml"), groups, nil)
	if !thunder.Expires.Equal(time.Date(2003, 6, 17, 23, 0, 0, 0, time.UTC)) || !strings.Contains(thunder.Body, "\n\nTAKE COVER") {
		t.Errorf("thunderstorm %+v", thunder)
	}
}

func TestCAPLanguageCancelAndStatus(t *testing.T) {
	it, placed, err := CAPItem(readCAP(t, "shrewsbury_flood_cap.xml"), []Group{shrewsbury}, nil)
	if err != nil || !placed || it.Title != "Roads closing in Shrewsbury town centre because of flooding" || it.Urgency != "urgent" ||
		strings.Join(it.Areas, ",") != "SY3 7" || it.Link != "https://www.shropshire.gov.uk/floods" {
		t.Fatalf("en-GB info: %+v %v %v", it, placed, err)
	}
	// Outside the polygon: not placed.
	if _, placed, _ := CAPItem(readCAP(t, "shrewsbury_flood_cap.xml"), []Group{{Chat: "x", Areas: []string{"TF1"}, Point: Point{Lat: 52.70, Lon: -2.50}}}, nil); placed {
		t.Error("placed outside the polygon")
	}
	c, _, err := CAPItem(readCAP(t, "shrewsbury_flood_cap_cancel.xml"), []Group{shrewsbury}, nil)
	if err != nil || c.MsgType != "cancel" || !c.Cancel || c.References != "shropshire-flood-2026-01-05-1" {
		t.Errorf("cancel %+v %v", c, err)
	}
	if readCAP(t, "shrewsbury_flood_cap_exercise.xml").Actual() {
		t.Error("an exercise counts as actual")
	}
	for name, doc := range map[string]string{
		"not xml":   "hello",
		"not cap":   `<rss version="2.0"><channel/></rss>`,
		"no id":     `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><status>Actual</status></alert>`,
		"other ns":  `<alert xmlns="urn:example"><identifier>x</identifier></alert>`,
		"truncated": `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier>`,
	} {
		if _, err := ParseCAP([]byte(doc)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	bad := &CAPAlert{Identifier: "u1", MsgType: "Update", Info: []CAPInfo{{Headline: "x"}}}
	if _, _, err := CAPItem(bad, nil, nil); err == nil {
		t.Error("an update without references was accepted")
	}
}

func TestCAPFeedIndexAndSingleAlert(t *testing.T) {
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("/index.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>CAP index (synthetic)</title><id>x</id>
<entry><id>a1</id><title>flood</title><link href="` + base + `/shrewsbury_flood_cap.xml"/><updated>2026-01-05T08:50:00Z</updated></entry>
<entry><id>a2</id><title>exercise</title><link href="` + base + `/shrewsbury_flood_cap_exercise.xml"/><updated>2026-01-05T08:40:00Z</updated></entry>
<entry><id>a3</id><title>far away</title><link href="` + base + `/oasis_a2_thunderstorm.xml"/><updated>2026-01-05T08:30:00Z</updated></entry>
</feed>`))
	})
	mux.Handle("/", &fileServer{})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	base = srv.URL
	f := &CAPFeed{FeedName: "county", URL: srv.URL + "/index.atom"}
	items, err := f.Fetch(context.Background(), []Group{shrewsbury})
	if err != nil || len(items) != 1 || items[0].ID != "shropshire-flood-2026-01-05-1" || f.Skipped != 2 {
		t.Fatalf("index: %+v skipped %d, %v", items, f.Skipped, err)
	}
	f = &CAPFeed{FeedName: "one", URL: srv.URL + "/shrewsbury_flood_cap.xml"}
	if items, err := f.Fetch(context.Background(), []Group{shrewsbury}); err != nil || len(items) != 1 {
		t.Fatalf("single: %+v %v", items, err)
	}
}

func TestMetOfficeLevelFromTitle(t *testing.T) {
	for title, want := range map[string]string{
		"Yellow warning of rain affecting Wales":        "normal",
		"Amber warning of wind affecting West Midlands": "urgent",
		"RED warning of snow affecting Grampian":        "emergency",
		"Warnings update":                               "",
		"Redditch fete cancelled":                       "",
	} {
		got, ok := MetOfficeLevel(title)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v, want %q", title, got, ok, want)
		}
	}
	srv, fs := serveFiles(t, map[string]string{"/wm": "metoffice_wm.rss"})
	mo := &MetOffice{BaseURL: srv.URL, Topics: []string{"emergencies"}}
	items, err := mo.Fetch(context.Background(), []Group{shrewsbury, {Chat: "b", Areas: []string{"B1 1"}}})
	if err != nil || len(items) != 2 {
		t.Fatalf("%+v %v", items, err)
	}
	if len(fs.reqs) != 1 || items[1].Urgency != "urgent" || strings.Join(items[1].Areas, ",") != "SY3 7,B1 1" ||
		!strings.HasPrefix(items[1].Link, "https://www.metoffice.gov.uk/") {
		t.Errorf("items %+v requests %v", items, fs.reqs)
	}
	for area, want := range map[string]string{"SY3 7": "wm", "CF10": "wl", "EH1": "dg", "BT49 0": "ni", "EC1A 1": "se"} {
		if got, _ := MetOfficeRegion(area); got != want {
			t.Errorf("%s: %q want %q", area, got, want)
		}
	}
}

func TestGovUKAlertsDropsTestsAndPlacesByName(t *testing.T) {
	srv, _ := serveFiles(t, map[string]string{"/alerts/feed.atom": "govuk_alerts.atom"})
	g := &GovUKAlerts{URL: srv.URL + "/alerts/feed.atom", Topics: []string{"emergencies"}}
	items, err := g.Fetch(context.Background(), []Group{shrewsbury, {Chat: "x", Areas: []string{"TF1"}, Names: []string{"Telford and Wrekin"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Urgency != "emergency" || items[0].Title != "Alert sent to phones in Shropshire, Telford and Wrekin" ||
		strings.Join(items[0].Areas, ",") != "SY3 7,TF1" || items[0].ID != "govuk:https://www.gov.uk/alerts/5-jan-2026" {
		t.Fatalf("items %+v", items)
	}
	if containsWord("rutlandshire", "rutland") || !containsWord("shropshire, telford and wrekin", "telford and wrekin") {
		t.Error("containsWord")
	}
}

func TestGeocoderCachesInTheDatabase(t *testing.T) {
	storetest.Run(t, testGeocoderCachesInTheDatabase)
}

func testGeocoderCachesInTheDatabase(t *testing.T, open storetest.Opener) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch r.URL.Path {
		case "/outcodes/SY3":
			data, _ := os.ReadFile("testdata/postcodes_outcode_sy3.json")
			w.Write(data)
		case "/postcodes/SY3%207AB", "/postcodes/SY3 7AB":
			w.Write([]byte(`{"status":200,"result":{"postcode":"SY3 7AB","latitude":52.7071,"longitude":-2.7601,"admin_district":"Shropshire","admin_county":null,"region":"West Midlands","country":"England"}}`))
		case "/outcodes/SY99":
			w.WriteHeader(404)
			w.Write([]byte(`{"status":404,"error":"Outcode not found"}`))
		default:
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	st := open(t, Migrations())
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	g := &Geocoder{DB: st.DB(), BaseURL: srv.URL, Now: func() time.Time { return now }}
	ctx := context.Background()
	pl, ok, err := g.Place(ctx, "SY3 7")
	if err != nil || !ok || pl.Point != (Point{Lat: 52.705, Lon: -2.78}) || strings.Join(pl.Names, ",") != "Shropshire,England" {
		t.Fatalf("SY3 7: %+v %v %v", pl, ok, err)
	}
	if _, ok, _ := g.Point(ctx, "SY3"); !ok || calls.Load() != 1 {
		t.Errorf("the district was asked again: %d calls", calls.Load())
	}
	if pl, ok, err := g.Place(ctx, "sy3 7ab"); err != nil || !ok || strings.Join(pl.Names, ",") != "Shropshire,West Midlands,England" {
		t.Errorf("postcode: %+v %v %v", pl, ok, err)
	}
	if _, ok, err := g.Point(ctx, "SY99 9"); ok || err != nil {
		t.Errorf("unknown district: %v %v", ok, err)
	}
	if _, ok, err := g.Point(ctx, "SY"); ok || err != nil {
		t.Errorf("an area: %v %v", ok, err)
	}
	if _, _, err := g.Point(ctx, "AB10 2"); err == nil {
		t.Error("a server error was not an error")
	}
	before := calls.Load()
	g.Point(ctx, "SY99")
	if calls.Load() != before {
		t.Error("the unknown district was asked again within a week")
	}
	now = now.Add(8 * 24 * time.Hour)
	g.Point(ctx, "SY99")
	g.Point(ctx, "SY3")
	if calls.Load() != before+1 {
		t.Errorf("after 8 days: %d calls, want one more (the unknown one)", calls.Load()-before)
	}
	var n int
	st.Raw().QueryRow(`SELECT COUNT(*) FROM geo_points`).Scan(&n)
	if n != 3 {
		t.Errorf("%d cached rows", n)
	}
}
