package power

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func loadFixture(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/ukpn-live-faults.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseUKPNFixture(t *testing.T) {
	incs, err := ParseUKPN(loadFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, inc := range incs {
		refs = append(refs, inc.Ref)
	}
	// INCD-409981-A is restored and left out.
	want := []string{"INCD-412345-G", "INCD-412377-H", "INCD-410002-C", "INCD-411500-K"}
	if !reflect.DeepEqual(refs, want) {
		t.Fatalf("refs = %v, want %v", refs, want)
	}
	first := incs[0]
	if first.Planned || first.Customers != 214 || !first.EstimatedRestoration.Equal(time.Date(2026, 1, 5, 18, 0, 0, 0, time.UTC)) {
		t.Errorf("first incident = %+v", first)
	}
	if !reflect.DeepEqual(first.Sectors, []string{"IP1 2", "IP1 3", "IP1 4"}) {
		t.Errorf("sectors = %v", first.Sectors)
	}
	if !strings.Contains(first.Message, "18:00") {
		t.Errorf("main message = %q", first.Message)
	}
	if !incs[1].Planned {
		t.Errorf("%s should be planned", incs[1].Ref)
	}
	if incs[3].Customers != 3 || !incs[3].EstimatedRestoration.IsZero() {
		t.Errorf("string count / null restoration: %+v", incs[3])
	}
}

func TestParseUKPNShapes(t *testing.T) {
	etr := time.Date(2026, 1, 5, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		body    string
		want    []Incident
		wantErr string
	}{
		{"export array", `[{"incidentreference":"INCD-1-A","powercuttype":"Unplanned","postcodesaffected":"IP1 2","estimatedrestorationdate":"2026-01-05T18:00:00+00:00","nocustomeraffected":5}]`,
			[]Incident{{Ref: "INCD-1-A", Sectors: []string{"IP1 2"}, EstimatedRestoration: etr, Customers: 5}}, ""},
		{"v2.1 results", `{"total_count":1,"results":[{"incidentreference":"INCD-2-B","powercuttype":"Planned","postcodesaffected":"ip1 2; IP1 3 ;","estimatedrestorationdate":"2026-01-05T18:00:00"}]}`,
			[]Incident{{Ref: "INCD-2-B", Sectors: []string{"IP1 2", "IP1 3"}, EstimatedRestoration: etr, Planned: true}}, ""},
		{"v1 records", `{"nhits":1,"records":[{"recordid":"x","fields":{"incidentreference":"INCD-3-C","postcodesaffected":"CO4 9","estimatedrestorationdate":"2026-01-05T19:00:00+01:00","nocustomeraffected":"12"}}]}`,
			[]Incident{{Ref: "INCD-3-C", Sectors: []string{"CO4 9"}, EstimatedRestoration: etr, Customers: 12}}, ""},
		{"fractional seconds, no zone", `[{"incidentreference":"INCD-4","estimatedrestorationdate":"2026-01-05T18:00:00.000"}]`,
			[]Incident{{Ref: "INCD-4", EstimatedRestoration: etr}}, ""},
		{"restored and unreferenced left out", `[{"incidentreference":"INCD-5","restoreddatetime":"2026-01-05T07:30:41.89"},{"incidentreference":"  ","postcodesaffected":"IP1 2"}]`,
			[]Incident{}, ""},
		{"nonsense sectors dropped", `[{"incidentreference":"INCD-6","postcodesaffected":"IP1 2;not a postcode;;"}]`,
			[]Incident{{Ref: "INCD-6", Sectors: []string{"IP1 2"}}}, ""},
		{"empty results", `{"total_count":0,"results":[]}`, []Incident{}, ""},
		{"bad date", `[{"incidentreference":"INCD-7","estimatedrestorationdate":"tomorrow-ish"}]`, nil, "not a date"},
		{"bad count", `[{"incidentreference":"INCD-8","nocustomeraffected":"lots"}]`, nil, "not a count"},
		{"html error page", `<html><body>502 Bad Gateway</body></html>`, nil, "not JSON"},
		{"truncated JSON", `[{"incidentreference":"INCD-9"`, nil, "outage feed"},
		{"wrong object", `{"error":"dataset not found"}`, nil, `neither "results" nor "records"`},
		{"empty body", "  \n", nil, "empty response"},
		{"wrong field type", `[{"incidentreference":42}]`, nil, "outage feed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUKPN([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMatchIncidents(t *testing.T) {
	incs := []Incident{
		{Ref: "PLANNED", Sectors: []string{"IP1 3"}, Planned: true, Customers: 500},
		{Ref: "SMALL", Sectors: []string{"IP1 3"}, Customers: 3},
		{Ref: "BIG", Sectors: []string{"IP1 2", "IP1 3"}, Customers: 214},
		{Ref: "NORWICH", Sectors: []string{"NR10 3"}, Customers: 900},
		{Ref: "NOSECTORS"},
	}
	tests := []struct {
		areas []string
		want  []string
	}{
		{[]string{"IP1 3"}, []string{"BIG", "SMALL", "PLANNED"}},
		{[]string{"IP1"}, []string{"BIG", "SMALL", "PLANNED"}}, // district covers its sectors
		{[]string{"IP1 2AB"}, []string{"BIG"}},                 // full postcode inside a sector
		{[]string{"IP4 1", "NR10"}, []string{"NORWICH"}},       // several areas
		{[]string{"SY3 7"}, nil},                               // nothing there
		{nil, nil},                                             // no area set
	}
	for _, tt := range tests {
		var got []string
		for _, inc := range MatchIncidents(incs, tt.areas) {
			got = append(got, inc.Ref)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("areas %v: got %v, want %v", tt.areas, got, tt.want)
		}
	}
}

func TestUKPNAgainstServer(t *testing.T) {
	fixture := loadFixture(t)
	var gotAuth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(fixture)
	}))
	defer srv.Close()
	u := &UKPN{Client: srv.Client(), URL: srv.URL + "/api/explore/v2.1/catalog/datasets/ukpn-live-faults/exports/json", Key: "k3y", Timeout: 5 * time.Second}
	incs, err := u.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 4 {
		t.Fatalf("got %d incidents, want 4", len(incs))
	}
	if gotAuth != "Apikey k3y" {
		t.Errorf("Authorization = %q", gotAuth)
	}
}

func TestUKPNFailures(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantErr string
	}{
		{"server error", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "internal error", http.StatusInternalServerError)
		}, "HTTP 500"},
		{"garbage", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("\x00\x01 definitely not json"))
		}, "not JSON"},
		{"huge body", func(w http.ResponseWriter, r *http.Request) {
			chunk := []byte(strings.Repeat(" ", 1<<20))
			w.Write([]byte("["))
			for range 10 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			w.Write([]byte("]"))
		}, "larger than"},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}, "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			// Only the hanging server meets a short deadline: reading the
			// huge body on a loaded machine must not time out first.
			timeout := 10 * time.Second
			if tt.name == "timeout" {
				timeout = 200 * time.Millisecond
			}
			u := &UKPN{Client: srv.Client(), URL: srv.URL, Timeout: timeout}
			_, err := u.Incidents(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func BenchmarkParseUKPN(b *testing.B) {
	data := loadFixture(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseUKPN(data); err != nil {
			b.Fatal(err)
		}
	}
}
