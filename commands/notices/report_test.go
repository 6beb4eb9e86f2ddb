package notices

import (
	"context"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// TestCampaignReport: per notice and area, groups and subscribers reached,
// poll votes and comments; a notice held by approval reached no one.
func TestCampaignReport(t *testing.T) {
	h := bottest.New(t, harnessOptions(testConfig(), nil))
	h.Run("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !notices on\nAlice: !area SY3 7\n" +
		"@group hill Castle Hill\n@admin Hana\nHana: !bot on\nHana: !notices on\nHana: !area SY1 2\n" +
		"@group farm Far Farm\n@admin Fay\nFay: !bot on\nFay: !notices on\n" +
		"dm Sam: !subscribe all SY3\n" +
		`@notice {"id":"lib-1","title":"Library hours","topics":["consultations"],"poll":{"question":"Later on Thursdays?","options":["Yes","No"],"closes":"2026-01-06T09:00:00Z"},"consultation":{"closes":"2026-01-06T09:00:00Z"}}` + "\n" +
		"@group street\nBob [vote Yes]\nCarol: !vote 2\nBob: !say 1 Yes please\n@group hill\nHana [vote Yes]\ndm Sam: !vote 1\ndm Sam: !say 1 Sundays too\n" +
		`@notice {"id":"bins-1","title":"Bins late","topics":["bins"],"areas":["SY1"]}` + "\n@advance 1d\n")
	rows, err := CampaignReport(context.Background(), h.Store, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteReport(&b, rows, true); err != nil {
		t.Fatal(err)
	}
	want := "notice,id,title,sender,urgency,received,area,groups_reached,subscribers_reached,poll_votes,comments,not_sent\n" +
		"2,bins-1,Bins late,Shropshire Council,normal,2026-01-05T09:00:00Z,SY1 2,1,0,0,0,0\n" +
		"1,lib-1,Library hours,Shropshire Council,normal,2026-01-05T09:00:00Z,SY1 2,1,0,1,0,0\n" +
		"1,lib-1,Library hours,Shropshire Council,normal,2026-01-05T09:00:00Z,SY3,0,1,1,1,0\n" +
		"1,lib-1,Library hours,Shropshire Council,normal,2026-01-05T09:00:00Z,SY3 7,1,0,2,1,0\n" +
		"1,lib-1,Library hours,Shropshire Council,normal,2026-01-05T09:00:00Z,no area set,1,0,0,0,0\n"
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
	if later, err := CampaignReport(context.Background(), h.Store, h.Clock.Now()); err != nil || len(later) != 0 {
		t.Errorf("report since now: %v %v", later, err)
	}
}
