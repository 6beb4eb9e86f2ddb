package potholes

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// guard bounds a wait that only a stall could make long; the tests check
// the order of events, not their timing.
const guard = 30 * time.Second

func waitFor(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(guard):
		t.Fatalf("%s never happened", what)
	}
}

// whileStalled runs the retry of P1's send on a goroutine, waits until the
// council's server (or the mail server) is stalled on it, and checks that
// meanwhile a resident's command is answered and another unit of work
// commits; release lets the server answer.
func whileStalled(t *testing.T, h *bottest.Harness, stalled <-chan struct{}, release func()) {
	t.Helper()
	retried := make(chan struct{})
	go func() {
		defer close(retried)
		if err := h.Engine.AdvanceTo(context.Background(), h.Clock, h.Clock.Now().Add(time.Hour)); err != nil {
			t.Error(err)
		}
	}()
	waitFor(t, stalled, "the stalled call")
	answered := make(chan string, 1)
	go func() { answered <- h.Run("Bob: !pothole P1\n") }()
	select {
	case out := <-answered:
		if !strings.Contains(out, "P1") {
			t.Errorf("no answer to the command:\n%s", out)
		}
	case <-time.After(guard):
		t.Fatal("a resident's command waited for the council's server")
	}
	// The writer is free: a unit of work such as the notices webhook's
	// commits now.
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		if err := h.Store.Atomic(context.Background(), func(ctx context.Context) error {
			_, err := h.Store.DB().ExecContext(ctx, `CREATE TABLE IF NOT EXISTS test_writer_free (x)`)
			return err
		}); err != nil {
			t.Error(err)
		}
	}()
	waitFor(t, committed, "a unit of work during the call")
	select {
	case <-retried:
		t.Fatal("the retry ended before the server answered")
	default:
	}
	release()
	waitFor(t, retried, "the end of the retry")
}

// TestStalledOpen311HoldsUpNoResident: a council's Open311 server that
// takes its time over a report holds up neither a resident's command nor
// the database; the report is recorded as sent once it answers, once.
func TestStalledOpen311HoldsUpNoResident(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.create = []answer{{503, ""}, {201, "create_ok.json"}}
	stalled, release := make(chan struct{}, 1), make(chan struct{})
	creates := 0
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			creates++
			if creates == 2 {
				stalled <- struct{}{}
				<-release
			}
		}
		fc.serve(w, r)
	}))
	defer slow.Close()
	cfg := councilConfig(fc)
	cfg.BaseURL = slow.URL + "/open311/v2/"
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
	if out := h.Run("Alice: !pothole P1 send\n"); !strings.Contains(out, "I'll keep trying") {
		t.Fatalf("first attempt:\n%s", out)
	}
	whileStalled(t, h, stalled, func() { close(release) })
	if n := len(fc.sent()); n != 2 {
		t.Fatalf("%d creates, want 2 (the refused one and the stalled one)", n)
	}
	h.Expect("Bob: !pothole P1\n", "council reference 293944")
}

// TestStalledMailServerHoldsUpNoResident: the same with a real SMTP server
// that stalls in the middle of DATA.
func TestStalledMailServerHoldsUpNoResident(t *testing.T) {
	serverTLS, clientTLS := testCert(t)
	ms := newMailServer(t, serverTLS, false)
	ms.set(func(ms *mailServer) { ms.dropInData = 1 })
	h, _ := emailHarness(t, emailConfig(ms), clientTLS)
	h.Run(councilSetup + "Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n")
	if out := h.Run("Alice: !pothole P1 send\n"); !strings.Contains(out, "I'll keep trying") {
		t.Fatalf("first attempt:\n%s", out)
	}
	stalled, release := make(chan struct{}, 1), make(chan struct{})
	ms.set(func(ms *mailServer) { ms.stall, ms.stalling = release, stalled })
	whileStalled(t, h, stalled, func() {
		ms.set(func(ms *mailServer) { ms.stall = nil })
		close(release)
	})
	// The test server refuses what it stalled on (554): the attempt's
	// answer is recorded once, after the server gave it.
	h.Expect("Alice: !pothole P1\n", "send failed: attempt 2: the mail server refused the message (554); refused")
}
