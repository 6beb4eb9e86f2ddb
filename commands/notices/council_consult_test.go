package notices

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/commands/polling"
	"neighbourbot/moderation"
)

// moderatedOptions wires notices beside moderation, whose blocklist the
// consultation comments pass.
func moderatedOptions(cfg Config, relay **Feature) bottest.Options {
	return bottest.Options{
		Migrations: []bot.Migrations{Migrations(), polling.Migrations(), moderation.Migrations()},
		Register: func(h *bottest.Harness) error {
			if err := moderation.Register(h.Kit("moderation"), moderation.DefaultConfig(), moderation.Deps{}); err != nil {
				return err
			}
			blocked := func(ctx context.Context, chat bot.ChatID, text string) (bool, error) {
				return moderation.Blocked(ctx, h.Store.DB(), chat, text)
			}
			r, err := Register(h.Kit("notices"), cfg, Deps{QuietHours: testQuiet, Blocked: blocked})
			if err != nil {
				return err
			}
			h.Console.Directive("notice", r.NoticeDirective)
			if relay != nil {
				*relay = r
			}
			return nil
		},
	}
}

func TestGoldenConsultations(t *testing.T) {
	bottest.Golden(t, "testdata/consult", moderatedOptions(testConfig(), nil))
}

func TestRedactNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"call me on 07700 900123 please", "call me on [phone number] please"},
		{"ring +44 (0)1743 123456", "ring [phone number]"},
		{"or 01743-123-456.", "or [phone number]."},
		{"meeting on 2026-01-05 at 7", "meeting on 2026-01-05 at 7"},
		{"numbers 12 and 34 are fine", "numbers 12 and 34 are fine"},
		{"£1,250,000 is too much", "£1,250,000 is too much"},
	}
	for _, tc := range tests {
		if got, _ := redactNumbers(tc.in); got != tc.want {
			t.Errorf("redactNumbers(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCommentsExport: the CSV holds the comments without names or numbers,
// by notice number and by consultation number; after close the comments
// have no link to anyone.
func TestCommentsExport(t *testing.T) {
	var r *Feature
	h := bottest.New(t, moderatedOptions(testConfig(), &r))
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !area SY3 7\n" +
		`@notice {"id":"lib-1","title":"Library opening hours","topics":["consultations"],"consultation":{"closes":"2026-01-09T17:00:00Z"}}` + "\n" +
		"Bob: !say 1 Later on Thursdays, call 07700 900123\nCarol: !say Weekends matter more\n" +
		`Alice: !consult "The Crown's late licence?" until Fri` + "\nDave: !say 2 Fine by me\n@advance 5d\n")
	ctx := context.Background()
	list, err := CommentsOf(ctx, h.Store, "1")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := WriteComments(&out, list, true, nil); err != nil {
		t.Fatal(err)
	}
	want := "consultation,notice,comment,time,group,area,text\n" +
		"C1,1,1,2026-01-05T09:00:00Z,Elm Road,SY3 7,\"Later on Thursdays, call [phone number]\"\n" +
		"C1,1,2,2026-01-05T09:00:00Z,Elm Road,SY3 7,Weekends matter more\n"
	if out.String() != want {
		t.Errorf("comments CSV:\n%s\nwant:\n%s", out.String(), want)
	}
	local, err := CommentsOf(ctx, h.Store, "C2")
	if err != nil || len(local) != 1 || local[0].Body != "Fine by me" || local[0].Notice != 0 {
		t.Errorf("local consultation comments: %+v %v", local, err)
	}
	var linked int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notice_comments WHERE person_id IS NOT NULL`).Scan(&linked); err != nil || linked != 0 {
		t.Errorf("%d comments still linked to their authors after close (%v)", linked, err)
	}
	if _, err := CommentsOf(ctx, h.Store, "C9"); err == nil {
		t.Error("an unknown consultation should be an error")
	}
}

// TestCommentLimits: an over-long comment and a flood from one person are
// refused with a clear reply; nothing else is lost.
func TestCommentLimits(t *testing.T) {
	h := bottest.New(t, moderatedOptions(testConfig(), nil))
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\n" +
		`@notice {"id":"lib-1","title":"Library opening hours","topics":["consultations"],"consultation":{"closes":"2026-01-09T17:00:00Z"}}` + "\n")
	// Bob was not sent the notice privately: by DM there is nothing to
	// comment on.
	out := h.Run("dm Bob: !say 1 Hello\n")
	if !strings.Contains(out, "There's no open consultation here to comment on.") {
		t.Errorf("a DM comment on a consultation never sent there:\n%s", out)
	}
	out = h.Run("Bob: !say 1 " + strings.Repeat("ä", 1001) + "\n")
	if !strings.Contains(out, "too long for me") {
		t.Errorf("an over-long comment should be refused:\n%s", out)
	}
	var script strings.Builder
	for i := 0; i < 21; i++ {
		script.WriteString("Carol: !say 1 point number " + string(rune('a'+i)) + "\n")
	}
	out = h.Run(script.String())
	if !strings.Contains(out, "already left 20 comments") || strings.Count(out, "kept, without your name") != 20 {
		t.Errorf("the 21st comment should be refused:\n%s", out)
	}
}

// TestConsultAudit: the audit entry for a local consultation names its
// closing time as people read it, not as a machine timestamp.
func TestConsultAudit(t *testing.T) {
	h := bottest.New(t, moderatedOptions(testConfig(), nil))
	out := h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\n" +
		`Alice: !consult "The Crown's late licence?" until Fri` + "\nAlice: !audit\n")
	if want := "started a local consultation — consultation C1 until Fri 9 Jan 18:00"; !strings.Contains(out, want) {
		t.Errorf("audit lacks %q:\n%s", want, out)
	}
}

// TestTopicsAudit: the audit entry for !notices topics names them once
// ("chose the council notice topics — roads, gritting").
func TestTopicsAudit(t *testing.T) {
	h := bottest.New(t, moderatedOptions(testConfig(), nil))
	out := h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices topics roads, gritting\nAlice: !audit\n")
	if want := "chose the council notice topics — roads, gritting\n"; !strings.Contains(out, want) {
		t.Errorf("audit lacks %q:\n%s", want, out)
	}
}

func TestParseConsultNumber(t *testing.T) {
	for in, want := range map[string]int64{"C2": 2, "c2": 2, "#2": 2, "#C12": 12, "2": 2, " 7 ": 7, "C": 0, "C0": 0, "-1": 0, "two": 0, "2nd": 0, "": 0} {
		got, ok := parseConsultNumber(in)
		if !ok {
			got = 0
		}
		if got != want {
			t.Errorf("%q: %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]string{"notice:12": "12", "Notice 12": "12", "notice:": "", "C12": "-"} {
		got, ok := cutNoticePrefix(in)
		if !ok {
			got = "-"
		}
		if got != want {
			t.Errorf("cut %q: %q, want %q", in, got, want)
		}
	}
}

// TestConsultationNumberingCouncilSide runs the numbering transcript, then
// exports its comments as the council's operator would, by C1, by 2 and by
// notice:1: the numbers residents saw are the ones the export takes.
func TestConsultationNumberingCouncilSide(t *testing.T) {
	src, err := os.ReadFile("testdata/consult/numbering.script")
	if err != nil {
		t.Fatal(err)
	}
	h := bottest.New(t, moderatedOptions(testConfig(), nil))
	var b strings.Builder
	b.WriteString(h.Run(string(src)))
	ctx := context.Background()
	for _, ref := range []string{"C1", "2", "notice:1", "C9", "first"} {
		fmt.Fprintf(&b, "\n== neighbourbot notices comments %s --format csv\n", ref)
		list, err := CommentsOf(ctx, h.Store, ref)
		if err != nil {
			b.WriteString("neighbourbot: " + err.Error() + "\n")
			continue
		}
		if err := WriteComments(&b, list, true, time.UTC); err != nil {
			t.Fatal(err)
		}
	}
	bottest.CompareGolden(t, "testdata/consult/numbering_council.golden", b.String())
}
