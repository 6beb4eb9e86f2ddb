package potholes

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/console"
	"neighbourbot/bot/sqlite"
)

// sentTexts passes sends on to the console and reports each text sent.
type sentTexts struct {
	*console.Console
	sent chan string
}

func (s sentTexts) Send(ctx context.Context, m bot.OutMessage) (string, error) {
	id, err := s.Console.Send(ctx, m)
	s.sent <- m.Text
	return id, err
}

// stallingFixMyStreet serves the recorded feed, but a request it is told
// to stall on waits, after saying so on stalled, until release is closed.
type stallingFixMyStreet struct {
	body     []byte
	asked    atomic.Int32
	stall    atomic.Bool
	stalled  chan struct{}
	release  chan struct{}
	mu       sync.Mutex
	finished bool // the stalled request was answered or given up
}

func newStallingFixMyStreet(t *testing.T) (*stallingFixMyStreet, *httptest.Server) {
	b, err := os.ReadFile(filepath.Join("testdata", "fixmystreet", "around_elm.xml"))
	if err != nil {
		t.Fatal(err)
	}
	fm := &stallingFixMyStreet{body: b, stalled: make(chan struct{}, 1), release: make(chan struct{})}
	srv := httptest.NewServer(fm)
	t.Cleanup(srv.Close)
	return fm, srv
}

func (fm *stallingFixMyStreet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fm.asked.Add(1)
	if fm.stall.Load() {
		fm.stalled <- struct{}{}
		defer func() {
			fm.mu.Lock()
			fm.finished = true
			fm.mu.Unlock()
		}()
		select {
		case <-fm.release:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write(fm.body)
}

func (fm *stallingFixMyStreet) done() bool {
	fm.mu.Lock()
	defer fm.mu.Unlock()
	return fm.finished
}

// runningEngine is an engine over a fresh database with potholes (and the
// FixMyStreet check) registered, running its jobs from Run's ticker as in
// production: a two-phase job's fetch goes on a goroutine of its own.
func runningEngine(t *testing.T, fmsURL string, deferDownloads bool) (*bot.Engine, *console.Console, sentTexts, *bot.ManualClock) {
	t.Helper()
	ctx := context.Background()
	cfg := testConfig()
	cfg.FixMyStreetBaseURL = fmsURL
	opts := harnessOptions(t, cfg, "")
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "bot.db"), opts.Migrations...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(io.Discard, clock)
	tr := sentTexts{Console: con, sent: make(chan string, 64)}
	e := bot.NewEngine(bot.Config{SyncSends: true, DeferDownloads: deferDownloads, JobInterval: time.Millisecond}, store, tr, clock)
	con.Attach(e)
	if err := opts.Register(&bottest.Harness{T: t, Engine: e, Store: store, Console: con, Transport: tr, Clock: clock}); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := con.RunScript(ctx, strings.NewReader(councilSetup), false); err != nil {
		t.Fatal(err)
	}
	drain(tr.sent)
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- e.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-ran; err != nil {
			t.Error(err)
		}
	})
	return e, con, tr, clock
}

func drain(c chan string) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// nextSent waits for the next text sent that contains want, skipping others.
func nextSent(t *testing.T, c <-chan string, want string) string {
	t.Helper()
	deadline := time.After(guard)
	for {
		select {
		case text := <-c:
			if strings.Contains(text, want) {
				return text
			}
		case <-deadline:
			t.Fatalf("nothing sent with %q", want)
		}
	}
}

func streetMessage(id, who, text string, at time.Time) *bot.Message {
	return &bot.Message{ID: id, Chat: bot.Chat{ID: "group:street", IsGroup: true}, Sender: bot.Sender{Addr: bot.Address(who), Name: who}, Text: text, Time: at}
}

// TestStalledFixMyStreetHoldsUpNoResident: the report is filed and the
// resident answered at once, before FixMyStreet has said anything; while
// FixMyStreet stalls, another resident's command is answered; once it
// answers, the follow-up is posted, once.
func TestStalledFixMyStreetHoldsUpNoResident(t *testing.T) {
	fm, srv := newStallingFixMyStreet(t)
	fm.stall.Store(true)
	e, _, tr, clock := runningEngine(t, srv.URL, false)
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()

	m := streetMessage("m1", "Alice", "!pothole outside no. 12 Elm Road, deep", clock.Now())
	m.Location = &bot.Location{Lat: 52.7069, Long: -2.7540}
	if err := e.DeliverMessage(ctx, m); err != nil {
		t.Fatal(err)
	}
	nextSent(t, tr.sent, "Logged P1")
	waitFor(t, fm.stalled, "the look-up")
	if err := e.DeliverMessage(ctx, streetMessage("m2", "Bob", "!potholes", clock.Now())); err != nil {
		t.Fatalf("a resident's command waited for FixMyStreet: %v", err)
	}
	nextSent(t, tr.sent, "P1")
	if fm.done() {
		t.Fatal("FixMyStreet's request ended before the command was answered")
	}
	select {
	case text := <-tr.sent:
		t.Fatalf("sent %q before FixMyStreet answered", text)
	default:
	}
	close(fm.release)
	nextSent(t, tr.sent, "About P1: FixMyStreet already has a report of this nearby, 40 m away")
	// Another round of messages and jobs: nothing more about it.
	if err := e.DeliverMessage(ctx, streetMessage("m3", "Bob", "!potholes", clock.Now())); err != nil {
		t.Fatal(err)
	}
	if text := nextSent(t, tr.sent, "P1"); strings.Contains(text, "FixMyStreet") {
		t.Fatalf("posted again: %q", text)
	}
	if n := fm.asked.Load(); n != 1 {
		t.Errorf("FixMyStreet asked %d times, want once", n)
	}
}

// TestPhotoReportLooksUpFixMyStreetOnce: a report with a photo is handled
// twice when the photo is downloaded after the message (the first pass is
// rolled back); the look-up, booked with the report, runs once.
func TestPhotoReportLooksUpFixMyStreetOnce(t *testing.T) {
	fm, srv := newStallingFixMyStreet(t)
	_, con, tr, _ := runningEngine(t, srv.URL, true)
	script := "Alice [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\n"
	if err := con.RunScript(context.Background(), strings.NewReader(script), false); err != nil {
		t.Fatal(err)
	}
	if text := nextSent(t, tr.sent, "Logged P1"); !strings.Contains(text, "with photo and location") {
		t.Errorf("filed without its photo: %q", text)
	}
	nextSent(t, tr.sent, "About P1: FixMyStreet already has a report of this nearby")
	if err := con.RunScript(context.Background(), strings.NewReader("Bob: !potholes\n"), false); err != nil {
		t.Fatal(err)
	}
	if text := nextSent(t, tr.sent, "P1"); strings.Contains(text, "FixMyStreet") {
		t.Fatalf("posted again: %q", text)
	}
	if n := fm.asked.Load(); n != 1 {
		t.Errorf("FixMyStreet asked %d times for one report, want once", n)
	}
}
