package notices

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
)

// trickle serves a feed a few bytes at a time: it sends the start of the
// document, says so on started, and sends the rest only once release is
// closed — a council website that takes minutes over one page.
type trickle struct {
	armed    atomic.Bool // until then the site is down
	body     []byte
	started  chan struct{}
	release  chan struct{}
	finished chan struct{}
}

func (tr *trickle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !tr.armed.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write(tr.body[:40])
	w.(http.Flusher).Flush()
	tr.started <- struct{}{}
	select {
	case <-tr.release:
	case <-r.Context().Done():
		return
	}
	for i := 40; i < len(tr.body); i += 64 {
		w.Write(tr.body[i:min(i+64, len(tr.body))])
		w.(http.Flusher).Flush()
	}
	close(tr.finished)
}

// guard bounds a wait that only a stall could make long; the test checks
// the order of events, not their timing.
const guard = 30 * time.Second

// TestTricklingFeedHoldsUpNeitherWebhookNorResidents: while a feed poll is
// stuck on a server trickling its answer, a council's webhook POST is
// stored and answered and a resident's command is answered; the feed's own
// items are stored once the server finishes.
func TestTricklingFeedHoldsUpNeitherWebhookNorResidents(t *testing.T) {
	body, err := os.ReadFile("feeds/testdata/gritting.rss")
	if err != nil {
		t.Fatal(err)
	}
	tr := &trickle{body: body, started: make(chan struct{}, 1), release: make(chan struct{}), finished: make(chan struct{})}
	feedSrv := httptest.NewServer(tr)
	defer feedSrv.Close()
	defer close(tr.release)
	cfg := testConfig()
	cfg.FetchTimeout = bot.Duration(10 * time.Minute)
	cfg.Feeds = []FeedConfig{{Name: "gritting updates", URL: feedSrv.URL, Area: "SY3", Topics: []string{"gritting"}}}
	h, _, hook := webhookHarness(t, cfg)
	h.Run("@admin Alice\nAlice: !bot on\nAlice: !area SY3 7\nAlice: !notices on\n")

	// The site comes back; the poll after the back-off finds it trickling.
	tr.armed.Store(true)
	h.Clock.Set(h.Clock.Now().Add(2 * time.Hour))
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		h.Engine.RunDueJobs(context.Background())
	}()
	select {
	case <-tr.started:
	case <-time.After(guard):
		t.Fatal("the feed was not polled")
	}

	// The webhook: answered while the poll is still reading the feed.
	posted := make(chan int, 1)
	go func() {
		status, _ := post(t, hook, "Bearer "+testToken, `{"id":"road-1","title":"Road closed on Castle Street","topics":["roads"],"areas":["SY3"]}`)
		posted <- status
	}()
	select {
	case status := <-posted:
		if status != http.StatusAccepted {
			t.Fatalf("webhook answered %d during the poll", status)
		}
	case <-time.After(guard):
		t.Fatal("the webhook waited for the trickling feed")
	}
	// A resident's command: answered too.
	answered := make(chan string, 1)
	go func() { answered <- h.Run("Bob: !notices\n") }()
	select {
	case out := <-answered:
		if !strings.Contains(out, "bot:") {
			t.Fatalf("no answer to the command:\n%s", out)
		}
	case <-time.After(guard):
		t.Fatal("a resident's command waited for the trickling feed")
	}
	select {
	case <-tr.finished:
		t.Fatal("the feed finished before the webhook and the command were answered")
	case <-polled:
		t.Fatal("the poll ended before the feed was sent")
	default:
	}
	if n := countNotices(t, h); n != 1 {
		t.Fatalf("%d notices during the poll, want the webhook's 1", n)
	}

	tr.release <- struct{}{}
	select {
	case <-polled:
	case <-time.After(guard):
		t.Fatal("the poll did not finish")
	}
	if n := countNotices(t, h); n <= 1 {
		t.Fatalf("the feed's items were not stored once it finished: %d notices", n)
	}
}
