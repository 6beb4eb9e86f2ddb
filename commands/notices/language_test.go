package notices

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

func TestParseLanguage(t *testing.T) {
	tests := []struct {
		in   string
		want Language
		ok   bool
	}{
		{"english", LangEnglish, true},
		{"English", LangEnglish, true},
		{"saesneg", LangEnglish, true},
		{"en", LangEnglish, true},
		{"welsh", LangWelsh, true},
		{"Cymraeg", LangWelsh, true},
		{"cy", LangWelsh, true},
		{"both", LangBoth, true},
		{"y ddwy", LangBoth, true},
		{"Y  DDWY", LangBoth, true},
		{"y ddau", LangBoth, true},
		{"dwyieithog", LangBoth, true},
		{"bilingual", LangBoth, true},
		{"Welsh and English", LangBoth, true},
		{"Cymraeg a Saesneg", LangBoth, true},
		{"", "", false},
		{"french", "", false},
		{"welsh please", "", false},
		{"cymraeg!", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseLanguage(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseLanguage(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestLanguageCommandWords: every way of choosing, in English and Welsh,
// is answered and stored; an unknown word lists the choices and changes
// nothing; only admins choose.
func TestLanguageCommandWords(t *testing.T) {
	tests := []struct {
		line  string
		reply string
		want  Language
	}{
		{"Alice: !notices language welsh", "come in Welsh;", LangWelsh},
		{"Alice: !notices iaith cymraeg", "Hysbysiadau'r cyngor yn Gymraeg o hyn ymlaen.", LangWelsh},
		{"Alice: !notices language both", "Welsh and English, Welsh first", LangBoth},
		{"Alice: !notices iaith y ddwy", "yn Gymraeg ac yn Saesneg", LangBoth},
		{"Alice: !notices LANGUAGE Saesneg", "now come in English.", LangEnglish},
		{"Alice: !notices language english", "now come in English.", LangEnglish},
		{"Alice: !notices language", "come in English. Change it with !notices language english, welsh or both.", LangEnglish},
		{"Alice: !notices language gaelic", `I don't know the language "gaelic". Choose english, welsh or both (in Welsh: saesneg, cymraeg or y ddwy)`, LangEnglish},
		{"Bob: !notices language welsh", "only group admins can change notice settings", LangEnglish},
	}
	var r *Feature
	h := bottest.New(t, harnessOptions(testConfig(), &r))
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\n")
	for _, tt := range tests {
		// Each row starts from English.
		if err := r.st.setGroupLanguage(context.Background(), "group:street", LangEnglish, h.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		out := h.Run(tt.line + "\n")
		if !strings.Contains(out, tt.reply) {
			t.Errorf("%s: reply lacks %q:\n%s", tt.line, tt.reply, out)
		}
		got, err := r.st.groupLanguage(context.Background(), "group:street")
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s: language %q, want %q", tt.line, got, tt.want)
		}
	}
}

// TestWebhookWelshFields: title_cy and body_cy are stored with the
// notice; half a Welsh text, or too long a one, is a 400 naming the
// field, and nothing is stored.
func TestWebhookWelshFields(t *testing.T) {
	h, r, srv := webhookHarness(t, testConfig())
	bearer := "Bearer " + testToken
	long := strings.Repeat("a", maxTitle+1)
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"welsh body without welsh title", `{"id":"w1","title":"Bins late","body":"A day late.","body_cy":"Diwrnod yn hwyr."}`, 400, "title_cy"},
		{"welsh title without welsh body", `{"id":"w2","title":"Bins late","body":"A day late.","title_cy":"Biniau'n hwyr"}`, 400, "body_cy"},
		{"blank welsh body", `{"id":"w3","title":"Bins late","body":"A day late.","title_cy":"Biniau'n hwyr","body_cy":"  "}`, 400, "body_cy"},
		{"welsh title too long", `{"id":"w4","title":"Bins late","title_cy":"` + long + `"}`, 400, "title_cy"},
		{"welsh body too long", `{"id":"w5","title":"Bins late","title_cy":"Biniau","body_cy":"` + strings.Repeat("b", maxBody+1) + `"}`, 400, "body_cy"},
		{"welsh title as a number", `{"id":"w6","title":"Bins late","title_cy":7}`, 400, "title_cy"},
		{"welsh title alone, no body anywhere", `{"id":"w7","title":"Bins late","title_cy":"Biniau'n hwyr","topics":["bins"]}`, 202, ""},
		{"both languages", `{"id":"w8","title":"Bins late","body":"A day late.","title_cy":" Biniau'n\nhwyr ","body_cy":"Diwrnod yn hwyr.","topics":["bins"]}`, 202, ""},
	}
	for _, tt := range tests {
		status, out := post(t, srv, bearer, tt.body)
		if status != tt.status || (tt.field != "" && out["field"] != tt.field) {
			t.Errorf("%s: %d %v; want %d field %q", tt.name, status, out, tt.status, tt.field)
		}
	}
	if n := countNotices(t, h); n != 2 {
		t.Errorf("%d notices stored, want the 2 accepted", n)
	}
	n, err := r.st.noticeByIdentifier(context.Background(), "webhook", "w8")
	if err != nil {
		t.Fatal(err)
	}
	if n.TitleCy != "Biniau'n hwyr" || n.BodyCy != "Diwrnod yn hwyr." || n.Title != "Bins late" {
		t.Errorf("stored %q / %q / %q", n.Title, n.TitleCy, n.BodyCy)
	}
}

// TestDeliveryFollowsEachGroupsLanguage: the delivery report records
// which language each group got; a group's choice made after planning is
// the one it gets; a notice without Welsh goes to a Welsh group in
// English; subscribers get English.
func TestDeliveryFollowsEachGroupsLanguage(t *testing.T) {
	var r *Feature
	h := bottest.New(t, harnessOptions(testConfig(), &r))
	h.Run(`@group street Elm Road
@admin Alice
Alice: !bot on
Alice: !notices on
@group hill Castle Hill
@admin Hana
Hana: !bot on
Hana: !notices on
Hana: !notices language welsh
@group bont Bont Street
@admin Ifan
Ifan: !bot on
Ifan: !notices on
dm Sue: !subscribe all SY3
@time 2026-01-05T22:00:00Z
@notice {"id":"bins-1","title":"Bins late","body":"A day late.","title_cy":"Biniau'n hwyr","body_cy":"Diwrnod yn hwyr.","topics":["bins"]}
@group bont
Ifan: !notices language both
@advance 11h
@notice {"id":"grit-1","title":"Gritting tonight","topics":["gritting"],"urgency":"urgent"}
`)
	ctx := context.Background()
	want := map[string]map[string]Language{
		"bins-1": {"group:street": LangEnglish, "group:hill": LangWelsh, "group:bont": LangBoth},
		"grit-1": {"group:street": LangEnglish, "group:hill": LangEnglish, "group:bont": LangEnglish},
	}
	for id, groups := range want {
		n, err := r.st.noticeByIdentifier(ctx, "console", id)
		if err != nil {
			t.Fatal(err)
		}
		list, err := Deliveries(ctx, h.Store, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Language{}
		for _, d := range list {
			if d.State != "sent" {
				t.Errorf("%s to %q: %s", id, d.Chat, d.State)
			}
			if d.Subscriber {
				got["subscriber"] = d.Language
				continue
			}
			got[string(d.Chat)] = d.Language
		}
		for chat, l := range groups {
			if got[chat] != l {
				t.Errorf("%s to %s went in %q, want %q (all: %v)", id, chat, got[chat], l, got)
			}
		}
		if id == "bins-1" && got["subscriber"] != LangEnglish {
			t.Errorf("%s to the subscriber went in %q, want English", id, got["subscriber"])
		}
	}
	if out := h.Out.String(); !strings.Contains(out, "*Biniau'n hwyr*\n    Diwrnod yn hwyr.\n\n    *Bins late*") {
		t.Errorf("Bont Street's choice made after planning was not followed:\n%s", out)
	}
}

func TestFormatDigestIn(t *testing.T) {
	day := time.Date(2026, 1, 5, 18, 0, 0, 0, time.UTC)
	cy := &Notice{ID: 1, MsgType: MsgAlert, Urgency: UrgencyNormal, Title: "Bins late", Body: "A day late.", TitleCy: "Biniau'n hwyr", BodyCy: "Diwrnod yn hwyr.", SourceName: "Cyngor"}
	en := &Notice{ID: 2, MsgType: MsgAlert, Urgency: UrgencyNormal, Title: "Library open late", SourceName: "Cyngor"}
	tests := []struct {
		name  string
		list  []*Notice
		want  Language
		text  string
		langs []Language
	}{
		{"english group", []*Notice{cy, en}, LangEnglish,
			"*Council notices — Mon 5 Jan*\n\n1. *Bins late*\nA day late.\nFrom Cyngor\n\n2. *Library open late*\nFrom Cyngor",
			[]Language{LangEnglish, LangEnglish}},
		{"welsh group", []*Notice{cy, en}, LangWelsh,
			"*Hysbysiadau'r cyngor — Llun 5 Ion*\n\n1. *Biniau'n hwyr*\nDiwrnod yn hwyr.\nOddi wrth Cyngor\n\n2. *Library open late*\nFrom Cyngor",
			[]Language{LangWelsh, LangEnglish}},
		{"both, nothing in Welsh", []*Notice{en}, LangBoth,
			"*Council notices — Mon 5 Jan*\n\n1. *Library open late*\nFrom Cyngor",
			[]Language{LangEnglish}},
		{"both", []*Notice{cy}, LangBoth,
			"*Hysbysiadau'r cyngor — Llun 5 Ion*\n*Council notices — Mon 5 Jan*\n\n1. *Biniau'n hwyr*\nDiwrnod yn hwyr.\n*Bins late*\nA day late.\nOddi wrth / From Cyngor",
			[]Language{LangBoth}},
	}
	for _, tt := range tests {
		text, langs := formatDigestIn(tt.list, map[int64]origTitles{}, day, tt.want)
		if text != tt.text {
			t.Errorf("%s:\n%s\nwant\n%s", tt.name, text, tt.text)
		}
		for i := range langs {
			if langs[i] != tt.langs[i] {
				t.Errorf("%s: languages %v, want %v", tt.name, langs, tt.langs)
				break
			}
		}
	}
}

// TestFeedLanguage: a feed declared Welsh gives its text to every group
// (there is no other); a bilingual feed's "Cymraeg / English" title is
// split, Welsh first; the configuration names a bad language.
func TestFeedLanguage(t *testing.T) {
	tests := []struct {
		lang, title, body           string
		wantTitle, wantCy, wantBody string
	}{
		{"", "Bins late", "A day late.", "Bins late", "", ""},
		{"english", "Bins late / Biniau'n hwyr", "A day late.", "Bins late / Biniau'n hwyr", "", ""},
		{"welsh", "Biniau'n hwyr", "Diwrnod yn hwyr.", "Biniau'n hwyr", "Biniau'n hwyr", "Diwrnod yn hwyr."},
		{"bilingual", "Biniau'n hwyr / Bins late", "Diwrnod yn hwyr. A day late.", "Bins late", "Biniau'n hwyr", "Diwrnod yn hwyr. A day late."},
		{"bilingual", "Biniau'n hwyr | Bins late", "", "Bins late", "Biniau'n hwyr", ""},
		{"bilingual", "Bins late", "A day late.", "Bins late", "", ""},
	}
	for _, tt := range tests {
		n := &Notice{Title: tt.title, Body: tt.body}
		feedLanguage(n, tt.lang)
		if n.Title != tt.wantTitle || n.TitleCy != tt.wantCy || n.BodyCy != tt.wantBody {
			t.Errorf("%s %q: title %q, Welsh %q / %q", tt.lang, tt.title, n.Title, n.TitleCy, n.BodyCy)
		}
	}
	// A bilingual item's body is printed once in a message in both.
	n := &Notice{MsgType: MsgAlert, Urgency: UrgencyNormal, Title: "Biniau'n hwyr / Bins late", Body: "Diwrnod yn hwyr. A day late.", SourceName: "Cyngor"}
	feedLanguage(n, "bilingual")
	if text, _ := formatNoticeIn(n, origTitles{}, LangBoth); text != "*Biniau'n hwyr*\nDiwrnod yn hwyr. A day late.\n\n*Bins late*\nOddi wrth / From Cyngor" {
		t.Errorf("bilingual item in both:\n%s", text)
	}
	// A Welsh feed's item reaches an English group in Welsh: it is all
	// there is.
	w := &Notice{MsgType: MsgAlert, Urgency: UrgencyUrgent, Title: "Biniau'n hwyr", SourceName: "Cyngor"}
	feedLanguage(w, "welsh")
	if text, lang := formatNoticeIn(w, origTitles{}, LangEnglish); lang != LangWelsh || text != "*Brys: Biniau'n hwyr*\nOddi wrth Cyngor" {
		t.Errorf("Welsh feed to an English group: %q %q", lang, text)
	}
	cfg := testConfig()
	cfg.Feeds = []FeedConfig{{Name: "newyddion", URL: "https://example.org/rss", Language: "cymraeg"}}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), `feeds[0].language "cymraeg" must be english, welsh or bilingual`) {
		t.Errorf("bad feed language: %v", err)
	}
	cfg.Feeds[0].Language = "welsh"
	if err := cfg.Validate(); err != nil {
		t.Errorf("welsh feed: %v", err)
	}
}

// TestApproverSeesBothTexts: the approval request shows the Welsh text
// and which groups read which; a notice without Welsh says who gets
// English instead.
func TestApproverSeesBothTexts(t *testing.T) {
	cfg := testConfig()
	cfg.RequireApproval = true
	h := bottest.New(t, harnessOptions(cfg, nil))
	out := h.Run(`@group street Elm Road
@admin Alice
Alice: !bot on
Alice: !notices on
@group hill Castle Hill
@admin Hana
Hana: !bot on
Hana: !notices on
Hana: !notices iaith cymraeg
@notice {"id":"bins-1","title":"Bins late","body":"A day late.","title_cy":"Biniau'n hwyr","body_cy":"Diwrnod yn hwyr.","topics":["bins"]}
@notice {"id":"bins-2","title":"Bins back to normal","topics":["bins"]}
dm Carol: !pending 1
dm Carol: !pending 2
`)
	for _, want := range []string{
		"Residents will read:\n    > *Bins late*\n    > A day late.\n    > From Shropshire Council\n    In Welsh:\n    > *Biniau'n hwyr*\n    > Diwrnod yn hwyr.\n    > Oddi wrth Shropshire Council",
		"Groups by language — English: 1 group; Welsh (Cymraeg): 1 group.",
		"No Welsh text: 1 group that chose Welsh or both gets it in English.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("approver's preview lacks %q:\n%s", want, out)
		}
	}
}

// TestCAPWelshBlock: a CAP alert's cy-GB info block is its Welsh text: a
// Welsh group gets it, an English group the English block, both one
// message with the Welsh first.
func TestCAPWelshBlock(t *testing.T) {
	h, _, r := officialHarness(t, func(c *Config) { c.Sources.EAFloods.Enabled = false })
	r.cfg.Webhook.Token = testToken
	wh := httptest.NewServer(r.WebhookHandler())
	defer wh.Close()
	h.Run(optedIn + "@group hill Castle Hill\n@admin Hana\nHana: !bot on\nHana: !area SY3 7\nHana: !notices on\nHana: !notices iaith cymraeg\n" +
		"@group bont Bont Street\n@admin Ifan\nIfan: !bot on\nIfan: !area SY3 7\nIfan: !notices on\nIfan: !notices language both\n")
	data, err := os.ReadFile("sources/testdata/shrewsbury_flood_cap.xml")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, wh.URL+"/notices", strings.NewReader(string(data)))
	req.Header.Set("Content-Type", "application/cap+xml")
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := wh.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("CAP alert: %d", resp.StatusCode)
	}
	out := h.Run("@advance 1m\n")
	for _, want := range []string{
		"[hill] bot: *Brys: Cau ffyrdd oherwydd llifogydd*\n    Testun Cymraeg.\n    https://www.shropshire.gov.uk/floods\n    Oddi wrth",
		"[bont] bot: *Brys: Cau ffyrdd oherwydd llifogydd*\n    Testun Cymraeg.\n\n    *Urgent: Roads closing in Shrewsbury town centre because of flooding*",
		"[street] bot: *Urgent: Roads closing in Shrewsbury town centre because of flooding*\n    Smithfield Road and Frankwell will close from 4pm.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
}

// TestWelshSourceNames: the council's, a sender's and a feed's Welsh
// names read in "Oddi wrth …"; without them the English name stays.
func TestWelshSourceNames(t *testing.T) {
	cfg := testConfig()
	cfg.SourceNameCy = "Cyngor Swydd Amwythig"
	cfg.Senders = []SenderConfig{{Name: "Highways", NameCy: "Priffyrdd", Token: "highways-token-0123456789"}, {Name: "Youth service", Token: "youth-token-0123456789"}}
	tests := []struct {
		sender, want string
	}{
		{"", "Cyngor Swydd Amwythig"},
		{"Highways", "Priffyrdd, Cyngor Swydd Amwythig"},
		{"Youth service", "Youth service, Cyngor Swydd Amwythig"},
	}
	for _, tt := range tests {
		s, _ := cfg.sender(tt.sender)
		if got := welshSourceName(cfg, s); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.sender, got, tt.want)
		}
	}
	if got := welshSourceName(testConfig(), SenderConfig{Name: "Highways"}); got != "" {
		t.Errorf("no Welsh names configured: %q", got)
	}
	h := bottest.New(t, harnessOptions(cfg, nil))
	out := h.Run(`@admin Alice
Alice: !bot on
Alice: !notices on
Alice: !notices language both
@notice Highways {"id":"r1","title":"Road closed","title_cy":"Ffordd ar gau","urgency":"urgent"}
`)
	if !strings.Contains(out, "*Brys: Ffordd ar gau*\n\n    *Urgent: Road closed*\n    Oddi wrth Priffyrdd, Cyngor Swydd Amwythig / From Highways, Shropshire Council") {
		t.Errorf("both languages with Welsh names:\n%s", out)
	}
	h.Run("Alice: !notices language welsh\n")
	out = h.Run(`@notice {"id":"r2","title":"Road open","title_cy":"Ffordd ar agor","urgency":"urgent"}` + "\n")
	if !strings.Contains(out, "*Brys: Ffordd ar agor*\n    Oddi wrth Cyngor Swydd Amwythig") {
		t.Errorf("Welsh with the council's Welsh name:\n%s", out)
	}
	fs, err := newFeedSource(cfg, FeedConfig{Name: "graeanu", URL: "https://example.org/rss"})
	if err != nil {
		t.Fatal(err)
	}
	if fs.nameCy != "Cyngor Swydd Amwythig — graeanu" {
		t.Errorf("feed's Welsh name %q", fs.nameCy)
	}
	bad := cfg
	bad.Senders = []SenderConfig{{Name: "Highways", NameCy: strings.Repeat("a", 61), Token: "highways-token-0123456789"}}
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "senders[0].name_cy") {
		t.Errorf("long name_cy: %v", err)
	}
}

// TestSubscriberLanguage: a resident subscribed by direct message chooses
// the language of their notices; an unknown word lists the choices;
// !mydata names the choice and !forgetme deletes it.
func TestSubscriberLanguage(t *testing.T) {
	var r *Feature
	h := bottest.New(t, harnessOptions(testConfig(), &r))
	out := h.Run(`dm Sue: !subscribe all SY3
dm Sue: !subscriptions language
dm Sue: !subscriptions language klingon
dm Sue: !subscriptions lingo welsh
dm Sue: !subscriptions iaith cymraeg
dm Sue: !subscriptions
@notice {"id":"bins-1","title":"Bins late","body":"A day late.","title_cy":"Biniau'n hwyr","body_cy":"Diwrnod yn hwyr.","topics":["bins"],"areas":["SY3"],"urgency":"urgent"}
`)
	for _, want := range []string{
		"Your council notices come in English. Change it with !subscriptions language english, welsh or both.",
		`I don't know the language "klingon". Choose english, welsh or both (in Welsh: saesneg, cymraeg or y ddwy), e.g. !subscriptions language welsh.`,
		"Usage: !subscriptions lists your subscriptions; !subscriptions language english, welsh or both chooses the language they come in.",
		"Hysbysiadau'r cyngor yn Gymraeg o hyn ymlaen. Your council notices now come in Welsh;",
		"• all — SY3\n    They come in Welsh (Cymraeg).",
		"[dm Sue] bot: *Brys: Biniau'n hwyr*\n    Diwrnod yn hwyr.\n    Oddi wrth Shropshire Council",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	ctx := context.Background()
	sue, err := h.Store.PersonByAddr(ctx, "Sue")
	if err != nil {
		t.Fatal(err)
	}
	dp := dataProvider{r}
	lines, err := dp.DescribePerson(ctx, sue.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(lines, " "), "Your council notices by direct message come in Welsh (Cymraeg).") {
		t.Errorf("!mydata: %q", lines)
	}
	summary, err := dp.ForgetPerson(ctx, sue.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "your choice of language deleted") {
		t.Errorf("!forgetme: %q", summary)
	}
	var left int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notice_subscriber_language`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d language choices left after !forgetme", left)
	}
	// English again is no row at all.
	h.Run("dm Tom: !subscriptions language welsh\ndm Tom: !subscriptions language saesneg\n")
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notice_subscriber_language`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("choosing English kept %d rows", left)
	}
}
