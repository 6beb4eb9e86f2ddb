package potholes

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// fakeFixMyStreet serves the recorded-shape GeoRSS feed of reports around
// a point, or fails as told.
type fakeFixMyStreet struct {
	srv    *httptest.Server
	mu     sync.Mutex
	status int
	body   string
	stall  time.Duration
	asked  []string
}

func newFakeFixMyStreet(t *testing.T) *fakeFixMyStreet {
	b, err := os.ReadFile(filepath.Join("testdata", "fixmystreet", "around_elm.xml"))
	if err != nil {
		t.Fatal(err)
	}
	fm := &fakeFixMyStreet{status: http.StatusOK, body: string(b)}
	fm.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fm.mu.Lock()
		fm.asked = append(fm.asked, r.URL.RequestURI())
		status, body, stall := fm.status, fm.body, fm.stall
		fm.mu.Unlock()
		if stall > 0 {
			select {
			case <-time.After(stall):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	t.Cleanup(fm.srv.Close)
	return fm
}

func (fm *fakeFixMyStreet) requests() []string {
	fm.mu.Lock()
	defer fm.mu.Unlock()
	return append([]string(nil), fm.asked...)
}

func fmsHarness(t *testing.T, fm *fakeFixMyStreet) *bottest.Harness {
	cfg := testConfig()
	cfg.FixMyStreetBaseURL = fm.srv.URL + "/"
	return bottest.New(t, harnessOptions(t, cfg, ""))
}

func TestFixMyStreetNearby(t *testing.T) {
	fm := newFakeFixMyStreet(t)
	h := fmsHarness(t, fm)
	h.Expect(councilSetup+"Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n",
		"Logged P1",
		"FixMyStreet already has a report 40 m away (Deep pothole outside number 12, Potholes): https://www.fixmystreet.com/report/4821 — if it's the same, the council may already know.")
	if got := fm.requests(); len(got) != 1 || got[0] != "/rss/l/52.706900,-2.754000/0.05?state=open" {
		t.Errorf("asked %v", got)
	}
	h.Expect("Alice: !pothole P1\n", "on FixMyStreet: 40 m away: https://www.fixmystreet.com/report/4821")
	// A second pothole at the same spot: the "Already reported?" reply
	// names both the group's report and FixMyStreet's.
	h.Expect("Bob [location 52.7069,-2.7540]: !pothole by number 12 Elm Road\n",
		"Already reported? Looks like P1",
		"\n    FixMyStreet already has a report 40 m away (Deep pothole outside number 12, Potholes): https://www.fixmystreet.com/report/4821")
	// Street lights: the nearby street light report, its phone number hidden.
	out := h.Expect("Carol [location 52.7069,-2.7540]: !report streetlight flickering by the post box\n",
		"FixMyStreet already has a report 18 m away (Street light out by the post box (call [number]), Street lighting): https://www.fixmystreet.com/report/4790")
	if strings.Contains(out, "07700") {
		t.Errorf("a phone number reached the group:\n%s", out)
	}
	// Fly-tipping 200 m away is outside duplicate_radius_m; no pin, no look-up.
	n := len(fm.requests())
	out = h.Run("Dave [location 52.7069,-2.7540]: !report flytipping mattress on the verge\nDave: !report drain blocked on Ash Close\n")
	if strings.Contains(out, "FixMyStreet") {
		t.Errorf("a far or unpinned report was matched:\n%s", out)
	}
	if got := len(fm.requests()); got != n+1 {
		t.Errorf("%d look-ups for one pinned and one unpinned report", got-n)
	}
}

// A FixMyStreet feed that is down, slow or unreadable does not stop a
// report: it is filed, with a line in its history and the log.
func TestFixMyStreetDown(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
		stall  time.Duration
		want   string
	}{
		{"500", 500, "<html><body>Internal error</body></html>", 0, "FixMyStreet answered HTTP 500"},
		{"html page", 200, "<!DOCTYPE html><html><body>Down for maintenance</body></html>", 0, "FixMyStreet's feed could not be read"},
		{"slow", 200, "", 5 * time.Second, "FixMyStreet did not answer in time"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.stall > 0 && testing.Short() {
				t.Skip("waits for the look-up's timeout")
			}
			fm := newFakeFixMyStreet(t)
			fm.mu.Lock()
			fm.status, fm.body, fm.stall = tt.status, tt.body, tt.stall
			fm.mu.Unlock()
			h := fmsHarness(t, fm)
			out := h.Expect(councilSetup+"Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n", "Logged P1")
			if strings.Contains(out, "FixMyStreet") {
				t.Errorf("the failure reached the group:\n%s", out)
			}
			h.Expect("Alice: !pothole P1\n", "FixMyStreet check failed: "+tt.want)
			if !strings.Contains(h.Log.String(), "FixMyStreet check failed") {
				t.Errorf("nothing in the log:\n%s", h.Log.String())
			}
		})
	}
	fm := newFakeFixMyStreet(t)
	base := fm.srv.URL
	fm.srv.Close()
	cfg := testConfig()
	cfg.FixMyStreetBaseURL = base
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Expect(councilSetup+"Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n", "Logged P1")
	h.Expect("Alice: !pothole P1\n", "FixMyStreet check failed: could not reach FixMyStreet")
}

func TestSameCategory(t *testing.T) {
	for _, tt := range []struct {
		ours, theirs string
		want         bool
	}{
		{"pothole", "Potholes", true},
		{"streetlight", "Street lighting", true},
		{"flytipping", "Flytipping", true},
		{"drain", "Drainage", true},
		{"pothole", "Street lighting", false},
		{"drain", "Dog fouling", false},
		{"pothole", "", false},
	} {
		if got := sameCategory(tt.ours, tt.theirs); got != tt.want {
			t.Errorf("sameCategory(%q, %q) = %v", tt.ours, tt.theirs, got)
		}
	}
}
