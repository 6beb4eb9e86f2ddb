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

// The look-up runs after the report is filed and its answer is a
// follow-up in the group; the console runs due jobs after each line, so it
// comes right after "Logged P1".
func TestFixMyStreetNearby(t *testing.T) {
	fm := newFakeFixMyStreet(t)
	h := fmsHarness(t, fm)
	out := h.Expect(councilSetup+"Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n",
		"Logged P1",
		"About P1: FixMyStreet already has a report of this nearby, 40 m away (Deep pothole outside number 12, Potholes): https://www.fixmystreet.com/report/4821 — if it's the same, the council may already know.")
	if i, j := strings.Index(out, "Logged P1"), strings.Index(out, "About P1"); i < 0 || j < i {
		t.Errorf("the follow-up did not come after the reply:\n%s", out)
	}
	if got := fm.requests(); len(got) != 1 || got[0] != "/rss/l/52.706900,-2.754000/0.05?state=open" {
		t.Errorf("asked %v", got)
	}
	if n := pendingJobs(t, h, jobFixMyStreet); n != 0 {
		t.Errorf("%d look-ups still pending", n)
	}
	h.Expect("Alice: !pothole P1\n", "on FixMyStreet: 40 m away: https://www.fixmystreet.com/report/4821")
	// A second pothole at the same spot: "Already reported?" names the
	// group's report; nothing is filed, so FixMyStreet is not asked.
	out = h.Expect("Bob [location 52.7069,-2.7540]: !pothole by number 12 Elm Road\n", "Already reported? Looks like P1")
	if strings.Contains(out, "FixMyStreet") || len(fm.requests()) != 1 {
		t.Errorf("FixMyStreet asked about a report that was not filed (%d look-ups):\n%s", len(fm.requests()), out)
	}
	// Filed anyway with "new": the held pin is looked up.
	h.Expect("Bob: !pothole new by number 12 Elm Road, another one\n", "Logged P2",
		"About P2: FixMyStreet already has a report of this nearby, 40 m away")
	// Street lights: the nearby street light report, its phone number hidden.
	out = h.Expect("Carol [location 52.7069,-2.7540]: !report streetlight flickering by the post box\n",
		"About P3: FixMyStreet already has a report of this nearby, 18 m away (Street light out by the post box (call [number]), Street lighting): https://www.fixmystreet.com/report/4790")
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

// Several FixMyStreet reports of the same kind nearby: the follow-up counts
// them and links the closest.
func TestFixMyStreetSeveralNearby(t *testing.T) {
	fm := newFakeFixMyStreet(t)
	fm.mu.Lock()
	fm.body = strings.Replace(fm.body, "<item>", `<item>
<title>Pothole by the bus stop</title>
<link>https://www.fixmystreet.com/report/4830</link>
<category>Potholes</category>
<georss:point>52.70710 -2.754</georss:point>
</item>
<item>`, 1)
	fm.mu.Unlock()
	h := fmsHarness(t, fm)
	h.Expect(councilSetup+"Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n",
		"About P1: FixMyStreet already has 2 reports of this nearby. The closest is 22 m away (Pothole by the bus stop, Potholes): https://www.fixmystreet.com/report/4830 — if it's the same, the council may already know.")
	h.Expect("Alice: !pothole P1\n", "on FixMyStreet: 2 nearby, the closest 22 m away: https://www.fixmystreet.com/report/4830")
}

// A look-up that runs long after the report was filed (the bot was stopped
// in between) goes in the history but is not posted out of the blue; one
// for a report fixed meanwhile is not posted either.
func TestFixMyStreetLateOrFixedIsNotPosted(t *testing.T) {
	fm := newFakeFixMyStreet(t)
	h := fmsHarness(t, fm)
	jobs := h.Kit(FeatureName).Jobs
	h.Run(councilSetup + "Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n")
	h.Run("@advance 1h\n")
	if err := jobs.Schedule(t.Context(), jobFixMyStreet, fmsKey(1), h.Clock.Now(), fmsPayload{Report: 1}); err != nil {
		t.Fatal(err)
	}
	if out := h.Run("Bob: !potholes\n"); strings.Contains(out, "About P1") {
		t.Errorf("a late look-up was posted:\n%s", out)
	}
	if len(fm.requests()) != 2 {
		t.Fatalf("%d look-ups, want 2", len(fm.requests()))
	}
	h.Run("Alice: !pothole P1 fixed\n")
	if err := jobs.Schedule(t.Context(), jobFixMyStreet, fmsKey(1), h.Clock.Now(), fmsPayload{Report: 1}); err != nil {
		t.Fatal(err)
	}
	if out := h.Run("Bob: !potholes\n"); strings.Contains(out, "About P1") {
		t.Errorf("a look-up for a fixed report was posted:\n%s", out)
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
			// Quiet and once: not booked again.
			if n, asked := pendingJobs(t, h, jobFixMyStreet), len(fm.requests()); n != 0 || asked != 1 {
				t.Errorf("%d look-ups pending, %d made; want 0 and 1", n, asked)
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
