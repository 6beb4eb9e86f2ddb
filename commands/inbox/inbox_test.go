package inbox

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

func TestParseHours(t *testing.T) {
	tests := []struct {
		in, text, err string
	}{
		{"Mon-Fri 09:00-17:00", "Mon–Fri 9am–5pm", ""},
		{"Mon-Thu 09:00-17:00, Fri 09:00-16:30", "Mon–Thu 9am–5pm, Fri 9am–4:30pm", ""},
		{"sat 10:00-12:00", "Sat 10am–12pm", ""},
		{"Fri-Mon 08:30-20:00", "Fri–Mon 8:30am–8pm", ""},
		{"", "", ""},
		{"Mon-Fri 9-5", "", "times are written"},
		{"Mon-Fri 17:00-09:00", "", "after the opening"},
		{"Weekdays 09:00-17:00", "", "not a day"},
		{"Mon-Someday 09:00-17:00", "", "not a range of days"},
		{"Mon-Fri", "", "days then times"},
		{"Mon-Fri 09:00-25:00", "", "times are written"},
	}
	for _, tt := range tests {
		h, err := ParseHours(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseHours(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || h.Text() != tt.text {
			t.Errorf("ParseHours(%q) = %q, %v; want %q", tt.in, h.Text(), err, tt.text)
		}
	}
}

func TestCalendarOpenAndNext(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/London")
	h, _ := ParseHours("Mon-Fri 09:00-17:00")
	c := calendar{hours: h, loc: loc, closed: map[string]string{"2026-04-03": "Good Friday, a bank holiday", "2026-04-06": "Easter Monday, a bank holiday"}}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range []struct {
		when string
		open bool
		next string
	}{
		{"2026-01-05 09:00", true, "2026-01-06 09:00"},
		{"2026-01-05 16:59", true, "2026-01-06 09:00"},
		{"2026-01-05 17:00", false, "2026-01-06 09:00"},
		{"2026-01-05 08:59", false, "2026-01-05 09:00"},
		{"2026-01-10 12:00", false, "2026-01-12 09:00"}, // Saturday
		{"2026-04-02 18:00", false, "2026-04-07 09:00"}, // before Easter
		{"2026-04-03 10:00", false, "2026-04-07 09:00"}, // Good Friday
		{"2026-06-01 12:00", true, "2026-06-02 09:00"},  // BST
	} {
		now := at(tt.when)
		if got := c.open(now); got != tt.open {
			t.Errorf("open(%s) = %v", tt.when, got)
		}
		next, ok := c.nextOpen(now)
		if !ok || !next.Equal(at(tt.next)) {
			t.Errorf("nextOpen(%s) = %v %v, want %s", tt.when, next.In(loc), ok, tt.next)
		}
	}
	if always := (calendar{loc: loc}); !always.open(at("2026-01-10 03:00")) {
		t.Error("no hours means always open")
	}
}

func TestKeywords(t *testing.T) {
	for _, tt := range []struct {
		text, kw string
		want     bool
	}{
		{"My BIN wasn't collected!", "bin wasn't collected", true},
		{"the bins were missed", "bin", true},
		{"a cabinet", "bin", false},
		{"Cllr Smith please", "cllr", true},
		{"pot hole", "pothole", false},
		{"Café closed", "cafe", true},
	} {
		if got := matches(words(tt.text), tt.kw); got != tt.want {
			t.Errorf("matches(%q, %q) = %v", tt.text, tt.kw, got)
		}
	}
	for _, s := range []string{"thanks!", "OK cheers", "👍", "thank you so much"} {
		if !thanks(s) {
			t.Errorf("thanks(%q) = false", s)
		}
	}
	for _, s := range []string{"thanks but the bin is still there", "no", ""} {
		if thanks(s) {
			t.Errorf("thanks(%q) = true", s)
		}
	}
}

// TestBankHolidaysLastGoodCopy: the first fetch is kept; when GOV.UK is
// down, or sends a broken file, the kept copy still closes the office.
func TestBankHolidaysLastGoodCopy(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "bank-holidays.json"))
	if err != nil {
		t.Fatal(err)
	}
	var mode atomic.Int32 // 0 good, 1 down, 2 broken
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch mode.Load() {
		case 1:
			http.Error(w, "down", http.StatusServiceUnavailable)
		case 2:
			w.Write([]byte(`{"england-and-wales": {"events": [{"title": "x", "date": "soon"}]}}`))
		default:
			w.Write(data)
		}
	}))
	defer srv.Close()
	h := bottest.New(t, options(t, testConfig(srv.URL), ""))
	h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\n")
	if hits.Load() != 1 {
		t.Fatalf("fetched %d times at start, want 1", hits.Load())
	}
	mode.Store(1)
	h.Run("@advance 25h\n")
	mode.Store(2)
	h.Run("@advance 24h\n")
	if hits.Load() != 3 {
		t.Errorf("fetched %d times after two days, want 3 (daily)", hits.Load())
	}
	if !strings.Contains(h.Log.String(), "using the last good copy") {
		t.Errorf("the failed refresh is not logged:\n%s", h.Log.String())
	}
	out := h.Run("@time 2026-04-03T10:00:00+01:00\ndm Erin: hello\n")
	if !strings.Contains(out, "We're closed today (Good Friday, a bank holiday)") {
		t.Errorf("the kept copy was not used:\n%s", out)
	}
}

// TestBankHolidaysNeverFetched: with no copy at all the office follows its
// hours alone and the bot says nothing wrong.
func TestBankHolidaysNeverFetched(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	h := bottest.New(t, options(t, testConfig(srv.URL), ""))
	out := h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\n@time 2026-04-03T10:00:00+01:00\ndm Erin: hello\n")
	if !strings.Contains(out, "The team answers Mon–Fri 9am–5pm") || !strings.Contains(h.Log.String(), "no copy is kept yet") {
		t.Errorf("out:\n%s\nlog:\n%s", out, h.Log.String())
	}
}

var digits = regexp.MustCompile(`\d{6,}`)

// TestNoPhoneNumbersForStaff drives the engine with WhatsApp-style
// addresses: staff posts, histories, lists and the audit never show the
// resident's number, even when their name is a number.
func TestNoPhoneNumbersForStaff(t *testing.T) {
	srv := recordedHolidays(t)
	cfg := testConfig(srv.URL)
	cfg.StaffChat = "120363000000000001@g.us"
	h := bottest.New(t, bottest.Options{
		Migrations: options(t, cfg, "").Migrations,
		Register: func(h *bottest.Harness) error {
			return Register(h.Kit("inbox"), cfg, Deps{MediaDir: t.TempDir(), Location: time.UTC})
		},
	})
	ctx := context.Background()
	staff := bot.Chat{ID: bot.ChatID(cfg.StaffChat), IsGroup: true, Name: "Council staff"}
	resident := bot.Sender{Addr: "447700900123@s.whatsapp.net", Alt: "123456789012345@lid", Name: "+44 7700 900123"}
	sam := bot.Sender{Addr: "447700900555@s.whatsapp.net", Name: "Sam"}
	// The staff group opts in; the console does not know it, so its posts
	// fail at the transport and wait (see TestStaffChatUnreachable); here
	// the texts are read from the queue and the history.
	if err := h.Store.SaveGroupSettings(ctx, bot.GroupSettings{Chat: staff.ID, Name: "Council staff", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	h.Engine.HandleMessage(ctx, &bot.Message{ID: "m1", Chat: bot.Chat{ID: bot.ChatID(resident.Addr)}, Sender: resident, Text: "my number is in my name"})
	f := featureOf(t, h)
	tk, err := f.st.byNumber(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	items, err := f.st.pendingPosts(ctx, 10)
	if err != nil || len(items) != 1 {
		t.Fatalf("queued posts %v %v", items, err)
	}
	outs, err := f.buildPost(ctx, tk, items[0], staff.ID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, o := range outs {
		texts = append(texts, o.Text)
	}
	h.Engine.HandleMessage(ctx, &bot.Message{ID: "m2", Chat: staff, Sender: sam, Text: "!ticket C1"})
	h.Engine.HandleMessage(ctx, &bot.Message{ID: "m3", Chat: staff, Sender: sam, Text: "!tickets"})
	texts = append(texts, f.history(ctx, tk, true))
	entries, err := h.Store.AuditLog(ctx, staff.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		texts = append(texts, e.ActorName+" "+e.TargetName+" "+e.Detail)
	}
	var buf bytes.Buffer
	if err := Export(ctx, h.Store.DB(), &buf, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	texts = append(texts, buf.String(), h.Log.String())
	for _, s := range texts {
		if digits.MatchString(strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "120363000000000001", "")) {
			t.Errorf("a number shows: %q", s)
		}
	}
	if !strings.Contains(texts[0], "New ticket C1 · a neighbour") {
		t.Errorf("post = %q", texts[0])
	}
}

// featureOf digs the registered feature out through a fresh Register on
// the same engine parts.
func featureOf(t *testing.T, h *bottest.Harness) *Feature {
	t.Helper()
	k := h.Kit("inbox")
	return &Feature{clock: k.Clock, lg: k.Log, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, auditLog: k.Audit, groups: k.Groups, attachments: k.Attachments, reg: k.Reg, st: &store{db: h.Store.DB()}, cfg: DefaultConfig(), loc: time.UTC,
		desks: []deskInfo{{chat: "120363000000000001@g.us"}}, staff: map[bot.ChatID]bool{"120363000000000001@g.us": true}}
}

// TestStaffChatUnreachable: while the bot cannot post in the staff group
// the tickets wait in order, and go out when it can.
func TestStaffChatUnreachable(t *testing.T) {
	srv := recordedHolidays(t)
	h := bottest.New(t, options(t, testConfig(srv.URL), ""))
	// The console group "staff" does not exist yet: posting there fails.
	out := h.Run("dm Erin: first\ndm Erin: second\n@advance 6m\n")
	if strings.Contains(out, "[staff]") || !strings.Contains(out, "this is C1") {
		t.Fatalf("posted to a group that does not exist, or no ticket:\n%s", out)
	}
	if !strings.Contains(h.Log.String(), "staff chat unreachable") || !strings.Contains(h.Log.String(), "waiting=") {
		t.Errorf("the wait is not logged:\n%s", h.Log.String())
	}
	health := &bot.Health{}
	health.Ready("council inbox", featureOf(t, h).readyProbe)
	if err := health.CheckReady(context.Background()); err == nil || !strings.Contains(err.Error(), "council inbox: 2 ticket posts waiting for the staff group since Mon 5 Jan 09:00") {
		t.Errorf("readiness: %v", err)
	}
	out = h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\n@advance 2m\n")
	if err := health.CheckReady(context.Background()); err != nil {
		t.Errorf("readiness after the posts went: %v", err)
	}
	i, j := strings.Index(out, "New ticket C1 · Erin:\n    first"), strings.Index(out, "C1 · Erin:\n    second")
	if i < 0 || j < i {
		t.Errorf("waiting posts not sent in order:\n%s", out)
	}
}

func TestExportByDesk(t *testing.T) {
	srv := recordedHolidays(t)
	h := bottest.New(t, options(t, deskConfig(srv.URL), ""))
	h.Run(`@group roads Highways
@admin Hari
Hari: !bot on
@group staff Council staff
@admin Sam
Sam: !bot on
dm Erin: pothole on Elm Road
dm Frank: a deep pothole by the school
@advance 30m
@group roads
Hari: !reply C1 on the list
@advance 90m
Hari: !close C1
dm Gina: hello
dm Gina: 1
`)
	var buf bytes.Buffer
	if err := Export(context.Background(), h.Store.DB(), &buf, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if len(recs) != 4 || recs[1][0] != "C1" || recs[1][1] != "Highways" || recs[1][5] != "30" || recs[1][7] != "120" || recs[1][8] != "staff" || recs[1][10] != "1" {
		t.Errorf("tickets csv:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "Erin") || strings.Contains(buf.String(), "pothole") {
		t.Errorf("the export holds a name or words:\n%s", buf.String())
	}
	buf.Reset()
	if err := Export(context.Background(), h.Store.DB(), &buf, ExportOptions{ByDesk: true}); err != nil {
		t.Fatal(err)
	}
	want := "desk,tickets,open,closed,answered,median_minutes_to_first_reply,median_minutes_to_close,median_working_minutes_to_first_reply,median_working_minutes_to_close\n" +
		"General enquiries,1,1,0,0,,,,\nHighways,2,1,1,1,30,120,30,120\n"
	if buf.String() != want {
		t.Errorf("by desk:\n%s\nwant:\n%s", buf.String(), want)
	}
}

// TestRetentionPurgesClosedTickets: a closed ticket goes with its file
// after retention_days; open ones and their files stay.
func TestRetentionPurgesClosedTickets(t *testing.T) {
	srv := recordedHolidays(t)
	cfg := testConfig(srv.URL)
	cfg.RetentionDays = 30
	dir := filepath.Join(t.TempDir(), "inbox")
	h := bottest.New(t, options(t, cfg, dir))
	h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\ndm Erin [photo]: old one\ndm Erin: !close\ndm Dave [photo]: still open\n")
	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Fatalf("%d media files, want 2", len(files))
	}
	h.Run("@advance 29d\n")
	if files, _ := os.ReadDir(dir); len(files) != 2 {
		t.Fatalf("purged too early: %d files", len(files))
	}
	h.Run("@advance 2d\n")
	files, _ = os.ReadDir(dir)
	var n int
	if err := h.Store.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM inbox_tickets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || n != 1 {
		t.Errorf("after retention: %d files, %d tickets; want 1 and 1 (the open one)", len(files), n)
	}
	if st, err := os.Stat(filepath.Join(dir, files[0].Name())); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("media file mode %v %v, want 0600", st.Mode().Perm(), err)
	}
}

// TestMediaCapRefusedBeforeDownload: a file whose declared size is over
// the cap is refused without asking the transport for it.
func TestMediaCapRefusedBeforeDownload(t *testing.T) {
	srv := recordedHolidays(t)
	h := bottest.New(t, options(t, testConfig(srv.URL), ""))
	h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\n")
	// No Handle: a download would fail with "no content", not "too big".
	h.Engine.HandleMessage(context.Background(), &bot.Message{ID: "v1", Chat: bot.Chat{ID: "Erin"}, Sender: bot.Sender{Addr: "Erin", Name: "Erin"},
		Media: &bot.Media{Kind: bot.MediaVideo, MimeType: "video/mp4", Size: 40 << 20}})
	if out := h.Out.String(); !strings.Contains(out, "That video is too big for me to pass on (40 MB; the limit is 5 MB)") {
		t.Errorf("out:\n%s", out)
	}
}

// TestMissingMediaFileDoesNotBlockPosts: a stored file that vanished
// before its post went is posted as words, and the posts behind it follow.
func TestMissingMediaFileDoesNotBlockPosts(t *testing.T) {
	srv := recordedHolidays(t)
	dir := filepath.Join(t.TempDir(), "inbox")
	h := bottest.New(t, options(t, testConfig(srv.URL), dir))
	h.Run("dm Erin [voice 7s]: listen\ndm Erin: and this\n")
	files, _ := os.ReadDir(dir)
	for _, f := range files {
		os.Remove(filepath.Join(dir, f.Name()))
	}
	out := h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\n@advance 2m\n")
	if !strings.Contains(out, "(the voice note could not be found on the bot's disk)") || !strings.Contains(out, "C1 · Erin:\n    and this") {
		t.Errorf("posts after a missing file:\n%s", out)
	}
}

// TestOneDeskGroupDownOthersPost: a desk whose group is unreachable holds
// up only its own posts.
func TestOneDeskGroupDownOthersPost(t *testing.T) {
	srv := recordedHolidays(t)
	h := bottest.New(t, options(t, deskConfig(srv.URL), ""))
	// "roads" (Highways) does not exist yet; "staff" does.
	out := h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\ndm Erin: a pothole on Elm Road\ndm Gina: a question for cllr Smith\n")
	if !strings.Contains(out, "[staff] bot: New ticket C2 · Gina") || strings.Contains(out, "New ticket C1") {
		t.Fatalf("posts:\n%s", out)
	}
	out = h.Run("@group roads Highways\n@admin Hari\nHari: !bot on\n@advance 2m\n")
	if !strings.Contains(out, "[roads] bot: New ticket C1 · Erin · Highways") {
		t.Errorf("the waiting Highways post did not follow:\n%s", out)
	}
}

// TestHugeTextReachesStaffWhole: a very long message is kept whole and
// reaches the staff group in parts that each fit a post.
func TestHugeTextReachesStaffWhole(t *testing.T) {
	srv := recordedHolidays(t)
	h := bottest.New(t, options(t, testConfig(srv.URL), ""))
	h.Run("@group staff Council staff\n@admin Sam\nSam: !bot on\n")
	long := strings.Repeat("the drain on Elm Road overflows again ", 250) // 9,500 characters
	out := h.Run("dm Erin: " + long + "END\n")
	var got strings.Builder
	posts := 0
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "[staff] bot: ") {
			posts++
		}
		if strings.HasPrefix(line, "[staff] bot: ") || strings.HasPrefix(line, "    ") {
			got.WriteString(line + "\n")
		}
	}
	if posts != 3 || !strings.Contains(got.String(), "END") {
		t.Errorf("%d staff posts (want 3), end shown: %v", posts, strings.Contains(got.String(), "END"))
	}
	for _, p := range strings.Split(got.String(), "[staff] bot: ") {
		if n := len([]rune(p)); n > maxPostRunes+200 {
			t.Errorf("a post of %d characters", n)
		}
	}
	if !strings.Contains(out, "this is C1") || strings.Contains(out, "kept the first") {
		t.Errorf("the resident's reply:\n%.300s", out)
	}
}

// TestTranscriptsShowNoPhoneNumbers scans every golden transcript.
func TestTranscriptsShowNoPhoneNumbers(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*", "*.golden"))
	if len(files) < 5 {
		t.Fatalf("only %d transcripts", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if digits.Match(data) || bytes.Contains(data, []byte("@s.whatsapp.net")) {
			t.Errorf("%s shows a number", f)
		}
	}
}

func TestFirstWord(t *testing.T) {
	for _, tt := range []struct{ in, a, b string }{
		{"C12 the answer", "C12", "the answer"},
		{"C12\nDear Erin,\nthanks", "C12", "Dear Erin,\nthanks"},
		{"  C3  ", "C3", ""},
		{"", "", ""},
	} {
		if a, b := firstWord(tt.in); a != tt.a || b != tt.b {
			t.Errorf("firstWord(%q) = %q, %q", tt.in, a, b)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		mod  func(c *Config)
		want string
	}{
		{"defaults", func(c *Config) {}, ""},
		{"enabled without staff chat", func(c *Config) { c.Enabled = true }, "staff_chat"},
		{"enabled, every desk has a chat", func(c *Config) {
			c.Enabled = true
			c.Desks = []Desk{{Name: "A", StaffChat: "1@g.us"}, {Name: "B", StaffChat: "2@g.us"}}
		}, ""},
		{"bad closed day", func(c *Config) { c.ClosedDays = []string{"24/12/2026"} }, "closed_days"},
		{"bad division", func(c *Config) { c.BankHolidays = "wales" }, "bank_holidays"},
		{"media cap", func(c *Config) { c.MaxMediaMB = 20 }, "max_media_mb"},
		{"ten desks", func(c *Config) {
			for i := 0; i < 10; i++ {
				c.Desks = append(c.Desks, Desk{Name: string(rune('A' + i))})
			}
		}, "at most 9"},
		{"duplicate desk", func(c *Config) { c.Desks = []Desk{{Name: "Roads"}, {Name: "roads"}} }, "twice"},
		{"answer without keywords", func(c *Config) { c.Answers = []Answer{{Text: "x"}} }, "keyword"},
		{"answer link", func(c *Config) { c.Answers = []Answer{{Keywords: []string{"bin"}, Text: "x", Link: "example.com"}} }, "link"},
		{"reopen off", func(c *Config) { c.ReopenWithin = "off" }, ""},
		{"reopen 48h", func(c *Config) { c.ReopenWithin = "48h" }, ""},
		{"reopen nonsense", func(c *Config) { c.ReopenWithin = "a week" }, "reopen_within"},
		{"reopen a year", func(c *Config) { c.ReopenWithin = "52w" }, "reopen_within"},
		{"menu too quick", func(c *Config) { c.MenuTimeout = "1m" }, "menu_timeout"},
		{"default desk named", func(c *Config) {
			c.Desks = []Desk{{Name: "Roads"}, {Name: "General"}}
			c.DefaultDesk = "general"
		}, ""},
		{"default desk unknown", func(c *Config) {
			c.Desks = []Desk{{Name: "Roads"}, {Name: "General"}}
			c.DefaultDesk = "Parks"
		}, "default_desk \"Parks\" is not one of the desks (Roads, General)"},
		{"targets off", func(c *Config) { c.ReplyTarget, c.CloseTarget = "", "" }, ""},
		{"reply target nonsense", func(c *Config) { c.ReplyTarget = "soon" }, "reply_target \"soon\""},
		{"close target too long", func(c *Config) { c.CloseTarget = "100d" }, "close_target"},
		{"a desk's own target", func(c *Config) {
			c.Desks = []Desk{{Name: "Roads", ReplyTarget: "30m"}, {Name: "General", CloseTarget: "0"}}
		}, "desks[1].close_target"},
	} {
		c := DefaultConfig()
		tt.mod(&c)
		err := c.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
