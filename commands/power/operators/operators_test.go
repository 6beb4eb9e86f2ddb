package operators

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"neighbourbot/commands/power"
)

// serve answers every request with a fixture file (or the text itself) and
// records the last request.
func serve(t *testing.T, body string, status int) (*httptest.Server, *atomic.Value) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + body)
	if err != nil {
		data = []byte(body)
	}
	var last atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		last.Store(r.Clone(context.Background()))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv, &last
}

func feedFor(t *testing.T, name, url string, o power.OperatorFeed) *Feed {
	t.Helper()
	cfg := power.DefaultConfig()
	o.URL = url
	if o.Key == "" {
		o.Key = "test-key"
	}
	cfg.Feeds = map[string]power.OperatorFeed{name: o}
	feeds, err := Feeds(cfg, BuildOptions{OnlyConfigured: true, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return feeds[name]
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestEveryOperatorsFixture(t *testing.T) {
	for _, tc := range []struct {
		operator string
		want     []power.Incident
	}{
		{"ukpn", []power.Incident{
			{Ref: "INCD-1001-u", Sectors: []string{"IP1 2", "IP1 3", "IP4 1"}, EstimatedRestoration: at("2026-01-05T18:00:00Z"), Customers: 42, Message: "Our engineers are on site."},
			{Ref: "INCD-1002-p", Sectors: []string{"IP2 8"}, EstimatedRestoration: at("2026-01-06T15:00:00Z"), Planned: true, Customers: 12, Message: "Planned work to improve the network."},
		}},
		{"nged", []power.Incident{ // times without offset are UK local (GMT in January)
			{Ref: "INCD-72381-l", Sectors: []string{"SY3 7", "SY3 8"}, EstimatedRestoration: at("2026-01-05T13:00:00Z"), Start: at("2026-01-05T08:56:00Z"), Customers: 52, Status: "In Progress", Message: "LV UNDERGROUND"},
			{Ref: "INCD-80001-p", Sectors: []string{"SY3 7"}, EstimatedRestoration: at("2026-01-06T15:00:00Z"), Start: at("2026-01-06T09:00:00Z"), Planned: true, Customers: 25, Status: "Awaiting", Message: "PLANNED WORK"},
		}},
		{"npg", []power.Incident{
			{Ref: "PPCR71687", Sectors: []string{"NE70 7"}, EstimatedRestoration: at("2026-01-05T13:00:00Z"), Start: at("2026-01-05T09:00:00Z"), Planned: true, Customers: 7, Message: "We need to temporarily turn the power off to carry out a permanent repair in the area."},
			{Ref: "INCD-5521", Sectors: []string{"LS6 1", "LS6 2"}, Start: at("2026-01-05T08:10:00Z"), Customers: 31},
		}},
		{"spen", []power.Incident{
			{Ref: "INCD-905355-f", Sectors: []string{"LL74 8"}, EstimatedRestoration: at("2026-01-06T14:00:00Z"), Start: at("2026-01-06T09:00:00Z"), Planned: true, Status: "Awaiting"},
			{Ref: "INCD-905400-f", Sectors: []string{"SY11 1", "SY11 2"}, EstimatedRestoration: at("2026-01-05T12:30:00Z"), Status: "In Progress"},
		}},
		{"ssen", []power.Incident{
			{Ref: "RZ0261", Sectors: []string{"OX26 6"}, EstimatedRestoration: at("2026-01-05T13:00:00Z"), Start: at("2026-01-05T07:10:00Z"), Customers: 19, Message: "We're sorry for the loss of supply. Our engineers are on site."},
		}},
		{"enwl", []power.Incident{
			{Ref: "INC 125280849", Sectors: []string{"LA8 9"}, EstimatedRestoration: at("2026-01-05T23:00:00Z"), Start: at("2026-01-05T08:42:56Z"), Customers: 5, Status: "We're on site", Message: "The power cut in your area has been caused by an unexpected incident with the overhead cable."},
			{Ref: "PLN 4400", Sectors: []string{"LA9 4"}, EstimatedRestoration: at("2026-01-06T15:30:00Z"), Start: at("2026-01-06T09:30:00Z"), Planned: true, Customers: 14, Status: "Planned"},
		}},
		{"nie", []power.Incident{ // "Not available - Update to follow" is no estimate
			{Ref: "5882759", Sectors: []string{"BT49 0"}, Customers: 31, Message: "The repair team is working to resolve the problem."},
		}},
	} {
		t.Run(tc.operator, func(t *testing.T) {
			srv, last := serve(t, tc.operator+".json", http.StatusOK)
			got, err := feedFor(t, tc.operator, srv.URL, power.OperatorFeed{}).Incidents(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.want {
				tc.want[i].Operator, tc.want[i].Publisher = tc.operator, Presets[tc.operator].Title
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			r := last.Load().(*http.Request)
			switch Presets[tc.operator].Kind {
			case KindOpendatasoft:
				if r.URL.Query().Get("limit") != "100" || r.URL.Query().Get("offset") != "0" || r.Header.Get("Authorization") != "Apikey test-key" {
					t.Errorf("request %s auth %q", r.URL, r.Header.Get("Authorization"))
				}
			case KindCKAN:
				if r.URL.Query().Get("resource_id") != Presets[tc.operator].Resource || r.URL.Query().Get("limit") != "1000" {
					t.Errorf("request %s", r.URL)
				}
			}
		})
	}
}

func TestOpendatasoftPages(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		offset := r.URL.Query().Get("offset")
		n := 100
		if offset == "100" {
			n = 5
		}
		var recs []string
		for i := range n {
			recs = append(recs, fmt.Sprintf(`{"fault_id":"F%s-%d","postcode_sector":["G1 1"],"planned":false}`, offset, i))
		}
		fmt.Fprintf(w, `{"total_count":105,"results":[%s]}`, strings.Join(recs, ","))
	}))
	defer srv.Close()
	got, err := feedFor(t, "spen", srv.URL, power.OperatorFeed{}).Incidents(context.Background())
	if err != nil || len(got) != 105 || calls.Load() != 2 {
		t.Fatalf("%d incidents in %d calls, %v", len(got), calls.Load(), err)
	}
}

// An operator renaming a field is a config change: the fixture below calls
// the reference "IncidentRef"; the built-in mapping fails loudly, the
// override read from TOML reads it.
func TestFieldMappingOverrideFromConfig(t *testing.T) {
	data, _ := os.ReadFile("testdata/nged.json")
	renamed := strings.ReplaceAll(string(data), `"Incident ID"`, `"IncidentRef"`)
	srv, _ := serve(t, renamed, http.StatusOK)

	cfg := power.DefaultConfig()
	cfg.Feeds = map[string]power.OperatorFeed{"nged": {URL: srv.URL}}
	feeds, err := Feeds(cfg, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := feeds["nged"].Incidents(context.Background()); err == nil || !strings.Contains(err.Error(), `none of 3 records has the field "Incident ID"`) {
		t.Fatalf("renamed field: %v", err)
	}

	var file struct {
		Power power.Config `toml:"power"`
	}
	file.Power = power.DefaultConfig()
	src := fmt.Sprintf("[power.feeds.nged]\nurl = %q\n[power.feeds.nged.fields]\nref = \"IncidentRef\"\n", srv.URL)
	dec := toml.NewDecoder(strings.NewReader(src))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		t.Fatal(err)
	}
	if err := file.Power.Validate(); err != nil {
		t.Fatal(err)
	}
	feeds, err = Feeds(file.Power, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := feeds["nged"].Incidents(context.Background())
	if err != nil || len(got) != 2 || got[0].Ref != "INCD-72381-l" || got[0].Customers != 52 {
		t.Fatalf("with the override: %+v %v", got, err)
	}
}

func TestBadResponses(t *testing.T) {
	many := `{"faults":[` + strings.Repeat(`{"reference":"R","affectedAreas":["OX1 1"]},`, maxRecords) + `{"reference":"R"}]}`
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"html", "<html><body>Service unavailable</body></html>", 200, "HTML or XML, not JSON"},
		{"down", "oops", 503, "HTTP 503"},
		{"empty body", "", 200, "empty response"},
		{"garbage", "{not json", 200, "JSON"},
		{"wrong shape", `{"items":[]}`, 200, `no "faults" list`},
		{"not a list", `{"faults":{"a":1}}`, 200, "is not a list"},
		{"enormous", many, 200, "more than the 5000"},
		{"bad count", `{"faults":[{"reference":"R1","affectedAreas":["OX1 1"],"customerCount":"lots"}]}`, 200, "is not a count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := serve(t, tc.body, tc.status)
			_, err := feedFor(t, "ssen", srv.URL, power.OperatorFeed{}).Incidents(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	// An empty list is no incidents, not an error.
	srv, _ := serve(t, `{"faults":[]}`, 200)
	if got, err := feedFor(t, "ssen", srv.URL, power.OperatorFeed{}).Incidents(context.Background()); err != nil || len(got) != 0 {
		t.Errorf("empty list: %v %v", got, err)
	}
	// A slow server hits the timeout.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer slow.Close()
	f := feedFor(t, "ssen", slow.URL, power.OperatorFeed{})
	f.Timeout = 200 * time.Millisecond
	if _, err := f.Incidents(context.Background()); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("slow: %v", err)
	}
	// CKAN's own failure flag.
	srv, _ = serve(t, `{"success": false, "error": {"message": "Not found"}}`, 200)
	if _, err := feedFor(t, "nged", srv.URL, power.OperatorFeed{}).Incidents(context.Background()); err == nil || !strings.Contains(err.Error(), "success") {
		t.Errorf("ckan failure: %v", err)
	}
}

func TestPortalNeedingAKeyIsNotAskedWithout(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls.Add(1) }))
	defer srv.Close()
	cfg := power.DefaultConfig()
	cfg.Feeds = map[string]power.OperatorFeed{"npg": {URL: srv.URL}}
	feeds, _ := Feeds(cfg, BuildOptions{})
	if _, err := feeds["npg"].Incidents(context.Background()); err == nil || !strings.Contains(err.Error(), "needs an API key") || calls.Load() != 0 {
		t.Errorf("err %v, %d calls", err, calls.Load())
	}
}

func TestShippedTableChoosesOperatorByPostcode(t *testing.T) {
	tab := ShippedTable()
	for area, want := range map[string]string{
		"SY3 7": "nged", "SY3": "nged", "SY11 1": "spen", "SY23": "spen", "CW1 2": "spen", "LL57": "spen",
		"IP1 2": "ukpn", "EC1A": "ukpn", "S1 2": "npg", "S41 7": "nged", "NE1": "npg", "LA9 4": "enwl",
		"BT49 0": "nie", "OX26 6": "ssen", "G1 1": "spen", "AB10": "ssen", "CF10": "nged",
	} {
		if got, ok := tab.Operator(area); !ok || got != want {
			t.Errorf("%s: %q, want %q", area, got, want)
		}
	}
	if _, ok := tab.Operator("ZZ9"); ok {
		t.Error("ZZ9 has an operator")
	}
	if !reflect.DeepEqual(PresetNames(), power.BuiltinOperators) {
		t.Errorf("presets %v, power.BuiltinOperators %v", PresetNames(), power.BuiltinOperators)
	}
	for _, bad := range []string{"SY3 nged extra\n", "SY3 nosuch\n", "SY3 nged\nSY3 spen\n"} {
		if _, err := ParseTable([]byte(bad)); err == nil {
			t.Errorf("table %q accepted", bad)
		}
	}
}

func TestRouterAsksOnlyTheGroupsOperator(t *testing.T) {
	nged, ngedReq := serve(t, "nged.json", 200)
	spen, spenReq := serve(t, "spen.json", 200)
	cfg := power.DefaultConfig()
	cfg.Feeds = map[string]power.OperatorFeed{"nged": {URL: nged.URL}, "spen": {URL: spen.URL, Key: "k"}}
	src, err := Source(cfg, BuildOptions{OnlyConfigured: true})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := src.(*Router)
	if !ok || len(r.Feeds) != 2 {
		t.Fatalf("auto source %T %+v", src, src)
	}
	got, err := r.IncidentsFor(context.Background(), []string{"SY3 7"})
	if err != nil || len(got) != 2 || got[0].Operator != "nged" {
		t.Fatalf("SY3 7: %+v %v", got, err)
	}
	if spenReq.Load() != nil {
		t.Error("SP Energy Networks was asked about SY3 7")
	}
	// A group spanning two operators asks both; matching is the power
	// package's.
	got, err = r.IncidentsFor(context.Background(), []string{"SY3 7", "SY11 1"})
	m := power.MatchIncidents(got, []string{"SY11 1"})
	if err != nil || len(m) != 1 || m[0].Ref != "INCD-905400-f" || ngedReq.Load() == nil {
		t.Fatalf("two operators: %+v %v", m, err)
	}
	// An operator the console has no URL for is no source; off is none.
	if _, err := r.IncidentsFor(context.Background(), []string{"BT49 0"}); err == nil || !strings.Contains(err.Error(), "nie: no feed configured") {
		t.Errorf("BT: %v", err)
	}
	cfg.FeedProvider = power.ProviderOff
	if src, err := Source(cfg, BuildOptions{}); src != nil || err != nil {
		t.Errorf("off: %v %v", src, err)
	}
	cfg.FeedProvider = "spen"
	if src, _ := Source(cfg, BuildOptions{}); src.(*Feed).Name != "spen" {
		t.Errorf("explicit: %+v", src)
	}
	// The older keys: ukpn with feed_url keeps the first reader.
	cfg = power.DefaultConfig()
	cfg.FeedProvider, cfg.FeedURL = "ukpn", "https://example.org/ukpn.json"
	if src, _ := Source(cfg, BuildOptions{}); fmt.Sprintf("%T", src) != "*power.UKPN" {
		t.Errorf("legacy ukpn: %T", src)
	}
}
