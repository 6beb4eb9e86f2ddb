package notices

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// feedServer serves a fixture with an ETag, answers 304 to a matching
// If-None-Match, and counts full fetches and 304s.
type feedServer struct {
	file        atomic.Value // fixture name
	full, not   atomic.Int32
	contentType string
}

func (fs *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := fs.file.Load().(string)
	etag := `"` + name + `"`
	if r.Header.Get("If-None-Match") == etag {
		fs.not.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, err := os.ReadFile("feeds/testdata/" + name)
	if err != nil {
		body = []byte(name) // not a fixture: serve the text itself
	}
	fs.full.Add(1)
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", fs.contentType)
	w.Write(body)
}

func TestFeedPollingEndToEnd(t *testing.T) {
	grit := &feedServer{contentType: "application/rss+xml"}
	grit.file.Store("gritting.rss")
	bins := &feedServer{contentType: "application/atom+xml"}
	bins.file.Store("bins.atom")
	gritSrv, binsSrv := httptest.NewServer(grit), httptest.NewServer(bins)
	defer gritSrv.Close()
	defer binsSrv.Close()

	cfg := testConfig()
	cfg.SendBatch = 50
	cfg.Feeds = []FeedConfig{
		{Name: "gritting updates", URL: gritSrv.URL, Area: "SY3",
			Rules: []KeywordRule{{Match: "grit|gritting|salt", Topic: "gritting"}, {Match: "road|roads", Topic: "roads"}}},
		{Name: "bin collections", URL: binsSrv.URL, Topics: []string{"bins"}, ExpireAfter: bot.Duration(7 * 24 * time.Hour)},
	}
	rg := newRig(t, cfg)
	rg.optIn("street", "SY3 7")
	if err := saveGroupPrefs(context.Background(), rg.store.Raw(), groupPrefs{Chat: "street", Enabled: true, Topics: []string{"gritting"}, DigestAt: -1}, rg.clock.Now()); err != nil {
		t.Fatal(err)
	}
	rg.optIn("binsonly", "TF1")
	if err := saveGroupPrefs(context.Background(), rg.store.Raw(), groupPrefs{Chat: "binsonly", Enabled: true, Topics: []string{"bins"}, DigestAt: -1}, rg.clock.Now()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if n, err := rg.r.PollFeed(ctx, "gritting updates"); err != nil || n != 2 {
		t.Fatalf("first gritting poll: %d new, %v", n, err)
	}
	if n, err := rg.r.PollFeed(ctx, "bin collections"); err != nil || n != 2 {
		t.Fatalf("first bins poll: %d new, %v", n, err)
	}
	rg.runJobs()
	got := map[string][]string{}
	for _, m := range rg.tr.sent {
		title, _, _ := strings.Cut(m.Text, "\n")
		got[string(m.Chat)] = append(got[string(m.Chat)], title)
	}
	// The bins feed's December item is past its expire_after of 7 days.
	want := map[string][]string{
		"street":   {"*Gritting tonight: priority routes from 6pm*", "*Salt bins refilled in Church Stretton & the Strettons*"},
		"binsonly": {"*Collections running a day late after New Year*"},
	}
	for chat, titles := range want {
		if strings.Join(got[chat], "|") != strings.Join(titles, "|") {
			t.Errorf("%s got %q, want %q", chat, got[chat], titles)
		}
	}
	first := rg.tr.sent[0].Text
	for _, part := range []string{"gritting routes map (https://www.shropshire.gov.uk/roads-and-highways/winter-gritting/gritting-routes/)",
		"\nhttps://www.shropshire.gov.uk/news/2026/01/gritting-tonight-5-january/\n", "From Shropshire Council — gritting updates"} {
		if !strings.Contains(first, part) {
			t.Errorf("relayed text lacks %q:\n%s", part, first)
		}
	}
	n, err := rg.r.st.noticeByIdentifier(ctx, "feed:gritting updates", "shropshire-gritting-2026-01-05-1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(n.Topics, ",") != "gritting,roads" || strings.Join(n.Areas, ",") != "SY3" {
		t.Errorf("tags %v areas %v", n.Topics, n.Areas)
	}

	// Unchanged feed: 304, nothing new.
	if n, err := rg.r.PollFeed(ctx, "gritting updates"); err != nil || n != 0 {
		t.Fatalf("second poll: %d new, %v", n, err)
	}
	// The scheduled poll booked at start-up ran in runJobs: a 304 too.
	if grit.full.Load() != 1 || grit.not.Load() != 2 {
		t.Errorf("fetches: %d full, %d not modified; want 1 and 2", grit.full.Load(), grit.not.Load())
	}
	// The feed changes: only the new item is new, the GUID-less one keeps its derived id.
	grit.file.Store("gritting_update.rss")
	if n, err := rg.r.PollFeed(ctx, "gritting updates"); err != nil || n != 1 {
		t.Fatalf("updated feed: %d new, %v", n, err)
	}
	// A broken feed is an error for the log; the state records it and the
	// next good fetch works.
	grit.file.Store(`<rss><channel><item><title>broken`)
	if _, err := rg.r.PollFeed(ctx, "gritting updates"); err == nil {
		t.Fatal("malformed feed gave no error")
	}
	st, _ := rg.r.st.feedState(ctx, "gritting updates")
	if st.Failures != 1 || !strings.Contains(st.LastStatus, "parse feed") {
		t.Errorf("feed state after failure %+v", st)
	}
	grit.file.Store("gritting.rss")
	if n, err := rg.r.PollFeed(ctx, "gritting updates"); err != nil || n != 0 {
		t.Fatalf("after recovery: %d new, %v", n, err)
	}
	var stored int
	rg.store.Raw().QueryRow(`SELECT COUNT(*) FROM notices`).Scan(&stored)
	if stored != 5 {
		t.Errorf("%d notices stored, want 5 (3 gritting + 2 bins, nothing twice)", stored)
	}
}

func TestFeedTimeoutKeepsRelayRunning(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer slow.Close()
	cfg := testConfig()
	cfg.FetchTimeout = bot.Duration(time.Second)
	cfg.Feeds = []FeedConfig{{Name: "slow", URL: slow.URL}}
	rg := newRig(t, cfg)
	if _, err := rg.r.PollFeed(context.Background(), "slow"); err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("timeout error = %v", err)
	}
	// As a scheduled job the failure is the poller's: the job succeeds, the
	// next poll is booked after the back-off.
	if err := rg.r.poller.PollNow(context.Background(), "feed:slow"); err != nil {
		t.Fatalf("poll job failed: %v", err)
	}
	st, err := rg.r.poller.State(context.Background(), "feed:slow")
	if err != nil || st.Failures != 1 || !strings.Contains(st.LastError, "deadline") {
		t.Fatalf("poll state %+v %v", st, err)
	}
}

func TestCommandLineApprovalAndAudit(t *testing.T) {
	cfg := testConfig()
	cfg.RequireApproval = true
	rg := newRig(t, cfg)
	rg.optIn("street", "SY3 7")
	res := rg.submit(`{"id":"c1","title":"Consultation: library hours","topics":["consultations"]}`)
	if res.State != StateAwaitingApproval {
		t.Fatalf("state %s", res.State)
	}
	rg.submit(`{"id":"c2","title":"Not for groups","topics":["events"]}`)
	rg.runJobs()
	if len(rg.tr.sent) != 0 {
		t.Fatal("sent before approval")
	}
	// The command line works on the database alone, as another process.
	cli := NewGovernance(rg.store, cfg, rg.clock.Now)
	pending, err := cli.Pending(context.Background())
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending %v %v", pending, err)
	}
	previews, err := PendingPreviews(context.Background(), rg.store, cfg, "!", time.UTC, rg.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WritePreviews(&out, previews, "!", time.UTC); err != nil || !strings.Contains(out.String(), "#1 from ") || !strings.Contains(out.String(), "> *Consultation: library hours*") {
		t.Errorf("pending listing %q %v", out.String(), err)
	}
	who := Approver{Key: "cli:officer", Name: "officer (command line)"}
	if _, err := cli.Approve(context.Background(), 1, who); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Reject(context.Background(), 2, who, "not council business"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Approve(context.Background(), 2, who); err == nil {
		t.Fatal("approving a rejected notice worked")
	} else if msg, ok := bot.UserMessage(err); !ok || !strings.Contains(msg, "rejected") {
		t.Errorf("message %q", msg)
	}
	rg.runJobs() // the running bot picks the approval up from the database
	if len(rg.tr.sent) != 1 || !strings.Contains(rg.tr.sent[0].Text, "library hours") {
		t.Fatalf("sent %+v", rg.tr.sent)
	}

	recs, err := cli.Audit(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, r := range recs {
		if r.NoticeID == 1 {
			events = append(events, r.Event+"/"+r.Actor+"/"+r.Target)
		}
	}
	want := "received/webhook/ approvers_told/bot/ approved/officer (command line)/ released/officer (command line)/ planned/bot/ delivered/bot/street"
	if strings.Join(events, " ") != want {
		t.Errorf("audit of #1:\n got %s\nwant %s", strings.Join(events, " "), want)
	}
	out.Reset()
	if err := WriteAudit(&out, recs, true); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(recs)+1 || strings.Join(rows[0], ",") != "time,notice,event,actor,target,detail" {
		t.Errorf("csv header %v, %d rows for %d records", rows[0], len(rows), len(recs))
	}
	last := rows[len(rows)-1]
	if last[0] != "2026-01-05T09:00:00Z" || last[2] != "delivered" || last[4] != "street" {
		t.Errorf("last csv row %v", last)
	}
	later, err := cli.Audit(context.Background(), rg.clock.Now().Add(time.Minute))
	if err != nil || len(later) != 0 {
		t.Errorf("--since after everything gave %d records, %v", len(later), err)
	}
}

func TestPersonalData(t *testing.T) {
	var r *Feature
	h := bottest.New(t, harnessOptions(testConfig(), &r))
	h.Run("dm Bob: !subscribe gritting SY3\n@notice {\"id\":\"g\",\"title\":\"Gritting\",\"topics\":[\"gritting\"],\"areas\":[\"SY3 7\"]}\n")
	bob, err := h.Store.PersonByAddr(context.Background(), "Bob")
	if err != nil {
		t.Fatal(err)
	}
	dp := dataProvider{r}
	lines, err := dp.DescribePerson(context.Background(), bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lines, " ") != "Subscribed to gritting notices for SY3. 1 council notice sent to you by direct message." {
		t.Errorf("describe: %q", lines)
	}
	summary, err := dp.ForgetPerson(context.Background(), bob.ID)
	if err != nil || !strings.Contains(summary, "1 notice subscription deleted") {
		t.Fatalf("forget: %q %v", summary, err)
	}
	out := h.Run("@notice {\"id\":\"g2\",\"title\":\"Gritting again\",\"topics\":[\"gritting\"],\"areas\":[\"SY3 7\"]}\n")
	if strings.Contains(out, "[dm Bob]") {
		t.Errorf("forgotten subscriber still messaged:\n%s", out)
	}
}

// TestLongFeedIngestedAcrossFetches: a feed listing more new items than
// one fetch may take keeps its validators unsaved until every item is in,
// so the next fetch gets the body again (not "not modified") and the rest.
func TestLongFeedIngestedAcrossFetches(t *testing.T) {
	const total = maxItemsPerFetch + 10
	var body strings.Builder
	body.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Shropshire Council — road closures</title><link>https://www.shropshire.gov.uk/roads/</link>
`)
	published := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	for i := range total {
		fmt.Fprintf(&body, `<item><title>Road closure %d: resurfacing</title><guid isPermaLink="false">shropshire-roads-%03d</guid>
<link>https://www.shropshire.gov.uk/roads/closures/%d/</link><pubDate>%s</pubDate><description>Closed 9:30am to 3:30pm for resurfacing.</description></item>
`, i+1, i+1, i+1, published.Add(-time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	}
	body.WriteString("</channel></rss>\n")
	var full, notModified atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"roads-v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", `"roads-v1"`)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, body.String())
	}))
	defer srv.Close()

	cfg := testConfig()
	cfg.Feeds = []FeedConfig{{Name: "roads", URL: srv.URL, Topics: []string{"roads"}}}
	rg := newRig(t, cfg)
	ctx := context.Background()
	stored := func() int {
		var n int
		if err := rg.store.Raw().QueryRow(`SELECT COUNT(*) FROM notices WHERE source = 'feed:roads'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if n, err := rg.r.PollFeed(ctx, "roads"); err != nil || n != maxItemsPerFetch {
		t.Fatalf("first poll: %d new, %v; want %d", n, err, maxItemsPerFetch)
	}
	if st, _ := rg.r.st.feedState(ctx, "roads"); st.ETag != "" || !strings.Contains(st.LastStatus, "more next time") {
		t.Errorf("feed state after a partial ingest: %+v", st)
	}
	if n, err := rg.r.PollFeed(ctx, "roads"); err != nil || n != total-maxItemsPerFetch {
		t.Fatalf("second poll: %d new, %v; want %d", n, err, total-maxItemsPerFetch)
	}
	if got := stored(); got != total {
		t.Errorf("%d notices stored, want all %d items", got, total)
	}
	if n, err := rg.r.PollFeed(ctx, "roads"); err != nil || n != 0 {
		t.Fatalf("third poll: %d new, %v", n, err)
	}
	if full.Load() != 2 || notModified.Load() != 1 {
		t.Errorf("fetches: %d full, %d not modified; want 2 and 1", full.Load(), notModified.Load())
	}
	if got := stored(); got != total {
		t.Errorf("%d notices stored after the last poll, want %d", got, total)
	}
}
