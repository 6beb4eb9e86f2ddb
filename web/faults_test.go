package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/commands/notices"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
	"neighbourbot/commands/potholes"
	"neighbourbot/web"
)

// faultSite is the staff page over a bot with street faults and notices,
// a real SQLite file and an Open311 council server of its own.
type faultSite struct {
	*site
	council  *fakeOpen311
	photoDir string
	faults   *potholes.Feature
}

// fakeOpen311 is a council's Open311 GeoReport v2 server: it files every
// request as 293944 and answers status checks with status and notes.
type fakeOpen311 struct {
	srv           *httptest.Server
	mu            sync.Mutex
	status, notes string
}

func newFakeOpen311(t testing.TB) *fakeOpen311 {
	fc := &fakeOpen311{status: "open", notes: "Inspector visiting this week."}
	fc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fc.mu.Lock()
		defer fc.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/open311/services.json":
			fmt.Fprint(w, `[{"service_code":"POT","service_name":"Potholes","metadata":false,"type":"realtime"},{"service_code":"SL","service_name":"Street lights","metadata":false,"type":"realtime"}]`)
		case r.Method == http.MethodPost && r.URL.Path == "/open311/requests.json":
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `[{"service_request_id":"293944","service_notice":"We aim to inspect within 5 working days."}]`)
		case r.URL.Path == "/open311/requests.json":
			fmt.Fprintf(w, `[{"service_request_id":"293944","status":%q,"status_notes":%q}]`, fc.status, fc.notes)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(fc.srv.Close)
	return fc
}

// newFaultSite: Olive owns the bot, Hana is [potholes] staff, Sam writes
// notices for Highways and Carol approves them. Elm Road (SY3 7) and
// Castle Street (SY1 2) have the bot on. webCfg, when given, adjusts the
// page's [web] section (a tile server).
func newFaultSite(t testing.TB, webCfg ...func(*web.Config)) *faultSite {
	t.Helper()
	wc := web.Config{Listen: "127.0.0.1:8080"}
	for _, c := range webCfg {
		c(&wc)
	}
	fs := &faultSite{site: &site{t: t, staff: web.Staff{Owners: []string{"Olive"}, Approvers: []string{"Carol", "Dave"}, Faults: []string{"Hana"},
		Senders: []web.SenderStaff{{Name: "Highways", Topics: []string{"roads", "gritting"}, Staff: []string{"Sam"}}}}},
		council: newFakeOpen311(t), photoDir: filepath.Join(t.TempDir(), "photos")}
	s := fs.site
	ncfg := testNoticesConfig()
	pcfg := potholes.DefaultConfig()
	pcfg.BaseURL, pcfg.APIKey = fs.council.srv.URL+"/open311/", "key-0123456789"
	pcfg.ServiceCodes = map[string]string{"pothole": "POT", "streetlight": "SL"}
	pcfg.AutoSendConfirmations = 0
	pcfg.Staff = []string{"Hana"}
	s.h = bottest.New(t, bottest.Options{
		Migrations: []bot.Migrations{notices.Migrations(), sources.Migrations(), polling.Migrations(), potholes.Migrations(), web.Migrations()},
		Register: func(h *bottest.Harness) error {
			r, err := notices.Register(h.Kit("notices"), ncfg, notices.Deps{})
			if err != nil {
				return err
			}
			s.relay = r
			if fs.faults, err = potholes.Open(h.Kit(potholes.FeatureName), pcfg, potholes.Deps{PhotoDir: fs.photoDir, Location: time.UTC,
				Quiet: bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: time.UTC}}); err != nil {
				return err
			}
			srv, err := web.New(wc, web.Deps{Core: h.Store, Clock: h.Clock, Notices: r, Potholes: fs.faults,
				Topics: ncfg.Topics, Staff: func() web.Staff { s.mu.Lock(); defer s.mu.Unlock(); return s.staff }, Loc: time.UTC, AfterChange: h.Console.Settle})
			if err != nil {
				return err
			}
			s.srv = srv
			srv.RegisterJobs(h.Kit("web").Jobs)
			h.Kit("web").Reg.Handle(bot.Route{Name: "web", Scope: bot.DirectOnly, Hidden: true, Handler: srv.HandleCommand})
			return nil
		},
	})
	s.ts = httptest.NewServer(s.srv.Handler())
	t.Cleanup(s.ts.Close)
	s.h.Run("@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !notices area SY3 7\n" +
		"@group castle Castle Street\n@admin Bea\nBea: !bot on\nBea: !notices on\nBea: !notices area SY1 2\n")
	return fs
}

// TestFaultsListFiltersAndPages: the list shows each fault's category,
// photos, "me too" count, state, what went to the council and what it
// said; it filters by category, state and area and pages through
// thousands; bad filters get a 400 page saying what to fix.
func TestFaultsListFiltersAndPages(t *testing.T) {
	fs := newFaultSite(t)
	fs.h.Run("@group street\n" +
		"Bob [photo]: !pothole outside no. 12 Elm Road, deep\n" +
		"Carol: !metoo P1\nDan: !metoo P1\n" +
		"Alice: !pothole P1 send\n" +
		"Bob [location 52.7069,-2.7540]: !report streetlight flickering at the Elm Road corner\n" +
		"@group castle\n" +
		"Ethel [location 52.7080,-2.7530]: !pothole by the castle gate, very deep\n" +
		"Bea: !pothole P3 fixed\n")
	fs.h.Run("@advance 7h\n") // the council's first status check
	hana := fs.signIn("Hana")
	code, body := hana.get(fs.ts.URL + "/faults")
	if code != http.StatusOK {
		t.Fatalf("/faults: %d\n%s", code, body)
	}
	mustContain(t, body, "3 faults", `href="/faults/1"`, "P1 pothole", "outside no. 12 Elm Road, deep", "Elm Road",
		`src="/faults/1/photos/`, `alt="Photo of P1"`, "Open311 request 293944", "Said: open — Inspector visiting this week.",
		"P2 streetlight", "Not sent", "P3 pothole", "fixed", "Castle Street", `data-map-src="/faults/map.json?"`)
	mustContain(t, between(body, "P1 pothole", "</tr>"), `<td class="govuk-table__cell govuk-table__cell--numeric">2</td>`)
	mustNotContain(t, body, "Bob", "Carol", "Dan", "Ethel")
	for q, want := range map[string][]string{
		"category=streetlight":        {"1 fault", "P2 streetlight"},
		"state=unresolved":            {"2 faults", "P1 pothole", "P2 streetlight"},
		"state=fixed":                 {"1 fault", "P3 pothole"},
		"area=SY1":                    {"1 fault", "P3 pothole"},
		"area=sy3+7&category=pothole": {"1 fault", "P1 pothole"},
		"area=SY4":                    {"No faults match."},
	} {
		code, body := hana.get(fs.ts.URL + "/faults?" + q)
		if code != http.StatusOK {
			t.Errorf("%s: %d", q, code)
		}
		mustContain(t, body, want...)
		if n := strings.Count(body, `<tr class="govuk-table__row">`) - 1; want[0] != "No faults match." && fmt.Sprint(n) != strings.Fields(want[0])[0] {
			t.Errorf("%s: %d rows", q, n)
		}
	}
	for q, want := range map[string]string{
		"category=nope":      "Choose a category from the list",
		"state=bogus":        "Choose a state from the list",
		"area=XYZ123":        "Enter a postcode area like SY3 or SY3 7",
		"page=abc":           "The page number must be a whole number from 1",
		"page=0":             "The page number must be a whole number from 1",
		"page=9":             "There is no page 9: these filters give 1 page",
		"category=%3Cscript": "Choose a category from the list",
	} {
		code, body := hana.get(fs.ts.URL + "/faults?" + q)
		if code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, code)
		}
		mustContain(t, body, "There is a problem", want)
		mustNotContain(t, body, "P1 pothole", `value="<script`)
	}
	if code, body := hana.get(fs.ts.URL + "/faults/map.json?state=bogus"); code != http.StatusBadRequest || !strings.Contains(body, "Choose a state") {
		t.Errorf("map.json with a bad state: %d %s", code, body)
	}
}

// between is the part of s from the first from to the next to after it.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}

// TestFaultsPaginate: 60 faults page 25 at a time, newest first, the map's
// JSON carrying every pin of the filter.
func TestFaultsPaginate(t *testing.T) {
	fs := newFaultSite(t)
	var script strings.Builder
	script.WriteString("@group street\n")
	for i := range 60 {
		fmt.Fprintf(&script, "Bob [location 52.%04d,-2.7540]: !pothole number %d on Long Lane\n", 7000+i*20, i+1)
	}
	fs.h.Run(script.String())
	olive := fs.signIn("Olive")
	_, body := olive.get(fs.ts.URL + "/faults?category=pothole")
	mustContain(t, body, "60 faults: showing 1 to 25, newest first.", "P60 pothole", `href="/faults?category=pothole&amp;page=2"`)
	mustNotContain(t, body, "P35 pothole", "Newer faults")
	_, body = olive.get(fs.ts.URL + "/faults?category=pothole&page=3")
	mustContain(t, body, "showing 51 to 60", "P10 pothole", "P1 pothole", "Newer faults")
	mustNotContain(t, body, "P11 pothole", "Older faults")
	code, js := olive.get(fs.ts.URL + "/faults/map.json?category=pothole")
	if code != http.StatusOK || strings.Count(js, `"lat":`) != 60 || !strings.Contains(js, `"url":"/faults/60"`) || !strings.Contains(js, `"label":"P1 pothole (open)"`) {
		t.Errorf("map.json: %d %s", code, js)
	}
}

// TestFaultsRoles: owners and [potholes] staff see faults and their
// photos; a sender's staff and approvers do not (403, no link in the
// navigation); signed-out visitors get the sign-in page; a photo is
// served only under its own fault.
func TestFaultsRoles(t *testing.T) {
	fs := newFaultSite(t)
	fs.h.Run("@group street\nBob [photo]: !pothole outside no. 12 Elm Road, deep\nCarol [photo]: !report streetlight out by the school\n")
	var files [2]string
	for i := range files {
		d, err := fs.faults.FaultPage(context.Background(), int64(i+1), func(int64) string { return "" })
		if err != nil || len(d.PhotoFiles) != 1 {
			t.Fatalf("P%d: %v %v", i+1, d.PhotoFiles, err)
		}
		files[i] = d.PhotoFiles[0]
	}
	photo := fs.ts.URL + "/faults/1/photos/" + files[0]
	for _, name := range []string{"Hana", "Olive"} {
		b := fs.signIn(name)
		_, home := b.get(fs.ts.URL + "/")
		mustContain(t, home, `href="/faults"`, `href="/faults?state=unresolved">Street faults</a> – 2 faults are not yet resolved`)
		for _, u := range []string{"/faults", "/faults/1", "/faults/map.json"} {
			if code, _ := b.get(fs.ts.URL + u); code != http.StatusOK {
				t.Errorf("%s %s: %d", name, u, code)
			}
		}
		resp, err := b.c.Get(photo)
		if err != nil {
			t.Fatal(err)
		}
		data := readAll(resp)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" || !strings.HasPrefix(resp.Header.Get("Cache-Control"), "private") || len(data) != 48*1024 {
			t.Errorf("%s photo: %d %v %d bytes", name, resp.StatusCode, resp.Header, len(data))
		}
		resp.Body.Close()
		for _, u := range []string{"/faults/2/photos/" + files[0], "/faults/1/photos/..%2f..%2fneighbourbot.db", "/faults/1/photos/" + strings.ToUpper(files[0]), "/faults/99", "/faults/abc"} {
			if code, _ := b.get(fs.ts.URL + u); code != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", name, u, code)
			}
		}
	}
	for _, name := range []string{"Sam", "Carol"} {
		b := fs.signIn(name)
		_, home := b.get(fs.ts.URL + "/")
		mustNotContain(t, home, `href="/faults"`)
		for _, u := range []string{"/faults", "/faults/1", "/faults/map.json", "/faults/1/photos/" + files[0]} {
			if code, body := b.get(fs.ts.URL + u); code != http.StatusForbidden || !strings.Contains(body, "street-fault staff") {
				t.Errorf("%s %s: %d", name, u, code)
			}
		}
		if code, _ := b.post(fs.ts.URL+"/faults/1/state", url.Values{"state": {"fixed"}}); code != http.StatusForbidden {
			t.Errorf("%s set a state: %d", name, code)
		}
	}
	anon := fs.browser()
	for _, u := range []string{"/faults", "/faults/1", "/faults/map.json", "/faults/1/photos/" + files[0]} {
		if code, body := anon.get(fs.ts.URL + u); code != http.StatusUnauthorized || strings.Contains(body, "Elm Road, deep") {
			t.Errorf("signed out %s: %d", u, code)
		}
	}
	// Someone taken out of [potholes] staff is refused at the next click.
	hana := fs.signIn("Hana")
	fs.mu.Lock()
	fs.staff.Faults = nil
	fs.mu.Unlock()
	if code, _ := hana.get(fs.ts.URL + "/faults"); code != http.StatusForbidden {
		t.Errorf("Hana after leaving the staff: %d", code)
	}
	// The photo file gone from disk: not found, nothing else.
	if err := os.Remove(filepath.Join(fs.photoDir, files[1])); err != nil {
		t.Fatal(err)
	}
	if code, _ := fs.signIn("Olive").get(fs.ts.URL + "/faults/2/photos/" + files[1]); code != http.StatusNotFound {
		t.Errorf("missing photo file: %d", code)
	}
}

// TestFaultPageShowsPhotosHistoryAndCouncil: a fault's page has its
// photos, pin, "me too" count, what went to the council, the council's
// answers and its history, naming staff but never residents.
func TestFaultPageShowsPhotosHistoryAndCouncil(t *testing.T) {
	fs := newFaultSite(t)
	fs.h.Run("@group street\n" +
		"Bob [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n" +
		"Carol [photo]: !metoo P1\n" +
		"Alice: !pothole P1 send\n")
	fs.h.Run("@advance 7h\n")
	hana := fs.signIn("Hana")
	code, body := hana.get(fs.ts.URL + "/faults/1")
	if code != http.StatusOK {
		t.Fatalf("/faults/1: %d\n%s", code, body)
	}
	mustContain(t, body, "P1 pothole", "outside no. 12 Elm Road, deep", "Elm Road", "1 neighbour has seen it too",
		"52.70690, -2.75400", `alt="Photo 1 of P1"`, `alt="Photo 2 of P1"`, `data-map-lat="52.7069"`,
		"Open311 request 293944", "open — Inspector visiting this week.",
		"We aim to inspect within 5 working days.", "filed by a resident (photo, location)", "confirmed by a resident (with photo)",
		"sending asked by a group admin", `action="/faults/1/state"`)
	mustNotContain(t, body, "Bob", "Carol", "Alice")
	// The council's answer changes; the page follows.
	fs.council.mu.Lock()
	fs.council.status, fs.council.notes = "closed", "Fixed: pothole filled."
	fs.council.mu.Unlock()
	fs.h.Run("@advance 1d\n") // the bot's quiet hours hold the night's checks
	hana = fs.signIn("Hana")  // a session ends after an hour unused
	_, body = hana.get(fs.ts.URL + "/faults/1")
	mustContain(t, body, "closed — Fixed: pothole filled.", `govuk-tag--green">fixed`)
	// A fault with no pin: no map, nothing to load it.
	fs.h.Run("Bob: !pothole deep hole on Long Lane by the bus stop\n")
	_, body = hana.get(fs.ts.URL + "/faults/2")
	mustContain(t, body, "No location pin", "No photos.", "Not sent")
	mustNotContain(t, body, "leaflet.js", "data-map-lat")
}

// TestFaultStateFromThePage: staff set a fault's state as an admin's
// !pothole P7 STATUS does: the group is told, the audit names them, the
// history shows it; mistakes are refused and change nothing.
func TestFaultStateFromThePage(t *testing.T) {
	fs := newFaultSite(t)
	fs.h.Run("@group street\nBob: !pothole outside no. 12 Elm Road, deep\nCarol: !pothole pothole by no. 14 Elm Road\n" +
		"@group castle\nEthel: !pothole by the castle gate\n")
	hana := fs.signIn("Hana")
	start := fs.h.Out.Len()
	code, body := hana.post(fs.ts.URL+"/faults/1/state", url.Values{"state": {"in progress"}})
	if code != http.StatusOK {
		t.Fatalf("set state: %d\n%s", code, body)
	}
	mustContain(t, body, "P1 is now marked in progress. The group has been told.", "in progress — set by Hana (staff)")
	out := fs.h.Out.String()[start:]
	if n := strings.Count(out, "Council update on P1: in progress."); n != 1 {
		t.Errorf("the group was told %d times:\n%s", n, out)
	}
	if !strings.Contains(fs.auditLog(), "potholes.status | Hana (web) | P1 in progress") {
		t.Errorf("audit:\n%s", fs.auditLog())
	}
	if !strings.Contains(fs.auditText(), "street fault state | Hana (web) | P1 in progress") {
		t.Errorf("the page's audit:\n%s", fs.auditText())
	}
	// The same path as the chat command: it sees the page's change.
	if out := fs.h.Run("@group street\nAlice: !pothole P1 in progress\n"); !strings.Contains(out, "P1 is already marked in progress.") {
		t.Errorf("chat after the page:\n%s", out)
	}
	for _, tc := range []struct {
		form       url.Values
		code       int
		want       string
		mustNotSee string
	}{
		{url.Values{"state": {"in progress"}}, http.StatusConflict, "P1 is already marked in progress.", ""},
		{url.Values{"state": {"sent"}}, http.StatusBadRequest, "Choose the fault&#39;s new state", ""},
		{url.Values{"state": {""}}, http.StatusBadRequest, "Choose the fault&#39;s new state", ""},
		{url.Values{"state": {"duplicate"}}, http.StatusBadRequest, "Enter the fault this one duplicates, for example P3", ""},
		{url.Values{"state": {"duplicate"}, "duplicate_of": {"P3"}}, http.StatusConflict, "There&#39;s no report P3 in this group.", "!potholes"},
		{url.Values{"state": {"duplicate"}, "duplicate_of": {"P1"}}, http.StatusConflict, "P1 can&#39;t be a duplicate of itself.", ""},
		{url.Values{"state": {"duplicate"}, "duplicate_of": {"elm"}}, http.StatusConflict, "isn&#39;t a report reference", ""},
	} {
		start := fs.h.Out.Len()
		code, body := hana.post(fs.ts.URL+"/faults/1/state", tc.form)
		if code != tc.code {
			t.Errorf("%v: %d, want %d", tc.form, code, tc.code)
		}
		mustContain(t, body, "There is a problem", tc.want)
		if tc.mustNotSee != "" {
			mustNotContain(t, body, tc.mustNotSee)
		}
		if extra := fs.h.Out.String()[start:]; strings.Contains(extra, "Council update") {
			t.Errorf("%v told the group:\n%s", tc.form, extra)
		}
	}
	code, body = hana.post(fs.ts.URL+"/faults/1/state", url.Values{"state": {"duplicate"}, "duplicate_of": {"p2"}})
	if code != http.StatusOK {
		t.Fatalf("duplicate: %d\n%s", code, body)
	}
	mustContain(t, body, "P1 is now marked a duplicate of P2.", `href="/faults/2">P2`)
	mustNotContain(t, body, "metoo")
	if code, _ := hana.post(fs.ts.URL+"/faults/99/state", url.Values{"state": {"fixed"}}); code != http.StatusNotFound {
		t.Errorf("unknown fault: %d", code)
	}
	// Reopened from the page: the group hears it.
	start = fs.h.Out.Len()
	if code, body := hana.post(fs.ts.URL+"/faults/1/state", url.Values{"state": {"open"}}); code != http.StatusOK {
		t.Errorf("reopen: %d\n%s", code, body)
	}
	if out := fs.h.Out.String()[start:]; !strings.Contains(out, "Council update on P1: reopened.") {
		t.Errorf("reopen told:\n%s", out)
	}
}

// TestFaultStateInQuietHours: a state set at night is told to the group
// when its quiet hours end, once.
func TestFaultStateInQuietHours(t *testing.T) {
	fs := newFaultSite(t)
	fs.h.Run("@group street\nBob: !pothole outside no. 12 Elm Road, deep\n")
	fs.h.Run("@advance 14h30m\n") // 23:30
	hana := fs.signIn("Hana")
	start := fs.h.Out.Len()
	if code, body := hana.post(fs.ts.URL+"/faults/1/state", url.Values{"state": {"fixed"}}); code != http.StatusOK {
		t.Fatalf("set state: %d\n%s", code, body)
	}
	if out := fs.h.Out.String()[start:]; strings.Contains(out, "Council update") {
		t.Errorf("told at night:\n%s", out)
	}
	out := fs.h.Run("@advance 9h\n")
	if n := strings.Count(out, "Council update on P1: fixed."); n != 1 {
		t.Errorf("told %d times in the morning:\n%s", n, out)
	}
}

// auditLog is the bot's audit log, for checks.
func (fs *faultSite) auditLog() string {
	entries, err := fs.h.Store.AuditAfter(context.Background(), 0, 1000)
	if err != nil {
		fs.t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.Action + " | " + e.ActorName + " | " + e.Detail + "\n")
	}
	return b.String()
}

// TestTwoStaffSetAStateAtOnce: of two staff marking a fault fixed at the
// same moment, one counts and the other is told it already is; the group
// hears it once and the audit has one line.
func TestTwoStaffSetAStateAtOnce(t *testing.T) {
	fs := newFaultSite(t)
	fs.h.Run("@group street\nBob: !pothole outside no. 12 Elm Road, deep\n")
	browsers := []*browser{fs.signIn("Hana"), fs.signIn("Olive")}
	start := fs.h.Out.Len()
	var wg sync.WaitGroup
	codes := make([]int, 2)
	bodies := make([]string, 2)
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], bodies[i] = b.post(fs.ts.URL+"/faults/1/state", url.Values{"state": {"fixed"}})
		}()
	}
	wg.Wait()
	ok, told := 0, 0
	for i := range codes {
		switch {
		case codes[i] == http.StatusOK && strings.Contains(bodies[i], "P1 is now marked fixed."):
			ok++
		case codes[i] == http.StatusConflict && strings.Contains(bodies[i], "P1 is already marked fixed."):
			told++
		default:
			t.Errorf("answer %d: %d\n%s", i, codes[i], bodies[i])
		}
	}
	if ok != 1 || told != 1 {
		t.Errorf("%d counted, %d told; want 1 and 1", ok, told)
	}
	if n := strings.Count(fs.h.Out.String()[start:], "Council update on P1: fixed."); n != 1 {
		t.Errorf("the group was told %d times", n)
	}
	if n := strings.Count(fs.auditLog(), "potholes.status"); n != 1 {
		t.Errorf("%d audit lines:\n%s", n, fs.auditLog())
	}
}

// TestFaultsShowNoPhoneNumber: a group named with a phone number, a
// resident whose name is one and a council answer quoting one: no page
// shows a number.
func TestFaultsShowNoPhoneNumber(t *testing.T) {
	fs := newFaultSite(t)
	fs.council.mu.Lock()
	fs.council.notes = "Ring our crew on 07700 900456 for access."
	fs.council.mu.Unlock()
	fs.h.Run("@group phoney +44 7700 900123\n@admin Alice\nAlice: !bot on\n" +
		"447700900789 [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n")
	fs.h.Run("@advance 7h\n")
	olive := fs.signIn("Olive")
	for _, u := range []string{"/faults", "/faults/1", "/faults/map.json"} {
		code, body := olive.get(fs.ts.URL + u)
		if code != http.StatusOK {
			t.Errorf("%s: %d", u, code)
		}
		mustNotContain(t, body, "7700", "900123", "900456", "900789")
		if u != "/faults/map.json" {
			mustContain(t, body, "A group with no name")
		}
	}
	_, body := olive.get(fs.ts.URL + "/faults/1")
	mustContain(t, body, "Ring our crew on [phone number] for access.", "filed by a resident")
}

// TestFaultsCSV: the list's filters download as CSV, every page of them,
// with the street's facts only and cells a spreadsheet will not run.
func TestFaultsCSV(t *testing.T) {
	fs := newFaultSite(t)
	var script strings.Builder
	script.WriteString("@group street\nBob [photo] [location 52.7069,-2.7540]: !pothole =HYPERLINK(\"http://x.example\") outside no. 12 Elm Road\nCarol: !metoo P1\n")
	for i := range 505 {
		fmt.Fprintf(&script, "Dan: !report drain blocked number %d on Long Lane\n", i+1)
	}
	fs.h.Run(script.String())
	hana := fs.signIn("Hana")
	_, page := hana.get(fs.ts.URL + "/faults?category=pothole")
	mustContain(t, page, `href="/faults?category=pothole&amp;format=csv"`, "Download it as CSV")
	resp, err := hana.c.Get(fs.ts.URL + "/faults?category=pothole&format=csv")
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(resp)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	mustContain(t, body, "ref,category,description,state,me_too,photos,group,latitude,longitude,reported,last_change,sent_to_council,council_status\n",
		`P1,pothole,"'=HYPERLINK(""http://x.example"") outside no. 12 Elm Road",open,1,1,Elm Road,52.706900,-2.754000,2026-01-05T09:00:00Z`)
	mustNotContain(t, body, "Bob", "Carol", "drain")
	code, all := hana.get(fs.ts.URL + "/faults?category=drain&format=csv")
	if n := strings.Count(all, "\n"); code != http.StatusOK || n != 506 || !strings.Contains(all, "number 1 on Long Lane") || !strings.Contains(all, "number 505 on") {
		t.Errorf("all 505 drains: %d, %d lines", code, n)
	}
	// A bad filter is the page's 400, not a file.
	if code, body := hana.get(fs.ts.URL + "/faults?state=bogus&format=csv"); code != http.StatusBadRequest || !strings.Contains(body, "Choose a state") {
		t.Errorf("bad filter: %d", code)
	}
	if code, _ := fs.signIn("Sam").get(fs.ts.URL + "/faults?format=csv"); code != http.StatusForbidden {
		t.Errorf("Sam: %d", code)
	}
}

// TestFaultsWhenTheFeatureIsOff: a bot without street faults says so on
// /faults rather than failing.
func TestFaultsWhenTheFeatureIsOff(t *testing.T) {
	s := newSite(t)
	olive := s.signIn("Olive")
	for _, u := range []string{"/faults", "/faults/1", "/faults/map.json"} {
		if code, body := olive.get(s.ts.URL + u); code != http.StatusNotFound || !strings.Contains(body, "Street-fault reports are not running on this bot.") {
			t.Errorf("%s: %d\n%s", u, code, body)
		}
	}
}
