package notices

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"neighbourbot/bot/bottest"
)

// A feed configured for the console is polled by @advance: its polls are
// jobs on the bot's clock. An outage is logged once and the items that
// arrive after it recover are relayed.
func TestConsoleAdvancePollsFeeds(t *testing.T) {
	grit := &feedServer{contentType: "application/rss+xml"}
	grit.file.Store("gritting.rss")
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "<html>maintenance</html>", http.StatusServiceUnavailable)
			return
		}
		grit.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.Feeds = []FeedConfig{{Name: "gritting updates", URL: srv.URL, Area: "SY3", Topics: []string{"gritting"}}}
	// The feed's first poll is due at start-up; nobody has opted in yet.
	down.Store(true)
	h := bottest.New(t, harnessOptions(cfg, nil))
	out := h.Run("@admin Alice\nAlice: !bot on\nAlice: !area SY3 7\nAlice: !notices on\n@advance 30m\n")
	if strings.Contains(out, "Gritting tonight") {
		t.Fatalf("relayed while the feed was down:\n%s", out)
	}
	down.Store(false)
	out = h.Run("@advance 1h\n")
	if !strings.Contains(out, "[street] bot: *Gritting tonight: priority routes from 6pm*") {
		t.Fatalf("@advance did not poll the feed:\n%s", out)
	}
	if n := strings.Count(h.Log.String(), "source failing"); n != 1 {
		t.Errorf("%d failure lines for one outage, want 1", n)
	}
	if !strings.Contains(h.Log.String(), "source recovered") {
		t.Error("no recovery line")
	}
	// A new item arrives; the next interval picks it up, the old ones are
	// not sent again.
	grit.file.Store("gritting_update.rss")
	out = h.Run("@advance 15m\n")
	if strings.Count(out, "Gritting tonight: priority routes") != 0 || !strings.Contains(out, "bot: *") {
		t.Fatalf("after the feed changed:\n%s", out)
	}
	// A restart resumes the schedule: no poll at start-up, the next one at
	// its time.
	full := grit.full.Load() + grit.not.Load()
	h.Restart()
	h.Engine.RunDueJobs(t.Context())
	if grit.full.Load()+grit.not.Load() != full {
		t.Error("the restart polled at once")
	}
	h.Run("@advance 15m\n")
	if grit.full.Load()+grit.not.Load() != full+1 {
		t.Errorf("after the restart: %d fetches, want %d", grit.full.Load()+grit.not.Load(), full+1)
	}
}
