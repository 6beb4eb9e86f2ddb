package notices

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"neighbourbot/bot/bottest"
	"neighbourbot/commands/notices/sources"
)

// officialServer plays postcodes.io, the Environment Agency, the Met
// Office and GOV.UK from the sources package's fixtures; which fixture a
// path serves can change during a test, and a path can be taken down.
type officialServer struct {
	base  string
	mu    sync.Mutex
	files map[string]string
	down  map[string]bool
	hits  map[string]int
	// queries are the flood API's query strings, in order.
	queries []string
}

func (o *officialServer) set(path, fixture string) {
	o.mu.Lock()
	o.files[path] = fixture
	o.mu.Unlock()
}
func (o *officialServer) setDown(path string, down bool) {
	o.mu.Lock()
	o.down[path] = down
	o.mu.Unlock()
}

func (o *officialServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	name, down := o.files[r.URL.Path], o.down[r.URL.Path]
	o.hits[r.URL.Path]++
	if strings.HasSuffix(r.URL.Path, "/id/floods") {
		o.queries = append(o.queries, r.URL.RawQuery)
	}
	o.mu.Unlock()
	if down {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "<html><body>Bad gateway</body></html>")
		return
	}
	data, err := os.ReadFile(filepath.Join("sources", "testdata", name))
	if name == "" || err != nil {
		http.NotFound(w, r)
		return
	}
	w.Write([]byte(strings.ReplaceAll(string(data), "{{base}}", o.base)))
}

func officialHarness(t *testing.T, mutate func(*Config)) (*bottest.Harness, *officialServer, *Feature) {
	t.Helper()
	o := &officialServer{files: map[string]string{
		"/outcodes/SY3":                      "postcodes_outcode_sy3.json",
		"/flood-monitoring/id/floods":        "ea_floods.json",
		"/metoffice/wm":                      "metoffice_wm.rss",
		"/alerts/feed.atom":                  "govuk_alerts.atom",
		"/cap/shrewsbury_flood_cap.xml":      "shrewsbury_flood_cap.xml",
		"/cap/shrewsbury_flood_cap_exercise": "shrewsbury_flood_cap_exercise.xml",
		"/cap/index.atom":                    "cap_index.atom",
		"/planit/api/applics/json":           "planit_sy3.json",
	}, down: map[string]bool{}, hits: map[string]int{}}
	srv := httptest.NewServer(o)
	t.Cleanup(srv.Close)
	o.base = srv.URL
	cfg := testConfig()
	cfg.SendBatch = 50
	cfg.Sources.PostcodesURL = srv.URL
	cfg.Sources.EAFloods.URL = srv.URL + "/flood-monitoring"
	cfg.Sources.MetOffice.Enabled = false
	cfg.Sources.GovUKAlerts.Enabled = false
	if mutate != nil {
		mutate(&cfg)
		if cfg.Sources.MetOffice.Enabled {
			cfg.Sources.MetOffice.URL = srv.URL + "/metoffice/"
		}
		if cfg.Sources.GovUKAlerts.Enabled {
			cfg.Sources.GovUKAlerts.URL = srv.URL + "/alerts/feed.atom"
		}
		if cfg.Sources.Planning.Enabled {
			cfg.Sources.Planning.URL = srv.URL + "/planit/api/applics/json"
		}
		for i := range cfg.Sources.CAP {
			cfg.Sources.CAP[i].URL = srv.URL + cfg.Sources.CAP[i].URL
		}
	}
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	return h, o, r
}

const optedIn = "@admin Alice\nAlice: !bot on\nAlice: !area SY3 7\nAlice: !notices on\n"

func TestEAFloodWarningsThroughThePipeline(t *testing.T) {
	h, o, _ := officialHarness(t, nil)
	out := h.Run(optedIn + "@advance 15m\n")
	for _, want := range []string{
		"[street] bot: *Flood alert: River Severn at Shrewsbury*",
		"[street] bot: *Urgent: Flood warning: River Severn at Frankwell*\n    Flooding is expected at Frankwell car park and Smithfield Road. Move cars and valuables.\n    https://check-for-flooding.service.gov.uk/target-area/031FWFSE070\n    From Environment Agency flood warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	// Unchanged: nothing again.
	out = h.Run("@advance 15m\n")
	if strings.Contains(out, "bot: *") {
		t.Errorf("posted again:\n%s", out)
	}
	// The warning's message changes: one update, quoting the original.
	o.set("/flood-monitoring/id/floods", "ea_floods_update.json")
	out = h.Run("@advance 15m\n")
	if strings.Count(out, "Frankwell") == 0 || strings.Contains(out, "Shrewsbury*") {
		t.Errorf("update:\n%s", out)
	}
	if strings.Count(out, "[street] bot:") != 1 {
		t.Errorf("want one message for the update:\n%s", out)
	}
	// No longer in force: a cancellation of the warning; the alert turns
	// severe (danger to life): an emergency update.
	o.set("/flood-monitoring/id/floods", "ea_floods_cleared.json")
	out = h.Run("@advance 15m\n")
	if !strings.Contains(out, "Flood warning no longer in force: River Severn at Frankwell") || !strings.Contains(out, "Severe flood warning: River Severn at Shrewsbury") {
		t.Errorf("cleared:\n%s", out)
	}
	var kinds string
	h.Store.Raw().QueryRow(`SELECT group_concat(msg_type || ':' || urgency, ' ') FROM (SELECT msg_type, urgency FROM notices ORDER BY id)`).Scan(&kinds)
	if kinds != "alert:normal alert:urgent update:urgent update:emergency cancel:normal" {
		t.Errorf("notices %s", kinds)
	}
	// The district was looked up once, whatever the number of polls.
	if o.hits["/outcodes/SY3"] != 1 {
		t.Errorf("postcodes.io asked %d times", o.hits["/outcodes/SY3"])
	}
}

func TestSourceOutageLogsOnceAndRecovers(t *testing.T) {
	h, o, _ := officialHarness(t, nil)
	o.setDown("/flood-monitoring/id/floods", true)
	h.Run(optedIn + "@advance 3h\n")
	if n := strings.Count(h.Log.String(), "source failing"); n != 1 {
		t.Errorf("%d failure lines, want 1", n)
	}
	polls := o.hits["/flood-monitoring/id/floods"]
	if polls < 3 || polls > 6 {
		t.Errorf("%d polls in 3h of outage: the back-off should space them (15m, 30m, 1h, 2h)", polls)
	}
	o.setDown("/flood-monitoring/id/floods", false)
	out := h.Run("@advance 2h\n")
	if !strings.Contains(out, "Flood warning: River Severn at Frankwell") || !strings.Contains(h.Log.String(), "source recovered") {
		t.Errorf("after recovery:\n%s", out)
	}
}

func TestMetOfficeAndGovUKAlerts(t *testing.T) {
	h, _, _ := officialHarness(t, func(c *Config) {
		c.Sources.EAFloods.Enabled = false
		c.Sources.MetOffice.Enabled = true
		c.Sources.GovUKAlerts.Enabled = true
	})
	out := h.Run(optedIn + "@advance 30m\n")
	for _, want := range []string{
		"*Yellow warning of snow affecting West Midlands*", "*Urgent: Amber warning of wind affecting West Midlands*", "From Met Office weather warnings",
		"*⚠️ Emergency: Alert sent to phones in Shropshire, Telford and Wrekin*", "From GOV.UK Emergency Alerts",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "This is a test") || strings.Contains(out, "Cumbria") || strings.Contains(out, "Warnings update") {
		t.Errorf("relayed a test, another area's alert or a levelless item:\n%s", out)
	}
	var urg string
	h.Store.Raw().QueryRow(`SELECT group_concat(urgency, ' ') FROM (SELECT urgency FROM notices ORDER BY id)`).Scan(&urg)
	if !strings.Contains(urg, "urgent") || !strings.Contains(urg, "emergency") {
		t.Errorf("urgencies %s", urg)
	}
}

func TestOfficialWarningsSkipApprovalUnlessAsked(t *testing.T) {
	h, _, _ := officialHarness(t, func(c *Config) { c.RequireApproval = true })
	out := h.Run(optedIn + "@advance 15m\n")
	if !strings.Contains(out, "Flood warning: River Severn at Frankwell") {
		t.Errorf("an official warning waited for approval:\n%s", out)
	}
	h2, _, _ := officialHarness(t, func(c *Config) { c.RequireApproval = true; c.Sources.EAFloods.RequireApproval = true })
	out = h2.Run(optedIn + "@advance 15m\n")
	if strings.Contains(out, "Frankwell") {
		t.Errorf("relayed without approval:\n%s", out)
	}
}

func TestCAPFeedAndWebhook(t *testing.T) {
	h, _, r := officialHarness(t, func(c *Config) {
		c.Sources.EAFloods.Enabled = false
	})
	// The webhook takes CAP XML.
	r.cfg.Webhook.Token = testToken
	wh := httptest.NewServer(r.WebhookHandler())
	defer wh.Close()
	h.Run(optedIn)
	postCAP := func(file, contentType string) (int, string) {
		data, _ := os.ReadFile("sources/testdata/" + file)
		req, _ := http.NewRequest(http.MethodPost, wh.URL+"/notices", strings.NewReader(string(data)))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := wh.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := postCAP("shrewsbury_flood_cap.xml", "application/cap+xml"); code != 202 {
		t.Fatalf("CAP alert: %d %s", code, body)
	}
	out := h.Run("@advance 1m\n")
	if !strings.Contains(out, "*Urgent: Roads closing in Shrewsbury town centre because of flooding*\n    Smithfield Road and Frankwell will close from 4pm.\n\n    Move vehicles out of riverside car parks before 3pm.") {
		t.Errorf("CAP alert relayed as:\n%s", out)
	}
	if code, body := postCAP("shrewsbury_flood_cap_cancel.xml", "application/xml; charset=utf-8"); code != 202 {
		t.Fatalf("CAP cancel: %d %s", code, body)
	}
	out = h.Run("@advance 1m\n")
	if !strings.Contains(out, "[street] bot:") {
		t.Errorf("cancel not relayed:\n%s", out)
	}
	for _, tc := range []struct{ file, want string }{
		{"shrewsbury_flood_cap_exercise.xml", `"field":"status"`},
		{"oasis_a2_thunderstorm.xml", `"field":"area"`},
		{"ea_floods.json", `"field":"cap"`},
	} {
		if code, body := postCAP(tc.file, "application/cap+xml"); code != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s", tc.file, code, body)
		}
	}
	if code, _ := postCAP("shrewsbury_flood_cap.xml", "application/cap+xml"); code != 200 {
		t.Errorf("a repeated CAP alert: %d, want 200 duplicate", code)
	}
}

// A CAP feed (an Atom index of CAP documents) is a feed kind: real alerts
// placed in a group's area are relayed once, exercises never.
func TestCAPFeedKind(t *testing.T) {
	h, o, _ := officialHarness(t, func(c *Config) {
		c.Sources.EAFloods.Enabled = false
		c.Sources.CAP = []sources.CAPFeedConfig{{Name: "county", DisplayName: "Shropshire resilience", URL: "/cap/index.atom", Topics: []string{"flooding"}}}
	})
	out := h.Run(optedIn + "@advance 15m\n")
	if strings.Count(out, "Roads closing in Shrewsbury town centre") != 1 || !strings.Contains(out, "From Shropshire resilience") {
		t.Errorf("CAP feed:\n%s", out)
	}
	out = h.Run("@advance 30m\n")
	if strings.Contains(out, "bot: *") {
		t.Errorf("relayed again:\n%s", out)
	}
	if o.hits["/cap/index.atom"] < 3 {
		t.Errorf("index polled %d times", o.hits["/cap/index.atom"])
	}
	var n int
	h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notices WHERE source = 'builtin:cap:county'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d notices stored from the feed", n)
	}
}

func TestPlanningDigest(t *testing.T) {
	h, o, _ := officialHarness(t, func(c *Config) {
		c.Sources.EAFloods.Enabled = false
		c.Sources.Planning.Enabled = true
	})
	out := h.Run(optedIn + "@advance 1d\n")
	want := "[street] bot: *3 new planning applications near SY3 7 (received Mon 5 Jan)*\n" +
		"    • 26/00101/FUL — 12 Elm Road, Shrewsbury SY3 7AB: Erection of a two-storey rear extension https://pa.shropshire.gov.uk/online-applications/applicationDetails.do?keyVal=26-00101-FUL\n" +
		"    • 26/00107/LIC — The Corner Shop, 2 Oak Street, Shrewsbury SY3 7CD: Premises licence: sale of alcohol 08:00-23:00 https://www.planit.org.uk/planapplic/Shropshire/26/00107/LIC/\n" +
		"    • Shropshire/26/00110/FUL\n" +
		"    Comments go to the council; the link has the details and the closing date.\n" +
		"    From planning applications (PlanIt)"
	if !strings.Contains(out, want) {
		t.Fatalf("digest:\n%s", out)
	}
	if strings.Contains(out, "00090/TPO") || strings.Contains(out, "javascript") {
		t.Errorf("an older application or a bad link:\n%s", out)
	}
	// The next day has nothing new: no message.
	if out := h.Run("@advance 1d\n"); strings.Contains(out, "bot: *") {
		t.Errorf("second day:\n%s", out)
	}
	got := o.hits["/planit/api/applics/json"]
	if got != 2 {
		t.Errorf("PlanIt asked %d times in two days, want 2", got)
	}
	var topics string
	h.Store.Raw().QueryRow(`SELECT topics FROM notices WHERE source = 'builtin:planning'`).Scan(&topics)
	if topics != "planning" {
		t.Errorf("topics %q", topics)
	}
}

// An admin's !area as a reply to a location pin places the group at the
// pin (the flood query goes there, not to the district's centre); a later
// !area without a pin forgets it; a member's pin changes nothing.
func TestAreaReplyToPinPlacesTheGroup(t *testing.T) {
	h, o, _ := officialHarness(t, nil)
	var queries []string
	o.mu.Lock()
	o.files["/flood-monitoring/id/floods"] = "ea_floods.json"
	o.mu.Unlock()
	out := h.Run("@admin Alice\nAlice: !bot on\nAlice: !notices on\nBob [location 52.7101,-2.7502]: the low bridge floods first\nAlice [reply Bob]: !area SY3 7\nCarol [location 52.6000,-2.7000]: my house\nCarol [reply Carol]: !area SY3 7\n")
	if !strings.Contains(out, "[street] bot: Thanks — I'll use that pin as this group's location for flood warnings and planning applications nearby.") ||
		!strings.Contains(out, "This group's area is now SY3 7.") {
		t.Fatalf("pin reply:\n%s", out)
	}
	if strings.Count(out, "I'll use that pin") != 1 {
		t.Errorf("a member's pin was taken:\n%s", out)
	}
	srvQueries := func() []string {
		o.mu.Lock()
		defer o.mu.Unlock()
		return append([]string(nil), o.queries...)
	}
	h.Run("@advance 15m\n")
	queries = srvQueries()
	if len(queries) == 0 || !strings.Contains(queries[len(queries)-1], "lat=52.7101&long=-2.7502") {
		t.Fatalf("flood query not at the pin: %v", queries)
	}
	h.Run("Alice: !area SY3 7, SY3 8\n@advance 15m\n")
	queries = srvQueries()
	if !strings.Contains(queries[len(queries)-1], "lat=52.7050&long=-2.7800") {
		t.Errorf("after a new !area the pin still counts: %v", queries)
	}
}
