package potholes

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// switchOn undoes switchOff.
func switchOn(t *testing.T, h *bottest.Harness, what string) {
	t.Helper()
	if what == "bot off" {
		h.Expect("Alice: !bot on\n", "neighbourbot is on")
		return
	}
	ctx := context.Background()
	groups, err := h.Store.EnabledGroups(ctx)
	if err != nil || len(groups) != 1 {
		t.Fatalf("enabled groups %v, %v", groups, err)
	}
	gs := groups[0]
	gs.FeaturesOff = nil
	if err := h.Store.SaveGroupSettings(ctx, gs); err != nil {
		t.Fatal(err)
	}
}

func (fc *fakeCouncil) statusChecks() int {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return len(fc.polls)
}

func sendState(t *testing.T, h *bottest.Harness, id int64) string {
	t.Helper()
	var state string
	if err := h.Store.Raw().QueryRow(`SELECT send_state FROM pothole_reports WHERE id = ?`, id).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return state
}

// A retry that falls due after the group switched the bot or potholes off
// is not sent, not even after a restart; the report stays queued and an
// admin's !pothole P1 send, once the group is back on, sends it.
func TestSendPausedWhileGroupOff(t *testing.T) {
	for _, off := range []string{"bot off", "potholes off"} {
		t.Run(off, func(t *testing.T) {
			fc := newFakeCouncil(t)
			fc.set(func(fc *fakeCouncil) { fc.create = []answer{{500, "error_500.html"}, {201, "create_ok.json"}} })
			h := councilHarness(t, fc)
			h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
				"Couldn't send P1 to the council yet")
			switchOff(t, h, off)
			if out := h.Run("@advance 10m\n"); strings.Contains(out, "bot:") {
				t.Errorf("the bot posted while off:\n%s", out)
			}
			if n := len(fc.sent()); n != 1 {
				t.Fatalf("%d sends, want 1 (the retry must wait while the group is off)", n)
			}
			if got := sendState(t, h, 1); got != sendQueued {
				t.Errorf("send state %q, want %q", got, sendQueued)
			}
			if n := pendingJobs(t, h, jobSend); n != 0 {
				t.Errorf("%d send jobs left for a paused report", n)
			}
			h.Restart()
			h.Run("@admin Alice\n@advance 1d\n") // the console forgets admins on a restart
			if n := len(fc.sent()); n != 1 {
				t.Fatalf("%d sends after a restart, want 1", n)
			}
			switchOn(t, h, off)
			h.Expect("Bob: !pothole P1\n",
				"Not sent: it was due while the group had the bot or potholes off. An admin can send it with !pothole P1 send.",
				"send paused: the group has the bot or potholes off; an admin can send it with !pothole P1 send once it's back on")
			h.Expect("Alice: !pothole P1 send\n",
				"Sending P1 to the council…",
				"P1 has gone to the council (their reference 293944)")
			if n := len(fc.sent()); n != 2 {
				t.Errorf("%d sends, want 2", n)
			}
		})
	}
}

// Status checks stop when the group switches the bot or potholes off: no
// request reaches the council and nothing is booked again. An admin's
// !pothole P1 check restarts them.
func TestPollingStopsWhenGroupOff(t *testing.T) {
	for _, off := range []string{"bot off", "potholes off"} {
		t.Run(off, func(t *testing.T) {
			fc := newFakeCouncil(t)
			h := councilHarness(t, fc)
			h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
				"P1 has gone to the council")
			switchOff(t, h, off)
			h.Run("@advance 6h\n@advance 3d\n")
			if n := fc.statusChecks(); n != 0 {
				t.Errorf("%d status checks while the group was off, want 0", n)
			}
			if n := pendingJobs(t, h, jobPoll); n != 0 {
				t.Errorf("%d status checks still booked", n)
			}
			switchOn(t, h, off)
			h.Expect("Bob: !pothole P1\n",
				"I've stopped checking with the council for updates. An admin can restart the checks with !pothole P1 check.",
				"status checks stopped: the group has the bot or potholes off; an admin can restart them with !pothole P1 check")
			h.Expect("Bob: !pothole P1 check\n", "Sorry, only group admins can restart")
			if n := pendingJobs(t, h, jobPoll); n != 0 {
				t.Errorf("a stranger's check booked %d status checks", n)
			}
			h.Expect("Alice: !pothole P1 check\n", "Checking P1 with the council again")
			if n := fc.statusChecks(); n != 1 {
				t.Errorf("%d status checks after !pothole P1 check, want 1 at once", n)
			}
			h.Run("@advance 6h\n")
			if n := fc.statusChecks(); n != 2 {
				t.Errorf("%d status checks 6h later, want 2", n)
			}
			out := h.Run("Bob: !pothole P1\n")
			if strings.Contains(out, "I've stopped checking") {
				t.Errorf("still shown as stopped after the restart:\n%s", out)
			}
			if !strings.Contains(out, "status checks restarted by Alice") {
				t.Errorf("no restart in the history:\n%s", out)
			}
		})
	}
}

// Status checks end status_poll_for after the report went, with a line in
// the history; !pothole P1 send restarts them.
func TestPollingStopsAfterStatusPollFor(t *testing.T) {
	fc := newFakeCouncil(t)
	cfg := councilConfig(fc)
	cfg.StatusPollFor = bot.Duration(48 * time.Hour)
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"P1 has gone to the council")
	h.Run("@advance 1d\n@advance 1d\n@advance 1d\n@advance 30d\n")
	// Checks at 6h, 12h, … 42h; the one due at 48h stops.
	if n := fc.statusChecks(); n != 7 {
		t.Errorf("%d status checks, want 7", n)
	}
	if n := pendingJobs(t, h, jobPoll); n != 0 {
		t.Errorf("%d status checks still booked", n)
	}
	h.Expect("Bob: !pothole P1\n",
		"status checks stopped: checked for 2 days without the council closing it; an admin can restart them with !pothole P1 check")
	h.Expect("Alice: !pothole P1 send\n", "Checking P1 with the council again — I'll post here when they update it (every 6 hours for up to 2 days")
	if n := fc.statusChecks(); n != 8 {
		t.Errorf("%d status checks after the restart, want 8", n)
	}
	// Running checks: send says the report is with the council.
	h.Expect("Alice: !pothole P1 send\n", "P1 was already sent (council reference 293944).")
}

// Checks of reports that can't be checked are refused, and change nothing.
func TestCheckCommandBadInput(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole opposite the school\nAlice: !pothole P2 fixed\n")
	h.Expect("Alice: !pothole P1 check\n", "P1 hasn't gone to the council yet, so there's nothing to check. An admin can send it with !pothole P1 send.")
	h.Expect("Alice: !pothole P2 check\n", "P2 is already marked fixed — there's nothing to check with the council.")
	h.Expect("Alice: !pothole P9 check\n", "There's no report P9 in this group.")
	if n := pendingJobs(t, h, jobPoll); n != 0 {
		t.Errorf("%d status checks booked by refused commands", n)
	}
	if n := fc.statusChecks(); n != 0 {
		t.Errorf("%d status checks made by refused commands", n)
	}
}

// slowStatusCouncil takes reports at once but can be made to let status
// checks time out; it counts them.
type slowStatusCouncil struct {
	srv     *httptest.Server
	slow    atomic.Bool
	checks  atomic.Int32
	release chan struct{}
}

func newSlowStatusCouncil(t *testing.T) *slowStatusCouncil {
	sc := &slowStatusCouncil{release: make(chan struct{})}
	sc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fixture := "create_ok.json"
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/services") {
			// Service discovery is not a status check.
			fixture = "services_elm.json"
		} else if r.Method == http.MethodGet {
			sc.checks.Add(1)
			if sc.slow.Load() {
				select {
				case <-sc.release:
				case <-r.Context().Done():
				}
				return
			}
			fixture = "requests_open.json"
		}
		body, err := os.ReadFile(filepath.Join("testdata", "open311", fixture))
		if err != nil {
			t.Errorf("fixture: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		w.Write(body)
	}))
	t.Cleanup(func() { close(sc.release); sc.srv.Close() })
	return sc
}

// A status check the council's server doesn't answer in time puts the next
// one off for twice as long (up to 8 intervals) instead of asking again at
// the normal pace; an answer brings the normal pace back.
func TestPollTimeoutBacksOff(t *testing.T) {
	sc := newSlowStatusCouncil(t)
	cfg := testConfig()
	cfg.BaseURL = sc.srv.URL + "/open311/v2/"
	cfg.ServiceCodes = map[string]string{"pothole": "POT"}
	cfg.RequestTimeout = bot.Duration(time.Second) // the shortest allowed
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"P1 has gone to the council")
	sc.slow.Store(true)
	steps := []struct {
		advance string
		want    int32
	}{
		{"6h", 1},  // 6h: times out; next in 12h
		{"11h", 1}, // 17h: the normal pace would have asked at 12h
		{"1h", 2},  // 18h: times out; next in 24h
		{"23h", 2}, // 41h
		{"1h", 3},  // 42h: times out; next in 48h
		{"47h", 3}, // 89h
		{"1h", 4},  // 90h: times out; next in 48h, the cap
		{"48h", 5}, // 138h: answered; back to every 6h
	}
	for i, st := range steps {
		if i == len(steps)-1 {
			sc.slow.Store(false)
		}
		h.Run("@advance " + st.advance + "\n")
		if got := sc.checks.Load(); got != st.want {
			t.Fatalf("step %d (+%s): %d status checks, want %d", i, st.advance, got, st.want)
		}
	}
	h.Run("@advance 6h\n")
	if got := sc.checks.Load(); got != 6 {
		t.Errorf("%d status checks 6h after an answer, want 6", got)
	}
}

func TestPollBackoff(t *testing.T) {
	interval := 6 * time.Hour
	for _, tt := range []struct{ last, want time.Duration }{
		{0, 12 * time.Hour},
		{12 * time.Hour, 24 * time.Hour},
		{24 * time.Hour, 48 * time.Hour},
		{48 * time.Hour, 48 * time.Hour},
		{100 * time.Hour, 48 * time.Hour},
	} {
		if got := pollBackoff(interval, tt.last); got != tt.want {
			t.Errorf("pollBackoff(6h, %s) = %s, want %s", tt.last, got, tt.want)
		}
	}
}

// A status check booked by an older version, whose payload has only the
// report, counts its run from the send.
func TestOldPollPayloadCountsFromTheSend(t *testing.T) {
	fc := newFakeCouncil(t)
	cfg := councilConfig(fc)
	cfg.StatusPollFor = bot.Duration(48 * time.Hour)
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"P1 has gone to the council")
	ctx := context.Background()
	if err := h.Kit("test").Jobs.Cancel(ctx, pollPrefix(1)); err != nil {
		t.Fatal(err)
	}
	at := h.Clock.Now().Add(6 * time.Hour)
	if err := h.Kit("test").Jobs.Schedule(ctx, jobPoll, pollKey(1, at), at, sendPayload{Report: 1}); err != nil {
		t.Fatal(err)
	}
	h.Run("@advance 1d\n@advance 1d\n@advance 1d\n")
	if n := fc.statusChecks(); n != 7 {
		t.Errorf("%d status checks, want 7 (6h to 42h after the send)", n)
	}
	h.Expect("Bob: !pothole P1\n", "status checks stopped: checked for 2 days")
}

// Reopening a report whose checks had stopped follows it again, and it is
// no longer shown as stopped.
func TestReopenRestartsStoppedChecks(t *testing.T) {
	fc := newFakeCouncil(t)
	cfg := councilConfig(fc)
	cfg.StatusPollFor = bot.Duration(24 * time.Hour)
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"P1 has gone to the council")
	h.Run("@advance 2d\n")
	before := fc.statusChecks()
	h.Expect("Alice: !pothole P1 fixed\nAlice: !pothole P1 reopen\n", "P1 is now marked open.")
	h.Run("@advance 6h\n")
	if n := fc.statusChecks(); n != before+1 {
		t.Errorf("%d status checks after reopening, want %d", n, before+1)
	}
	out := h.Run("Bob: !pothole P1\n")
	if strings.Contains(out, "I've stopped checking") || !strings.Contains(out, "status checks restarted by Alice") {
		t.Errorf("after reopening:\n%s", out)
	}
}
