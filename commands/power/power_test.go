package power

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

const setup = "@admin Alice\nAlice: !bot on\n"

// feedServer serves the fixture and counts requests.
func feedServer(t *testing.T, handler http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func fixtureHandler(t *testing.T) http.HandlerFunc {
	data := loadFixture(t)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(data)
	}
}

func withFeed(t *testing.T, srv *httptest.Server, timeout time.Duration) bottest.Options {
	return harnessOptions(DefaultConfig(), Deps{Incidents: &UKPN{Client: srv.Client(), URL: srv.URL, Timeout: timeout}})
}

// TestIncidentMatch runs a street-wide check in a group whose area has a
// known incident in the fixture feed; the transcript is a golden file.
func TestIncidentMatch(t *testing.T) {
	srv, hits := feedServer(t, fixtureHandler(t))
	h := bottest.New(t, withFeed(t, srv, 5*time.Second))
	out := h.Run(setup + `Alice: !area IP1 3
Alice: !power
Bob [vote Off]
Carol: !off
@advance 15m
`)
	bottest.CompareGolden(t, "testdata/incident_match.golden", out)
	if hits.Load() != 1 {
		t.Errorf("feed fetched %d times, want once", hits.Load())
	}
	refs := queryString(t, h.Store.Raw(), `SELECT incident FROM power_checks`)
	if refs != "INCD-412345-G;INCD-412377-H" {
		t.Errorf("stored incidents = %q", refs)
	}
}

func TestIncidentSingleHome(t *testing.T) {
	srv, _ := feedServer(t, fixtureHandler(t))
	h := bottest.New(t, withFeed(t, srv, 5*time.Second))
	h.Expect(setup+"Alice: !area CO4 9\nAlice: !power\nBob: !on\n@advance 15m\n",
		"Looks like just your home, @Alice.",
		"Note: Your network operator already knows: incident INCD-411500-K (no estimated restoration time yet) — no need to call 105.")
}

func TestIncidentLookupNeedsArea(t *testing.T) {
	srv, hits := feedServer(t, fixtureHandler(t))
	h := bottest.New(t, withFeed(t, srv, 5*time.Second))
	out := h.Expect(setup+"Alice: !power\nBob: !off\n@advance 15m\n", "call 105 or check https://www.powercut105.com")
	if hits.Load() != 0 {
		t.Errorf("feed fetched %d times for a group without an area", hits.Load())
	}
	if strings.Contains(out, "already knows") {
		t.Errorf("incident named without an area:\n%s", out)
	}
}

// TestFeedFailuresGiveThePlainAnswer: a feed that errs, sends garbage or
// hangs never blocks or breaks the verdict; the failure is logged.
func TestFeedFailuresGiveThePlainAnswer(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := map[string]http.HandlerFunc{
		"500": func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) },
		"garbage": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`[{"incidentreference":"INCD-1","postcodesaffected":"IP1 3","estimatedrestorationdate":"soon"}]`))
		},
		"html": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>maintenance</html>")) },
		"timeout": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
	}
	for name, handler := range tests {
		t.Run(name, func(t *testing.T) {
			srv, hits := feedServer(t, handler)
			h := bottest.New(t, withFeed(t, srv, 200*time.Millisecond))
			out := h.Expect(setup+"Alice: !area IP1 3\nAlice: !power\nBob: !off\n@advance 15m\n",
				"Power check result: 2 homes off, 0 on.",
				"Looks like a power cut affecting several homes — call 105 or check https://www.powercut105.com; only one of you needs to report it.")
			if strings.Contains(out, "already knows") || hits.Load() != 1 {
				t.Errorf("hits=%d, output:\n%s", hits.Load(), out)
			}
			if !strings.Contains(h.Log.String(), "outage feed failed") {
				t.Errorf("feed failure not logged:\n%s", h.Log.String())
			}
			if got := queryString(t, h.Store.Raw(), `SELECT state || ',' || verdict FROM power_checks`); got != "ended,several" {
				t.Errorf("check state = %q", got)
			}
		})
	}
}

// TestRestartMidCheck restarts the bot while a check runs: answers given
// before and after count, a poll vote after the restart still reaches the
// check, the status message is edited in place and the verdict fires.
func TestRestartMidCheck(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup + "Alice: !power\nBob: !off\n")
	pollID := queryString(t, h.Store.Raw(), `SELECT msg_id FROM polls WHERE kind = 'power'`)
	statusID := queryString(t, h.Store.Raw(), `SELECT status_msg FROM power_checks`)
	if pollID == "" || statusID == "" {
		t.Fatalf("poll %q, status %q not stored", pollID, statusID)
	}

	h.Restart()
	// The console forgets its groups on restart; this line brings the
	// group back, as WhatsApp would on reconnect.
	h.Expect("Dave: !on\n", "bot edits its message:", "So far: 2 homes off, 1 on.")
	ctx := context.Background()
	vote := &bot.Message{ID: "vote-after-restart", Chat: bot.Chat{ID: "group:street", IsGroup: true, Name: "Elm Road"},
		Sender: bot.Sender{Addr: "Carol", Name: "Carol"}, Time: h.Clock.Now(),
		PollVote: &bot.PollVote{PollID: pollID, Options: []string{optionOff}}}
	if out, err := h.Engine.HandleMessage(ctx, vote); err != nil || out != bot.Handled {
		t.Fatalf("poll vote: %v, %v", out, err)
	}
	if !strings.Contains(h.Out.String(), "So far: 3 homes off, 1 on.") {
		t.Fatalf("poll vote after restart not counted:\n%s", h.Out.String())
	}
	h.Expect("@advance 15m\n",
		"finished at 09:15: 3 homes off, 1 on. Result below.",
		"Power check result: 3 homes off, 1 on.",
		"Looks like a power cut affecting several homes")
	if got := queryString(t, h.Store.Raw(), `SELECT state || ',' || peak_off FROM power_checks`); got != "ended,3" {
		t.Errorf("after verdict: %q", got)
	}
}

// TestRestartAfterWindowPassed: the bot was down when the window ended;
// the verdict comes as soon as it is back.
func TestRestartAfterWindowPassed(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup + "Alice: !power\n")
	h.Restart()
	h.Clock.Advance(time.Hour)
	h.Expect("@group street Elm Road\n", "Power check result: 1 home off, 0 on.", "Looks like just your home, @Alice.")
	h.Expect("Bob: !off\n", "The power check has finished")
}

// snapshot renders every row of the feature's tables and its jobs.
func snapshot(t *testing.T, db *sql.DB) string {
	t.Helper()
	return bottest.Dump(t, db,
		`SELECT * FROM power_checks ORDER BY id`,
		`SELECT * FROM power_votes ORDER BY check_id, person_id`,
		`SELECT * FROM power_groups ORDER BY chat`,
		`SELECT kind, key, run_at FROM jobs WHERE kind LIKE 'power.%' ORDER BY key`,
	)
}

func queryString(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	var s sql.NullString
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s.String
}

// TestBadInputChangesNothing: every bad line gets a reply saying what to do
// and leaves the store as it was.
func TestBadInputChangesNothing(t *testing.T) {
	odd := strings.Repeat("⚡️𝔭𝔬𝔴𝔢𝔯\u202e\u200bé", 300)
	tests := []struct {
		name, line, want string
	}{
		{"already counted", "Alice: !off", "already counted as off"},
		{"words after !off", "Bob: !off right now", "Just type !off or !on"},
		{"unknown subcommand", "Bob: !power sideways", "Usage: !power"},
		{"odd unicode", "Bob: !power " + odd, "Usage: !power"},
		{"huge", "Bob: !off " + strings.Repeat("x", 5000), "too long"},
		{"restored with words", "Carol: !restored later today", "Just type !restored"},
		{"direct chat", "dm Bob: !power", "only works inside a group"},
		{"direct chat vote", "dm Bob: !off", "only works inside a group"},
		{"hint by a non-admin", "Bob: !power suggest on", "only group admins"},
		{"hint nonsense", "Alice: !power suggest maybe", "Usage: !power suggest on"},
		{"history with words", "Bob: !power history please", "Usage: !power"},
	}
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup + "Alice: !power\nBob: !on\n")
	before := snapshot(t, h.Store.Raw())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := h.Expect(tt.line+"\n", tt.want)
			if strings.Contains(out, "edits its message") || strings.Contains(out, "reacts") {
				t.Errorf("bad input counted as an answer:\n%s", out)
			}
			if after := snapshot(t, h.Store.Raw()); after != before {
				t.Errorf("store changed:\nbefore %s\nafter %s", before, after)
			}
		})
	}
	t.Run("duplicate delivery", func(t *testing.T) {
		h.Run("Carol: !off\n")
		mid := snapshot(t, h.Store.Raw())
		h.Expect("@redeliver\n", "duplicate delivery ignored")
		if after := snapshot(t, h.Store.Raw()); after != mid {
			t.Errorf("redelivery changed the store")
		}
	})
}

func TestNoCheckRunningChangesNothing(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup)
	before := snapshot(t, h.Store.Raw())
	h.Expect("Bob: !off\n", "No power check is running here. If your power is off, type !power")
	h.Expect("Bob: !power on\n", "no power cut open here")
	h.Expect("dm Bob: !power\n", "only works inside a group")
	if after := snapshot(t, h.Store.Raw()); after != before {
		t.Errorf("store changed:\nbefore %s\nafter %s", before, after)
	}
}

func TestFeatureSwitchedOff(t *testing.T) {
	opts := harnessOptions(DefaultConfig(), Deps{})
	opts.Register = func(h *bottest.Harness) error {
		h.Kit("test").Reg.Declare(bot.Feature{Name: "lending", Description: "another feature, so power can be off"})
		return Register(h.Kit(FeatureName), DefaultConfig(), Deps{})
	}
	h := bottest.New(t, opts)
	h.Expect(setup+"Alice: !bot features lending\nBob: !power\n", "The power commands are switched off in this group")
	h.Expect("Bob: anyone else's power off?\n")
	if n := queryString(t, h.Store.Raw(), `SELECT COUNT(*) FROM power_checks`); n != "0" {
		t.Errorf("a check started while the feature is off")
	}
}

func TestLateVotesAndExpiry(t *testing.T) {
	cfg := DefaultConfig()
	h := bottest.New(t, harnessOptions(cfg, Deps{}))
	h.Run(setup + "Alice: !power\nBob: !off\n@advance 15m\n")
	before := snapshot(t, h.Store.Raw())
	out := h.Run("Carol [vote Off]\n")
	if strings.Contains(out, "bot") {
		t.Errorf("late poll vote answered:\n%s", out)
	}
	if after := snapshot(t, h.Store.Raw()); after != before {
		t.Errorf("late poll vote changed the store")
	}
	// Nobody reports the power back: the check closes quietly and a new
	// one can start.
	h.Run("@advance 3d\n")
	if got := queryString(t, h.Store.Raw(), `SELECT state FROM power_checks`); got != stateClosed {
		t.Errorf("state after close_after = %q", got)
	}
	h.Expect("Bob: !power history\n", "end not reported — peak 2 homes off")
	h.Expect("Bob: !power\n", "Power check started by Bob")
}

func TestNobodyOffAtTheEnd(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Expect(setup+"Alice: !power\nAlice: !on\nBob: !on\n@advance 15m\n",
		"Power check result: no homes off, 2 on.", "looks like it's back")
	if got := queryString(t, h.Store.Raw(), `SELECT state || ',' || verdict FROM power_checks`); got != "closed,none" {
		t.Errorf("state = %q", got)
	}
	if n := queryString(t, h.Store.Raw(), `SELECT COUNT(*) FROM jobs WHERE kind LIKE 'power.%'`); n != "0" {
		t.Errorf("%s power jobs left", n)
	}
	h.Expect("Bob: !power on\n", "no power cut open here")
}

func TestPersonalData(t *testing.T) {
	h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup + "Alice: !power\nBob: !off\nCarol [vote Off]\n@advance 15m\n")
	var dp bot.DataProvider
	for _, p := range h.Kit("test").Reg.DataProviders() {
		if p.DataName() == "Power checks" {
			dp = p
		}
	}
	if dp == nil {
		t.Fatal("no power data provider registered")
	}
	ctx := context.Background()
	person := func(name string) int64 {
		p, err := h.Store.PersonByAddr(ctx, bot.Address(name))
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	alice, carol := person("Alice"), person("Carol")
	lines, err := dp.DescribePerson(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(lines, " ")
	for _, want := range []string{`You answered 1 power check; your latest answer was "off" (Mon 5 Jan 2026 09:00).`, "You started 1 power check"} {
		if !strings.Contains(joined, want) {
			t.Errorf("describe Alice lacks %q: %q", want, joined)
		}
	}
	summary, err := dp.ForgetPerson(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if summary != "1 power-check answer deleted; your name removed from 1 check you started (the counts stay)" {
		t.Errorf("summary = %q", summary)
	}
	if lines, _ := dp.DescribePerson(ctx, alice); len(lines) != 0 {
		t.Errorf("still described after forgetting: %q", lines)
	}
	if lines, _ := dp.DescribePerson(ctx, carol); len(lines) != 1 {
		t.Errorf("Carol's answer gone too: %q", lines)
	}
	h.Expect("Bob: !power history\n", "peak 3 homes off")
	h.Expect("Bob: !power on\n", "Power back — thanks, Bob.")
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"defaults", func(*Config) {}, ""},
		{"window too short", func(c *Config) { c.Window = bot.Duration(30 * time.Second) }, "window"},
		{"window too long", func(c *Config) { c.Window = bot.Duration(3 * time.Hour) }, "window"},
		{"window past WhatsApp's edit window", func(c *Config) { c.Window = bot.Duration(20 * time.Minute) }, "window 20m0s must be between 1m and 18m0s"},
		{"no number", func(c *Config) { c.ReportNumber = " " }, "report_number"},
		{"bad link", func(c *Config) { c.OperatorLink = "powercut105" }, "operator_link"},
		{"no link is fine", func(c *Config) { c.OperatorLink = "" }, ""},
		{"compensation threshold", func(c *Config) { c.CompensationAfter = bot.Duration(time.Minute) }, "compensation_after"},
		{"compensation text", func(c *Config) { c.CompensationText = "" }, "compensation_text"},
		{"close_after", func(c *Config) { c.CloseAfter = bot.Duration(time.Hour) }, "close_after"},
		{"cooldown", func(c *Config) { c.SuggestCooldown = bot.Duration(time.Second) }, "suggest_cooldown"},
		{"provider", func(c *Config) { c.FeedProvider = "nosuch" }, "feed_provider"},
		{"feed url", func(c *Config) { c.FeedURL = "ftp://example.org/faults" }, "feed_url"},
		{"feed timeout", func(c *Config) { c.FeedTimeout = bot.Duration(5 * time.Minute) }, "feed_timeout"},
		{"feed timeout over the cap", func(c *Config) { c.FeedTimeout = bot.Duration(11 * time.Second) }, "feed_timeout 11s must be between 500ms and 10s"},
		{"feed timeout at the cap", func(c *Config) { c.FeedTimeout = bot.Duration(10 * time.Second) }, ""},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.change(&c)
		err := c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want it to start with %q", tt.name, err, tt.want)
		}
	}
}

// TestOutagePhrasing: how residents actually say the power is off (each
// must suggest a check) and the same words in other senses (none may).
func TestOutagePhrasing(t *testing.T) {
	hint := []string{
		"no electric",
		"no power here, anyone else?",
		"has anyone else lost power?",
		"power cut again!!",
		"anyone else's power off?",
		"Is the electricity out for you too?",
		"power cut on Elm Road?",
		"lights gone out here, just us",
		"my power is off",
		"powercut 😩",
		"no leccy at ours",
		"just lost power",
		"electric's gone off",
		"power's gone again ffs",
		"Anyone else got no power?",
		"is it just us with no electricity?",
		"power just went off!",
		"we've lost the electric",
		"blackout on the estate?",
		"power outage on Mill Lane",
		"Power out at number 12, anyone else??",
		"is there a power cut?",
		"electricity’s off 🙁",
		"we have no power",
		"no power since 6am",
		"power down again",
		"POWER CUT",
		"lost electric about 10 mins ago",
		"trip switch is fine but still no power",
		"power has gone off in the whole street",
		"Anyone know whats happened to the power?",
		"all the lights went out 😱",
		"without power since lunchtime",
		"power failure on Oak Ave?",
		"electric gone off again!!!",
		"Has the power gone off for everyone?",
		"no electricity in the whole road",
		"pwr cut anyone?",
		"Electricity gone 😩 anyone else?",
		"is the power off for anyone else",
		"No electric on Bryn Road!! 😡",
		"the lights have gone, is it the whole street?",
	}
	quiet := []string{
		"off to the shops, anyone need anything",
		"turn the lights off when you leave",
		"power washing the drive tomorrow, sorry for the noise",
		"does anyone have a power drill I could borrow?",
		"lasting power of attorney forms, anyone know where?",
		"my electric bill has gone up again 😩",
		"electric car charger outside no. 4 is free",
		"blackout blinds for sale, never used",
		"switch your power off at the wall before you go on holiday",
		"the street lights are on a timer",
		"anyone got a power bank I can borrow?",
		"powered through the marathon 💪",
		"the power of community!",
		"can someone turn the hall lights off after the meeting",
		"bins out tonight",
		"has anyone seen a black cat?",
		"the electrician is coming Tuesday",
		"the car's battery is dead, anyone got jump leads?",
		"Christmas lights going up on Saturday!",
		"power tools in the shed, help yourself",
		"the water's off in the whole street",
		"gas cut off for the works on Friday",
		"phone's dead, will call later",
		"wifi down again anyone else?",
		"internet out on Elm Road?",
		"broadband outage anyone?",
		"is the road closed?",
		"the TV is off, football's cancelled",
		"who's going to the power station tour?",
		"no electric scooters on the pavement please",
		"power off your router and back on, fixed mine",
		"electricity has gone up again, ridiculous",
		"no parking on Friday",
		"lights off at 10 for the quiet hours please",
		"the bus is out of service",
		"no power steering on the old Land Rover 😂",
		"please put the electric heater off in the hall",
		strings.Repeat("power off? ", 40), // too long to be a quick question
	}
	if len(hint) < 30 || len(quiet) < 30 {
		t.Fatalf("want 30+ of each: %d hint, %d quiet", len(hint), len(quiet))
	}
	for _, text := range hint {
		if !looksLikeOutage(text) {
			t.Errorf("no hint for %q", text)
		}
	}
	for _, text := range quiet {
		if looksLikeOutage(text) {
			t.Errorf("hint for %q", text)
		}
	}
}

func BenchmarkTypedVote(b *testing.B) {
	h := bottest.New(b, harnessOptions(DefaultConfig(), Deps{}))
	h.Run(setup + "Alice: !power\n")
	ctx := context.Background()
	chat := bot.Chat{ID: "group:street", IsGroup: true, Name: "Elm Road"}
	i := 0
	for b.Loop() {
		i++
		text := "!off"
		if i%2 == 0 {
			text = "!on"
		}
		h.Engine.HandleMessage(ctx, &bot.Message{ID: fmt.Sprintf("bench-%d", i), Chat: chat,
			Sender: bot.Sender{Addr: "Bob", Name: "Bob"}, Time: h.Clock.Now(), Text: text})
	}
}

// TestSwitchAudit: the audit log records the state an admin switched the
// hint and the alerts to, not its opposite.
func TestSwitchAudit(t *testing.T) {
	tests := []struct{ line, action, want string }{
		{"Alice: !power suggest on", "power.suggest", "on"},
		{"Alice: !power suggest off", "power.suggest", "off"},
		{"Alice: !power alerts on", "power.alerts", "on"},
		{"Alice: !power alerts off", "power.alerts", "off"},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			h := bottest.New(t, harnessOptions(DefaultConfig(), Deps{}))
			h.Run("@admin Alice\nAlice: !bot on\n" + tc.line + "\n")
			got := queryString(t, h.Store.Raw(), `SELECT detail FROM audit_log WHERE action = '`+tc.action+`' ORDER BY id DESC LIMIT 1`)
			if got != tc.want {
				t.Errorf("audit detail = %q, want %q", got, tc.want)
			}
		})
	}
}
