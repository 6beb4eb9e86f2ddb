package potholes

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// fakeCouncil is an Open311 GeoReport v2 server for tests: it records the
// forms posted to requests.json and answers from fixtures in
// testdata/open311, changeable between script steps.
type fakeCouncil struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	creates  []url.Values
	create   []answer // consumed in order; the last one repeats
	token    answer
	status   answer
	polls    []url.Values
	tokenHit int
	services answer
	define   answer
	lists    int // service list reads
}

type answer struct {
	code int
	file string // fixture name, "" for an empty body
}

func newFakeCouncil(t *testing.T) *fakeCouncil {
	fc := &fakeCouncil{t: t,
		create:   []answer{{201, "create_ok.json"}},
		token:    answer{200, "token.json"},
		status:   answer{200, "requests_open.json"},
		services: answer{200, "services_elm.json"},
		define:   answer{200, "definition_pot.json"},
	}
	fc.srv = httptest.NewServer(http.HandlerFunc(fc.serve))
	t.Cleanup(fc.srv.Close)
	return fc
}

func (fc *fakeCouncil) serve(w http.ResponseWriter, r *http.Request) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	var a answer
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/open311/v2/requests.json":
		if err := r.ParseForm(); err != nil {
			fc.t.Errorf("parse form: %v", err)
		}
		fc.creates = append(fc.creates, r.PostForm)
		a = fc.create[0]
		if len(fc.create) > 1 {
			fc.create = fc.create[1:]
		}
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/open311/v2/tokens/"):
		fc.tokenHit++
		a = fc.token
	case r.Method == http.MethodGet && r.URL.Path == "/open311/v2/services.json":
		fc.lists++
		a = fc.services
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/open311/v2/services/"):
		a = fc.define
	case r.Method == http.MethodGet && r.URL.Path == "/open311/v2/requests.json":
		fc.polls = append(fc.polls, r.URL.Query())
		a = fc.status
	default:
		fc.t.Errorf("unexpected %s %s", r.Method, r.URL)
		http.NotFound(w, r)
		return
	}
	body := []byte("[]")
	if a.file != "" {
		var err error
		if body, err = os.ReadFile(filepath.Join("testdata", "open311", a.file)); err != nil {
			fc.t.Errorf("fixture: %v", err)
		}
	}
	if strings.HasSuffix(a.file, ".html") {
		w.Header().Set("Content-Type", "text/html")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(a.code)
	io.Copy(w, strings.NewReader(string(body)))
}

func (fc *fakeCouncil) set(f func(fc *fakeCouncil)) {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	f(fc)
}

func (fc *fakeCouncil) listReads() int {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.lists
}

func (fc *fakeCouncil) sent() []url.Values {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return append([]url.Values(nil), fc.creates...)
}

func councilConfig(fc *fakeCouncil) Config {
	cfg := testConfig()
	cfg.BaseURL = fc.srv.URL + "/open311/v2/"
	cfg.APIKey = "s3cret-key"
	cfg.JurisdictionID = "shropshire.gov.uk"
	cfg.ServiceCodes = map[string]string{"pothole": "POT", "streetlight": "SL"}
	cfg.PhotoURLBase = "https://photos.example.org/elm/"
	cfg.LiaisonName = "Pat van der Berg"
	cfg.LiaisonEmail = "streets@elmroad.example.org"
	return cfg
}

func councilHarness(t *testing.T, fc *fakeCouncil) *bottest.Harness {
	return bottest.New(t, harnessOptions(t, councilConfig(fc), ""))
}

const councilSetup = `@admin Alice
Alice: !bot on
`

func TestSendFormFieldsAfterConfirmations(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	out := h.Run(councilSetup + `Alice [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep
Bob: !metoo P1
`)
	if len(fc.sent()) != 0 {
		t.Fatalf("sent after one confirmation:\n%s", out)
	}
	out = h.Expect("Carol: !metoo P1\n",
		"That's enough to send it to the council",
		"P1 has gone to the council (their reference 293944)")
	creates := fc.sent()
	if len(creates) != 1 {
		t.Fatalf("%d creates, want 1:\n%s", len(creates), out)
	}
	var photo string
	if err := h.Store.Raw().QueryRow(`SELECT file FROM pothole_photos WHERE report_id = 1`).Scan(&photo); err != nil {
		t.Fatal(err)
	}
	want := url.Values{
		"api_key":         {"s3cret-key"},
		"jurisdiction_id": {"shropshire.gov.uk"},
		"service_code":    {"POT"},
		"lat":             {"52.706900"},
		"long":            {"-2.754000"},
		"description":     {"outside no. 12 Elm Road, deep\n\nReported by a resident in a residents' group and confirmed by 2 other neighbours (reference P1)."},
		"media_url":       {"https://photos.example.org/elm/" + photo},
		"first_name":      {"Pat"},
		"last_name":       {"van der Berg"},
		"email":           {"streets@elmroad.example.org"},
	}
	if got := creates[0]; got.Encode() != want.Encode() {
		t.Errorf("form sent\n got %v\nwant %v", got, want)
	}
	for k, vs := range creates[0] {
		for _, v := range vs {
			if strings.Contains(v, "Alice") || strings.Contains(v, "Bob") || strings.Contains(v, "Carol") {
				t.Errorf("field %s carries a resident's name: %q", k, v)
			}
		}
	}
	if !strings.HasSuffix(photo, ".jpg") || len(photo) != 64+4 {
		t.Errorf("photo file %q is not named by its SHA-256", photo)
	}
	h.Expect("Alice: !pothole P1\n", "P1 · pothole · sent", "Council reference: 293944", "sent: attempt 1, council reference 293944")
	h.Expect("Alice: !pothole P1 send\n", "P1 was already sent (council reference 293944).")
	h.Expect("Dave: !metoo P1\n", "P1 now has 3 confirmations.")
	if n := len(fc.sent()); n != 1 {
		t.Errorf("%d creates after more confirmations, want 1", n)
	}
}

func TestSendWithoutLocationUsesAddressString(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + `Alice: !area SY3 7
Bob: !report streetlight flickering outside 3 Ash Close
Alice: !pothole P1 send
`)
	creates := fc.sent()
	if len(creates) != 1 {
		t.Fatalf("%d creates", len(creates))
	}
	f := creates[0]
	// Only the place the resident wrote goes as the address (not the
	// whole description, nor the group's area); the words go in the
	// description.
	if f.Get("address_string") != "3 Ash Close" || f.Has("lat") || f.Has("long") || f.Has("media_url") {
		t.Errorf("form = %v", f)
	}
	if want := "flickering outside 3 Ash Close\n\nReported by a resident in a residents' group (reference P1); no neighbour has confirmed it yet."; f.Get("description") != want {
		t.Errorf("description = %q, want %q", f.Get("description"), want)
	}
	if f.Get("service_code") != "SL" {
		t.Errorf("service_code = %q", f.Get("service_code"))
	}
}

func TestSendRefusedWithoutServiceCode(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Expect(councilSetup+"Bob: !report drain blocked on Ash Close\nAlice: !pothole P1 send\n",
		"There's no council service code for drain reports in the config")
	if n := len(fc.sent()); n != 0 {
		t.Errorf("%d creates", n)
	}
}

func TestTokenFlow(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) {
		fc.create = []answer{{200, "create_token.json"}}
		fc.token = answer{200, "token_pending.json"}
	})
	h := councilHarness(t, fc)
	h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"P1 has gone to the council; they haven't given it a reference number yet.")
	r, err := store{db: h.Store.DB()}.report(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Token != "12345" || r.ServiceRequestID != "" || r.Status != StatusSent {
		t.Fatalf("report = %+v", r)
	}
	// The first status check exchanges the token, then reads the status.
	fc.set(func(fc *fakeCouncil) {
		fc.token = answer{200, "token.json"}
		fc.status = answer{200, "requests_extended.json"}
	})
	h.Run("@advance 6h\n")
	r, err = store{db: h.Store.DB()}.report(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.ServiceRequestID != "638344" {
		t.Errorf("service request id = %q after token lookup", r.ServiceRequestID)
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if fc.tokenHit != 2 || len(fc.polls) != 1 || fc.polls[0].Get("service_request_id") != "638344" || fc.polls[0].Get("jurisdiction_id") != "shropshire.gov.uk" {
		t.Errorf("token lookups %d, polls %v", fc.tokenHit, fc.polls)
	}
}

func TestTokenResolvedImmediately(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.create = []answer{{200, "create_token.json"}} })
	h := councilHarness(t, fc)
	h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"P1 has gone to the council (their reference 638344).")
}

func TestRetriesWithBackoff(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) {
		fc.create = []answer{{500, "error_500.html"}, {200, "maintenance.html"}, {503, ""}, {201, "create_ok.json"}}
	})
	h := councilHarness(t, fc)
	out := h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"Sending P1 to the council…",
		"Couldn't send P1 to the council yet: the council's server had an error (HTTP 500). I'll keep trying (next at Mon 5 Jan 09:05)")
	if n := len(fc.sent()); n != 1 {
		t.Fatalf("%d attempts, want 1:\n%s", n, out)
	}
	// Not yet due: nothing happens a minute before the retry.
	h.Run("@advance 4m\n")
	if n := len(fc.sent()); n != 1 {
		t.Fatalf("%d attempts before the backoff elapsed", n)
	}
	out = h.Run("@advance 1m\n")
	if n := len(fc.sent()); n != 2 {
		t.Fatalf("%d attempts after 5m, want 2", n)
	}
	if strings.Contains(out, "bot:") {
		t.Errorf("a second failure should not post again:\n%s", out)
	}
	h.Expect("Bob: !pothole P1\n",
		"Not sent yet: the council's server sent an answer I can't read (attempt 2 failed; next try Mon 5 Jan 09:15).",
		"send failed: attempt 1: the council's server had an error (HTTP 500); next try Mon 5 Jan 09:05",
		"send failed: attempt 2: the council's server sent an answer I can't read; next try Mon 5 Jan 09:15")
	h.Run("@advance 10m\n") // third attempt: 503
	out = h.Run("@advance 20m\n")
	if n := len(fc.sent()); n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}
	if !strings.Contains(out, "P1 has gone to the council (their reference 293944).") {
		t.Errorf("success not posted:\n%s", out)
	}
	h.Expect("Bob: !pothole P1\n", "sent: attempt 4, council reference 293944")
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.create = []answer{{502, ""}} })
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n")
	out := h.Run("@advance 1d\n")
	if n := len(fc.sent()); n != maxSendAttempts {
		t.Fatalf("%d attempts, want %d", n, maxSendAttempts)
	}
	if !strings.Contains(out, "P1 could not be sent to the council: the council's server had an error (HTTP 502). The report is kept here; an admin can try again with !pothole P1 send.") {
		t.Errorf("give-up not posted:\n%s", out)
	}
	h.Expect("Alice: !pothole P1\n", "Not sent: the council's server had an error (HTTP 502).", "attempt 6: the council's server had an error (HTTP 502); gave up")
	// An admin starts again; this time it works.
	fc.set(func(fc *fakeCouncil) { fc.create = []answer{{201, "create_ok.json"}} })
	h.Expect("Alice: !pothole P1 send\n", "Trying again to send P1 to the council…", "P1 has gone to the council (their reference 293944).")
}

func TestRefusedIsNotRetried(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.create = []answer{{400, "error_400.json"}} })
	h := councilHarness(t, fc)
	h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"P1 could not be sent to the council: the council's system said: service_code NOPE was not found.")
	h.Run("@advance 1d\n")
	if n := len(fc.sent()); n != 1 {
		t.Errorf("%d attempts after a 400, want 1", n)
	}
	h.Expect("Bob: !potholes\n", "P1 pothole — outside no. 12 Elm Road, deep")
}

func TestTimeoutKeepsReport(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	cfg := testConfig()
	cfg.BaseURL = slow.URL
	cfg.ServiceCodes = map[string]string{"pothole": "POT"}
	cfg.RequestTimeout = 1_000_000_000 // 1s, the shortest allowed
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"Couldn't send P1 to the council yet: the council's server did not answer in time.")
	h.Expect("Alice: !potholes\n", "P1 pothole")
}

// TestCouncilUpdateGolden files a report, sends it and follows the
// council's answers back into the group, comparing the whole transcript
// with testdata/council_update.golden.
func TestCouncilUpdateGolden(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	var transcript strings.Builder
	transcript.WriteString(h.Run(`# A report goes to the council after two confirmations; the council's
# answers come back into the group.
@admin Alice
Alice: !bot on
Alice [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep
Bob: !metoo P1
Carol: !metoo P1
# First check: still open, nothing to say.
@advance 6h
`))
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_scheduled.json"} })
	transcript.WriteString(h.Run(`# The council schedules the repair.
@advance 6h
# No change: no message.
@advance 6h
Bob: !potholes
`))
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_fixed.json"} })
	transcript.WriteString(h.Run(`# Fixed: the last update; polling stops.
@advance 6h
@advance 1d
Alice: !pothole P1
Bob: !potholes
`))
	bottest.CompareGolden(t, filepath.Join("testdata", "council_update.golden"), transcript.String())
	fc.mu.Lock()
	defer fc.mu.Unlock()
	if len(fc.polls) != 4 {
		t.Errorf("%d status checks, want 4 (polling must stop once fixed)", len(fc.polls))
	}
}

func TestCouncilStatusMapping(t *testing.T) {
	tests := []struct {
		status, notes string
		want          Status
	}{
		{"open", "", ""},
		// GeoReport v2's open says only "not closed": the notes are shown
		// in the council's words (councilLine), never read as a status.
		{"open", "Action scheduled: crew booked", ""},
		{"open", "Work in progress", ""},
		{"open", "An inspector will investigate", ""},
		{"confirmed", "Inspection booked", ""},
		{"closed", "Fixed: resurfaced", StatusFixed},
		{"closed", "This road is not our responsibility (private road)", StatusNotResponsible},
		{"closed", "Duplicate of 293900", StatusDuplicate},
		{"closed", "", StatusClosed},
		{"in_progress", "", StatusInProgress},
		{"action_scheduled", "", StatusActionScheduled},
		{"not_councils_responsibility", "", StatusNotResponsible},
		{"FIXED", "", StatusFixed},
		{"no_further_action", "", StatusClosed},
		{"weird", "fixed", ""},
	}
	for _, tt := range tests {
		if got := councilStatus(tt.status, tt.notes); got != tt.want {
			t.Errorf("councilStatus(%q, %q) = %q, want %q", tt.status, tt.notes, got, tt.want)
		}
	}
}

// TestCouncilLine: the group's line for a council update — a plain open
// in the council's own words or "still open"; a named status with its
// date and notes, the notes alone when they start with the status.
func TestCouncilLine(t *testing.T) {
	for _, tt := range []struct {
		mapped, status  Status
		notes, expected string
		want            string
	}{
		{"", StatusSent, "", "", "still open"},
		{"", StatusSent, "", "14 March", "still open. Expected by 14 March."},
		{"", StatusSent, "Inspector visiting this week.", "", "Inspector visiting this week."},
		{"", StatusInvestigating, "Crew booked", "14 March", "Crew booked. Expected by 14 March."},
		{StatusActionScheduled, StatusActionScheduled, "Resurfacing crew booked.", "14 March", "action scheduled, expected by 14 March — Resurfacing crew booked."},
		{StatusFixed, StatusFixed, "Fixed: pothole filled and resurfaced.", "", "Fixed: pothole filled and resurfaced."},
		{StatusFixed, StatusFixed, "Resurfaced on Tuesday.", "", "fixed — Resurfaced on Tuesday."},
		{StatusClosed, StatusClosed, "", "", "closed"},
	} {
		if got := councilLine(tt.mapped, tt.status, tt.notes, tt.expected); got != tt.want {
			t.Errorf("councilLine(%q, %q, %q, %q) = %q, want %q", tt.mapped, tt.status, tt.notes, tt.expected, got, tt.want)
		}
	}
}

func TestQuietHoursDelayCouncilUpdates(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_scheduled.json"} })
	cfg := councilConfig(fc)
	opts := harnessOptions(t, cfg, "")
	photoDir := filepath.Join(t.TempDir(), "photos")
	opts.Register = func(h *bottest.Harness) error {
		return Register(h.Kit(FeatureName), cfg, Deps{PhotoDir: photoDir, Location: time.UTC,
			Quiet: quietNights()})
	}
	h := bottest.New(t, opts)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n")
	// The first check falls due at 15:00; the next at 21:00 is in quiet
	// hours and waits for 08:00.
	out := h.Run("@advance 6h\n")
	if !strings.Contains(out, "Council update on P1: Action scheduled: resurfacing crew booked.") {
		t.Fatalf("no update at 15:00:\n%s", out)
	}
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_fixed.json"} })
	if out := h.Run("@advance 16h\n"); strings.Contains(out, "Council update") { // to 07:00
		t.Errorf("update posted during quiet hours:\n%s", out)
	}
	if out := h.Run("@advance 1h\n"); !strings.Contains(out, "Council update on P1: Fixed: pothole filled") { // to 08:00
		t.Errorf("no update after quiet hours:\n%s", out)
	}
}

func quietNights() bot.QuietHours {
	return bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: time.UTC}
}

func TestReopenResumesCouncilChecks(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\nAlice: !pothole P1 fixed\n")
	h.Run("@advance 1d\n")
	fc.mu.Lock()
	polls := len(fc.polls)
	fc.mu.Unlock()
	if polls != 0 {
		t.Fatalf("%d status checks on a fixed report", polls)
	}
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_scheduled.json"} })
	h.Expect("Alice: !pothole P1 reopen\n", "P1 is now marked open.")
	h.Expect("@advance 6h\n", "Council update on P1: Action scheduled: resurfacing crew booked. Expected by 14 March.")
}

// TestSendRetryGolden records how a failing council server looks to the
// group: one message on the first failure, every attempt in the history,
// then the success (testdata/send_retry.golden).
func TestSendRetryGolden(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) {
		fc.create = []answer{{500, "error_500.html"}, {200, "garbage.txt"}, {201, "create_ok.json"}}
	})
	h := councilHarness(t, fc)
	got := h.Run(`# The council's server fails twice, then takes the report.
@admin Alice
Alice: !bot on
Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep
Bob: !pothole P1 send
Alice: !pothole P1 send
Alice: !pothole P1 send
@advance 5m
Bob: !pothole P1
@advance 10m
Bob: !pothole P1
Alice: !pothole P1 send
`)
	bottest.CompareGolden(t, filepath.Join("testdata", "send_retry.golden"), got)
}

// TestOpen311NoPinGolden records both sides of a report without a pin:
// the council gets only the place the resident wrote as address_string
// (nothing when they wrote none) and the words in description, with the
// reporter alone never counted as a confirming neighbour; GeoReport v2's
// "open" with notes reaches the group in the council's own words, or as
// "still open", never as a status the council did not give.
func TestOpen311NoPinGolden(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	var transcript strings.Builder
	transcript.WriteString(h.Run(councilSetup + `Alice: !area SY3 7
Bob: !report streetlight out all night outside 3 Ash Close
Alice: !pothole P1 send
Carol: !pothole by the bus stop on the hill, nasty
Dave: !metoo P2
Alice: !pothole P2 send
`))
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_open_notes.json"} })
	transcript.WriteString(h.Run("# The council answers: open, with a note.\n@advance 6h\n"))
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_open.json"} })
	transcript.WriteString(h.Run("# Open again, the note gone.\n@advance 6h\nBob: !pothole P1\n"))
	transcript.WriteString("\n# What the council's Open311 server received:\n")
	for i, form := range fc.sent() {
		keys := make([]string, 0, len(form))
		for k := range form {
			if k != "api_key" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		fmt.Fprintf(&transcript, "POST requests.json #%d\n", i+1)
		for _, k := range keys {
			fmt.Fprintf(&transcript, "  %s = %q\n", k, form.Get(k))
		}
	}
	bottest.CompareGolden(t, filepath.Join("testdata", "open311_no_pin.golden"), transcript.String())
}
