package notices

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot/console"
)

func TestFirstSeenTakesTheFutureAsNow(t *testing.T) {
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name              string
		sent, expires     time.Time
		wantSent, wantExp time.Time
		recorded          bool
	}{
		{"dated now", now, now.Add(48 * time.Hour), now, now.Add(48 * time.Hour), false},
		{"dated in the past", now.Add(-time.Hour), time.Time{}, now.Add(-time.Hour), time.Time{}, false},
		{"next year, lifetime kept", now.AddDate(1, 0, 0), now.AddDate(1, 0, 2), now, now.AddDate(0, 0, 2), true},
		{"future, no expiry", now.Add(time.Hour), time.Time{}, now, time.Time{}, true},
		{"future, expiry before the date", now.Add(30 * 24 * time.Hour), now.Add(2 * 24 * time.Hour), now, now.Add(2 * 24 * time.Hour), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := &Notice{Sent: tc.sent, Expires: tc.expires}
			got := firstSeen(n, now)
			if !n.Sent.Equal(tc.wantSent) || !n.Expires.Equal(tc.wantExp) || (got != "") != tc.recorded {
				t.Errorf("sent %v expires %v note %q; want %v, %v, recorded %v", n.Sent, n.Expires, got, tc.wantSent, tc.wantExp, tc.recorded)
			}
		})
	}
}

// TestFutureDatedFeedItem: a council feed item dated next year (a typo) is
// relayed now, expires expire_after from now, and the audit says so.
func TestFutureDatedFeedItem(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Roads</title>
<item><title>Belle Vue Road closed Tuesday</title><guid>roads-1</guid><pubDate>Tue, 05 Jan 2027 08:00:00 +0000</pubDate></item>
</channel></rss>`)
	}))
	defer srv.Close()
	cfg := testConfig()
	cfg.Feeds = []FeedConfig{{Name: "roads", URL: srv.URL, Topics: []string{"roads"}}}
	rg := newRig(t, cfg)
	rg.optIn("street", "SY3 7")
	ctx := context.Background()
	if n, err := rg.r.PollFeed(ctx, "roads"); err != nil || n != 1 {
		t.Fatalf("poll: %d, %v", n, err)
	}
	rg.runJobs()
	n, err := rg.r.st.notice(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	now := console.DefaultStart
	if !n.Sent.Equal(now) || !n.Expires.Equal(now.Add(cfg.Feeds[0].withFeedDefaults().ExpireAfter.D())) {
		t.Errorf("sent %v, expires %v; want now and expire_after from now", n.Sent, n.Expires)
	}
	if len(rg.tr.sent) != 1 {
		t.Errorf("%d sent, want the item relayed now", len(rg.tr.sent))
	}
	recs := rg.auditEvents("received")
	if len(recs) != 1 || !strings.Contains(recs[0].Detail, "dated 2027-01-05T08:00:00Z, in the future: taken as first seen at 2026-01-05T09:00:00Z") {
		t.Errorf("received audit %+v", recs)
	}
}
