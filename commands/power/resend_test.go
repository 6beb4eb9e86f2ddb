package power

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/sqlite"
	"neighbourbot/commands/polling"
)

// offlineVerdicts fails the first n verdicts sent, as WhatsApp being
// briefly unreachable does.
func offlineVerdicts(fs *bottest.Faults, n int) *bottest.Fault {
	return fs.Fail(bottest.Fault{Op: bottest.OpSend, Text: "Power check result", Err: bot.ErrNotConnected, Times: n})
}

// TestVerdictResentWhenOffline: a verdict that cannot be sent waits in the
// send queue, which tries again until it goes out, once.
func TestVerdictResentWhenOffline(t *testing.T) {
	var fs bottest.Faults
	h := bottest.New(t, bottest.Options{Migrations: []bot.Migrations{Migrations(), polling.Migrations()}, Transport: fs.Wrap,
		Register: func(h *bottest.Harness) error { return Register(h.Kit(FeatureName), DefaultConfig(), Deps{}) }})
	verdicts := offlineVerdicts(&fs, 2)
	run := h.Run
	if got := run(setup + "Alice: !power\nBob: !off\n@advance 15m\n"); strings.Contains(got, "Power check result") {
		t.Fatalf("verdict sent while offline:\n%s", got)
	}
	got := run("@advance 2m\n")
	if n := strings.Count(got, "Power check result: 2 homes off, 0 on."); n != 1 {
		t.Fatalf("verdict sent %d times after reconnecting:\n%s", n, got)
	}
	if n := verdicts.Left(); n != 0 {
		t.Errorf("%d failures left: the send queue did not try again", n)
	}
	if got := run("@advance 1h\n"); strings.Contains(got, "Power check result") {
		t.Fatalf("verdict repeated:\n%s", got)
	}
}

// offlineBot is the power feature on the console with verdicts failing to
// send until verdicts is stopped (or has failed its count).
type offlineBot struct {
	e        *bot.Engine
	store    *sqlite.Store
	verdicts *bottest.Fault
	run      func(script string) string
}

func newOfflineBot(t *testing.T, failures int, deps Deps) *offlineBot {
	t.Helper()
	var fs bottest.Faults
	h := bottest.New(t, bottest.Options{Migrations: []bot.Migrations{Migrations(), polling.Migrations()}, Transport: fs.Wrap,
		Register: func(h *bottest.Harness) error { return Register(h.Kit(FeatureName), DefaultConfig(), deps) }})
	return &offlineBot{e: h.Engine, store: h.Store, verdicts: offlineVerdicts(&fs, failures), run: h.Run}
}

func (b *offlineBot) resendPayloads(t *testing.T) []string {
	t.Helper()
	rows, err := b.store.Raw().Query(`SELECT payload FROM jobs WHERE kind = ?`, jobResend)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// A verdict waiting for WhatsApp does not name a starter who asked to be
// forgotten meanwhile, and its counts are the verdict's.
func TestQueuedVerdictForgetsAForgottenStarter(t *testing.T) {
	ctx := context.Background()
	b := newOfflineBot(t, 1000, Deps{})
	b.run(setup + "Alice: !power\n@advance 15m\n")
	if n := len(b.resendPayloads(t)); n != 0 {
		t.Fatalf("%d resend jobs: waiting for WhatsApp is the send queue's", n)
	}
	alice, err := b.store.PersonByAddr(ctx, "Alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range b.e.Kit("test").Reg.DataProviders() {
		if _, err := p.ForgetPerson(ctx, alice.ID); err != nil {
			t.Fatal(err)
		}
	}
	b.verdicts.Stop()
	got := b.run("@advance 2m\n")
	if !strings.Contains(got, "Power check result: 1 home off, 0 on.") || !strings.Contains(got, "Looks like just your home, a neighbour.") {
		t.Errorf("verdict not sent as given:\n%s", got)
	}
	if strings.Contains(got, "Alice") {
		t.Errorf("the queued verdict names a forgotten starter:\n%s", got)
	}
}

// A resend job planned by an older version, with the chat, text and
// mentions in it, is sent from its check alone; one without a check is
// dropped.
func TestResendOldPayloads(t *testing.T) {
	ctx := context.Background()
	b := newOfflineBot(t, 1000, Deps{})
	b.run(setup + "Alice: !power\nBob: !off\n@advance 15m\n")
	// Those versions had no send queue: only their jobs hold the verdict.
	if _, err := b.store.Raw().Exec(`DELETE FROM outbox`); err != nil {
		t.Fatal(err)
	}
	// The previous version's payload had no check id: it is read from the key.
	old := map[string]any{"chat": "street", "text": "Power check result: stale text naming Alice", "mentions": []map[string]string{{"addr": "Alice"}}}
	at := b.e.Kit("test").Clock.Now().Add(time.Minute)
	if err := b.e.Kit("test").Jobs.Schedule(ctx, jobResend, jobKeyPrefix(1)+"verdict", at, old); err != nil {
		t.Fatal(err)
	}
	noCheck := map[string]any{"chat": "street", "text": "Power check result: from a very old version"}
	if err := b.e.Kit("test").Jobs.Schedule(ctx, jobResend, "power:old-verdict", at, noCheck); err != nil {
		t.Fatal(err)
	}
	b.verdicts.Stop()
	got := b.run("@advance 2m\n")
	if n := strings.Count(got, "Power check result: 2 homes off, 0 on."); n != 1 || !strings.Contains(got, "Looks like a power cut affecting several homes") {
		t.Errorf("rebuilt verdict sent %d times, want 1:\n%s", n, got)
	}
	if strings.Contains(got, "stale text") || strings.Contains(got, "very old version") {
		t.Errorf("an old payload's text was sent:\n%s", got)
	}
	if n := len(b.resendPayloads(t)); n != 0 {
		t.Errorf("%d resend jobs left", n)
	}
}

func TestIncidentDetailsRoundTrip(t *testing.T) {
	eta := time.Date(2026, 1, 5, 18, 0, 0, 0, time.UTC)
	in := []Incident{
		{Ref: "INCD-1", EstimatedRestoration: eta, Sectors: []string{"IP1 2"}, Customers: 40, Message: "Engineers on site"},
		{Ref: "INCD-2", Planned: true},
	}
	s := incidentsJSON(in)
	if strings.Contains(s, "Engineers") || strings.Contains(s, "IP1") {
		t.Errorf("stored more than the verdict shows: %s", s)
	}
	out, err := parseIncidents(s)
	if err != nil {
		t.Fatal(err)
	}
	want := []Incident{{Ref: "INCD-1", EstimatedRestoration: eta}, {Ref: "INCD-2", Planned: true}}
	if len(out) != len(want) {
		t.Fatalf("got %+v, want %+v", out, want)
	}
	for i := range want {
		if out[i].Ref != want[i].Ref || out[i].Planned != want[i].Planned || !out[i].EstimatedRestoration.Equal(want[i].EstimatedRestoration) {
			t.Errorf("incident %d: got %+v, want %+v", i, out[i], want[i])
		}
	}
	if got, err := parseIncidents(""); err != nil || got != nil {
		t.Errorf(`parseIncidents("") = %v, %v`, got, err)
	}
	if _, err := parseIncidents("{not json"); err == nil {
		t.Error("parseIncidents accepted garbage")
	}
}

// A resent verdict names the incidents the verdict found, with their
// details, without asking the feed again.
func TestResendKeepsIncidents(t *testing.T) {
	var feedDown atomic.Bool
	serve := fixtureHandler(t)
	srv, hits := feedServer(t, func(w http.ResponseWriter, r *http.Request) {
		if feedDown.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		serve(w, r)
	})
	b := newOfflineBot(t, 1000, Deps{Incidents: &UKPN{Client: srv.Client(), URL: srv.URL, Timeout: 5 * time.Second}})
	b.run(setup + "Alice: !area IP1 3\nAlice: !power\nBob: !off\n@advance 15m\n")
	feedDown.Store(true)
	b.verdicts.Stop()
	got := b.run("@advance 2m\n")
	if !strings.Contains(got, "Your network operator already knows: incident INCD-412345-G, estimated restoration 18:00 — no need to call 105. Also nearby: INCD-412377-H.") {
		t.Errorf("resent verdict lost the incidents:\n%s", got)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("feed fetched %d times, want once (for the verdict, not the resend)", n)
	}
}
