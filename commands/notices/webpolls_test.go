package notices

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// TestStaffPollLists: the staff page's lists count a poll's voters while
// it is open and from the kept counts once it is closed; a poll past its
// closing time is listed as closed even before its close job has run.
func TestStaffPollLists(t *testing.T) {
	var r *Feature
	h := bottest.New(t, harnessOptions(testConfig(), &r))
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !area SY3 7\n" +
		pollNotice + "\nBob [vote Yes]\nCarol: !vote 2\n")
	ctx := context.Background()
	now := h.Clock.Now()
	list, err := ListPolls(ctx, h.Store, PollQuery{State: "open", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Voters != 2 || list[0].Closed || list[0].Question != "20 mph limit?" || list[0].Sender != "Shropshire Council" {
		t.Fatalf("open polls: %+v", list)
	}
	// Past its closing time, before the close job: closed already.
	late := list[0].Closes
	if got, _ := ListPolls(ctx, h.Store, PollQuery{State: "open", Now: late}); len(got) != 0 {
		t.Errorf("open at its closing time: %+v", got)
	}
	if got, _ := ListPolls(ctx, h.Store, PollQuery{State: "closed", Now: late}); len(got) != 1 || !got[0].Closed {
		t.Errorf("closed at its closing time: %+v", got)
	}
	h.Run("@advance 24h\n")
	list, err = ListPolls(ctx, h.Store, PollQuery{Now: h.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Voters != 2 || !list[0].Closed {
		t.Errorf("after close: %+v", list)
	}
	if got, _ := ListPolls(ctx, h.Store, PollQuery{Now: h.Clock.Now(), Before: list[0].Notice}); len(got) != 0 {
		t.Errorf("page below the only poll: %+v", got)
	}
}

// TestStaffConsultationComments: comments reach staff without phone
// numbers even when one was stored before numbers were removed on the
// way in; counts go by group and area.
func TestStaffConsultationComments(t *testing.T) {
	var r *Feature
	h := bottest.New(t, moderatedOptions(testConfig(), &r))
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !area SY3 7\n" +
		`@notice {"id":"lib-1","title":"Library opening hours","body":"Consulting.","topics":["consultations"],"consultation":{"closes":"2026-01-09T17:00:00Z"}}` +
		"\nCarol: !say C1 Keep Saturdays. Ring 07700 900123.\n")
	ctx := context.Background()
	if _, err := h.Store.Raw().Exec(`INSERT INTO notice_comments (consultation_id, scope, area, body, created_at) VALUES (1, 'subscribers', 'SY3', 'old one: +44 7700 900456', 1)`); err != nil {
		t.Fatal(err)
	}
	c, err := ConsultationByID(ctx, h.Store, 1, h.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.Notice != 1 || c.Comments != 2 || c.Closed || c.Number() != "C1" || c.Sender != "Shropshire Council" {
		t.Errorf("consultation: %+v", c)
	}
	if id, err := ConsultationOfNotice(ctx, h.Store, 1); err != nil || id != 1 {
		t.Errorf("consultation of notice 1: %d, %v", id, err)
	}
	list, err := ConsultationComments(ctx, h.Store, 1, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("comments: %+v", list)
	}
	for _, m := range list {
		if strings.Contains(m.Body, "7700") || !strings.Contains(m.Body, "[phone number]") {
			t.Errorf("comment shown with its number: %q", m.Body)
		}
	}
	if list[0].Chat == "" || list[0].Area != "SY3 7" || list[1].Chat != "" {
		t.Errorf("where comments came from: %+v", list)
	}
	if got, _ := ConsultationComments(ctx, h.Store, 1, list[0].ID, 10); len(got) != 1 {
		t.Errorf("page after the first comment: %+v", got)
	}
	counts, err := CommentCounts(ctx, h.Store, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 2 || counts[0].Area != "SY3" || counts[1].Area != "SY3 7" || counts[1].Comments != 1 {
		t.Errorf("counts: %+v", counts)
	}
	open, _ := ListConsultations(ctx, h.Store, ConsultQuery{State: "open", Now: h.Clock.Now()})
	closed, _ := ListConsultations(ctx, h.Store, ConsultQuery{State: "closed", Now: h.Clock.Now()})
	if len(open) != 1 || len(closed) != 0 {
		t.Errorf("open %+v, closed %+v", open, closed)
	}
}

// TestPollDraftPreview: a draft's preview shows its poll and its
// consultation lines as residents will read them.
func TestPollDraftPreview(t *testing.T) {
	var r *Feature
	h := bottest.New(t, harnessOptions(testConfig(), &r))
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !area SY3 7\n")
	pv, err := r.PollDraftPreview(context.Background(), []byte(`{"id":"d1","title":"Speed","topics":["roads"],"poll":{"question":"20 mph?","options":["Yes","No"],"closes":"2026-01-06T09:00:00Z"}}`), "web", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"📊 *Poll:* 20 mph?", "1. Yes", "2. No", "!vote 1 to !vote 2"} {
		if !strings.Contains(pv.Message, want) {
			t.Errorf("poll preview lacks %q:\n%s", want, pv.Message)
		}
	}
	pv, err = r.PollDraftPreview(context.Background(), []byte(`{"id":"d2","title":"Library hours","topics":["consultations"],"consultation":{"closes":"2026-01-09T17:00:00Z"}}`), "web", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pv.Message, "*Have your say* until Fri 9 Jan 17:00") || !strings.Contains(pv.Message, "!say C1") {
		t.Errorf("consultation preview:\n%s", pv.Message)
	}
	if n, _ := ListPolls(context.Background(), h.Store, PollQuery{Now: h.Clock.Now()}); len(n) != 0 {
		t.Errorf("a preview stored a poll: %+v", n)
	}
}
