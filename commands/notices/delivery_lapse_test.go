package notices

import (
	"context"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// heldPollScript: a snap poll closing Tue 6 Jan 17:00 is sent during the
// SY3 7 by-election (until Wed 7 Jan). Castle Hill (SY1 2) gets it and
// votes; Elm Road (SY3 7) is held — and since the poll closes before the
// period ends, never gets a poll with nothing left to answer.
const heldPollScript = `@group street Elm Road
@admin Alice
Alice: !bot on
Alice: !notices on
Alice: !notices area SY3 7
@group hill Castle Hill
@admin Hana
Hana: !bot on
Hana: !notices on
Hana: !area SY1 2
@notice {"id":"bus-1","title":"Should the 544 bus run on Sundays?","topics":["roads"],"poll":{"question":"Sunday 544 bus?","options":["Yes","No"],"closes":"2026-01-06T17:00:00Z"}}
@group hill
Hana: !vote 1
@advance 3d
@group street
Alice: !vote 1
`

// TestHeldPollIsNotSentAfterItCloses shows both sides: the residents'
// transcript, then the council's poll results and campaign report, which
// agree on who got the poll and say why one group did not.
func TestHeldPollIsNotSentAfterItCloses(t *testing.T) {
	cfg := testConfig()
	cfg.ElectionPeriods = []PeriodConfig{{Name: "Meole Brace by-election", Start: "2026-01-05", End: "2026-01-07", Areas: []string{"SY3 7"}}}
	var relay *Feature
	h := bottest.New(t, harnessOptions(cfg, &relay))
	out := h.Run(heldPollScript)
	ctx := context.Background()
	res, err := relay.Results(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := CampaignReport(ctx, h.Store, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(out + "\n== neighbourbot notices results 1\n")
	if err := WriteResults(&b, res, "text", time.UTC); err != nil {
		t.Fatal(err)
	}
	b.WriteString("== neighbourbot notices report\n")
	if err := WriteReport(&b, rows, false); err != nil {
		t.Fatal(err)
	}
	bottest.CompareGolden(t, "testdata/periods/held_poll_council.golden", b.String())

	if strings.Contains(out, "[street] bot: *Should the 544") {
		t.Errorf("the held group got the poll after it closed:\n%s", out)
	}
	groups, subs, notSent := 0, 0, 0
	for _, r := range rows {
		groups, subs, notSent = groups+r.Groups, subs+r.Subscribers, notSent+r.NotSent
	}
	if groups != res.GroupsReached || subs != res.SubscribersReached || groups != 1 {
		t.Errorf("report reached %d groups, %d subscribers; results %d, %d; want both 1 group", groups, subs, res.GroupsReached, res.SubscribersReached)
	}
	if notSent != 1 || len(res.NotSent) != 1 || res.NotSent[0].Groups != 1 ||
		res.NotSent[0].Reason != "held by Meole Brace by-election (SY3 7) until it closed" {
		t.Errorf("not sent: report %d, results %+v", notSent, res.NotSent)
	}
}

// TestHeldConsultationIsNotSentAfterItCloses: the same for a consultation:
// once the question has closed, the held notice is not sent, and the audit
// says why.
func TestHeldConsultationIsNotSentAfterItCloses(t *testing.T) {
	cfg := testConfig()
	cfg.ElectionPeriods = []PeriodConfig{{Name: "Meole Brace by-election", Start: "2026-01-05", End: "2026-01-07", Areas: []string{"SY3 7"}}}
	rg := newRig(t, cfg)
	rg.optIn("street", "SY3 7")
	rg.optIn("hill", "SY1 2")
	rg.submit(`{"id":"lib-1","title":"Library opening hours","topics":["consultations"],"consultation":{"closes":"2026-01-06T17:00:00Z"}}`)
	rg.advance(4 * 24 * time.Hour)
	for _, m := range rg.tr.sent {
		if m.Chat == "street" {
			t.Errorf("street got %q", m.Text)
		}
	}
	ev := rg.auditEvents("not_sent")
	if len(ev) != 1 || ev[0].Target != "street" || ev[0].Detail != "not sent: held by Meole Brace by-election (SY3 7) until it closed" {
		t.Errorf("not_sent audit %+v", ev)
	}
	if st := rg.outboxStates(); st["lapsed"] != 1 || st["sent"] != 1 {
		t.Errorf("outbox %v", st)
	}
}
