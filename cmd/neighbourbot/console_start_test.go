package main

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// TestConsoleStartsAtTheScriptsTime: a script that starts with @time polls
// the council's feed first at that time, not at the default start (which
// would poll every hour of the month in between), and a feed item dated in
// the future is relayed as first seen, the audit saying so. The golden is
// the residents' transcript, then what the council's feed server saw and
// what the notice audit recorded.
func TestConsoleStartsAtTheScriptsTime(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items := ""
		if requests.Add(1) > 1 {
			// Published once Elm Road has opted in; the second item's
			// year is a typo.
			items = `<item><title>Bins a day late</title><guid>bins-1</guid><pubDate>Mon, 02 Feb 2026 09:30:00 +0000</pubDate></item>
<item><title>Belle Vue Road closed Tuesday</title><guid>roads-1</guid><pubDate>Tue, 02 Feb 2027 08:00:00 +0000</pubDate></item>`
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Shropshire Council news</title>`+items+`</channel></rss>`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	cfg := "[notices]\nsource_name = \"Shropshire Council\"\n\n[[notices.feeds]]\nname = \"news\"\nurl = \"" + srv.URL + "\"\ninterval = \"1h\"\ntopics = [\"bins\"]\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	script := "# February: the feed is first polled now, not on 5 January.\n@time 2026-02-02T09:00:00Z\n@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !area SY3 7\n@advance 1h\n"
	data := filepath.Join(dir, "data")
	out, errOut, code := runConsoleScript(t, data, script, "-config", cfgPath)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var b strings.Builder
	b.WriteString(out)
	fmt.Fprintf(&b, "\n# The council's feed server was asked %d times.\n# The notice audit:\n", requests.Load())
	db, err := sql.Open("sqlite3", filepath.Join(data, "console.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT n.title, n.received_at, a.detail FROM notices n JOIN notice_audit a ON a.notice_id = n.id AND a.event = 'received' ORDER BY n.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var title, detail string
		var received int64
		if err := rows.Scan(&title, &received, &detail); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s, received %s: %s\n", title, time.UnixMilli(received).UTC().Format(time.RFC3339), detail)
	}
	bottest.CompareGolden(t, "testdata/console_start/feed_at_script_time.golden", strings.ReplaceAll(b.String(), srv.URL, "SERVER"))
	if n := requests.Load(); n != 2 {
		t.Errorf("the feed was fetched %d times, want 2 (at 09:00 and 10:00 on 2 February)", n)
	}
}

// TestConsoleStartFlagPollsAtStart: -start does the same for a script
// without @time.
func TestConsoleStartFlagPollsAtStart(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>News</title></channel></rss>`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	cfg := "[[notices.feeds]]\nname = \"news\"\nurl = \"" + srv.URL + "\"\ninterval = \"1h\"\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runConsoleScript(t, filepath.Join(dir, "data"), "@advance 1h\n", "-config", cfgPath, "-start", "2026-02-02T09:00:00Z")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("the feed was fetched %d times, want 2", n)
	}
}
