package notices

import (
	"reflect"
	"testing"
	"time"

	"neighbourbot/bot"
)

// TestPlanTargets decides fan-outs from plain values: no store, no engine.
func TestPlanTargets(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	quiet := bot.QuietHours{Start: bot.TimeOfDay(22 * 60), End: bot.TimeOfDay(7 * 60), Loc: london}
	day := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)   // 10:00 in London
	night := time.Date(2026, 12, 4, 23, 0, 0, 0, time.UTC) // inside quiet hours
	morning := time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC)
	digest18 := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)

	groups := []bot.GroupSettings{
		{Chat: "sy3", Enabled: true, Areas: []string{"SY3 7"}},
		{Chat: "sy1", Enabled: true, Areas: []string{"SY1"}},
		{Chat: "digest", Enabled: true, Areas: []string{"SY3"}},
		{Chat: "off", Enabled: true, Areas: []string{"SY3"}, FeaturesOff: []string{featureName}},
		{Chat: "bins-only", Enabled: true, Areas: []string{"SY3"}},
		{Chat: "not-opted-in", Enabled: true, Areas: []string{"SY3"}},
		{Chat: "bot-off", Enabled: false, Areas: []string{"SY3"}},
	}
	prefs := map[bot.ChatID]groupPrefs{
		"sy3":       {Chat: "sy3", Enabled: true, DigestAt: -1},
		"sy1":       {Chat: "sy1", Enabled: true, DigestAt: -1},
		"digest":    {Chat: "digest", Enabled: true, DigestAt: 18 * 60},
		"off":       {Chat: "off", Enabled: true, DigestAt: -1},
		"bins-only": {Chat: "bins-only", Enabled: true, Topics: []string{"bins"}, DigestAt: -1},
		"bot-off":   {Chat: "bot-off", Enabled: true, DigestAt: -1},
	}
	subs := []subscription{
		{Person: 7, Topic: "gritting", Area: "SY3"},
		{Person: 7, Topic: "all", Area: "SY3"}, // a second subscription reaches no one twice
		{Person: 8, Topic: "bins", Area: "SY3"},
		{Person: 9, Topic: "all", Area: "TF1"},
	}
	grit := func(u Urgency, mt MsgType) *Notice {
		return &Notice{ID: 2, Urgency: u, MsgType: mt, Topics: []string{"gritting"}, Areas: []string{"SY3"}}
	}
	original := []outboxRow{
		{ID: 1, Target: "sy1", State: "sent", MsgID: "m-sy1"}, // no longer matches, saw the original
		{ID: 2, Target: "sy3", State: "sent", MsgID: "m-sy3"},
		{ID: 3, Target: "person:8", Person: 8, State: "sent", MsgID: "m-p8"},
		{ID: 4, Target: "digest", State: "digest"},
		{ID: 5, Target: "person:7", Person: 7, State: "pending"},
		{ID: 6, Target: "bins-only", State: "dropped"},
	}
	pend := func(target string, person int64, due time.Time, reply string) plannedDelivery {
		return plannedDelivery{Target: target, Person: person, State: "pending", Due: due, ReplyTo: reply}
	}
	tests := []struct {
		name          string
		in            planInput
		want          []plannedDelivery
		wantSupersede []int64
	}{
		{
			name: "normal alert by day: matching groups, the digest group at its digest, subscribers once",
			in:   planInput{Notice: grit(UrgencyNormal, MsgAlert), Now: day},
			want: []plannedDelivery{
				pend("sy3", 0, day, ""),
				{Target: "digest", State: "digest", Due: digest18},
				pend("person:7", 7, day, ""),
			},
		},
		{
			name: "normal alert at night waits for the morning",
			in:   planInput{Notice: grit(UrgencyNormal, MsgAlert), Now: night},
			want: []plannedDelivery{
				pend("sy3", 0, morning, ""),
				{Target: "digest", State: "digest", Due: time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC)},
				pend("person:7", 7, morning, ""),
			},
		},
		{
			name: "urgent alert at night goes now and skips the digest",
			in:   planInput{Notice: grit(UrgencyUrgent, MsgAlert), Now: night},
			want: []plannedDelivery{pend("sy3", 0, night, ""), pend("digest", 0, night, ""), pend("person:7", 7, night, "")},
		},
		{
			name: "emergency ignores topics but not areas",
			in:   planInput{Notice: grit(UrgencyEmergency, MsgAlert), Now: day},
			want: []plannedDelivery{
				pend("sy3", 0, day, ""), pend("digest", 0, day, ""), pend("bins-only", 0, day, ""),
				pend("person:7", 7, day, ""), pend("person:8", 8, day, ""),
			},
		},
		{
			name: "an interactive notice is not buried in a digest",
			in:   planInput{Notice: grit(UrgencyNormal, MsgAlert), Now: day, Interactive: true},
			want: []plannedDelivery{pend("sy3", 0, day, ""), pend("digest", 0, day, ""), pend("person:7", 7, day, "")},
		},
		{
			name: "update: matching recipients, replies where the original was seen, waiting rows superseded",
			in:   planInput{Notice: grit(UrgencyNormal, MsgUpdate), Now: day, Original: original},
			want: []plannedDelivery{
				pend("sy3", 0, day, "m-sy3"),
				{Target: "digest", State: "digest", Due: digest18},
				pend("person:7", 7, day, ""),
				pend("sy1", 0, day, "m-sy1"),
				pend("person:8", 8, day, "m-p8"),
			},
			wantSupersede: []int64{4, 5},
		},
		{
			name: "cancellation goes only where the original was seen",
			in:   planInput{Notice: grit(UrgencyNormal, MsgCancel), Now: night, Original: original},
			want: []plannedDelivery{
				pend("sy1", 0, morning, "m-sy1"), pend("sy3", 0, morning, "m-sy3"), pend("person:8", 8, morning, "m-p8"),
			},
			wantSupersede: []int64{4, 5},
		},
		{
			name: "notice for another area reaches no one",
			in:   planInput{Notice: &Notice{Urgency: UrgencyNormal, MsgType: MsgAlert, Topics: []string{"gritting"}, Areas: []string{"LL11"}}, Now: day},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Groups, tt.in.Prefs, tt.in.Subs, tt.in.QuietHours = groups, prefs, subs, quiet
			got := planTargets(tt.in)
			for i := range got.Deliveries { // compare instants, not zones
				got.Deliveries[i].Due = got.Deliveries[i].Due.UTC()
			}
			if !reflect.DeepEqual(got.Deliveries, tt.want) {
				t.Errorf("deliveries:\n got %+v\nwant %+v", got.Deliveries, tt.want)
			}
			var sup []int64
			for _, row := range got.Supersede {
				sup = append(sup, row.ID)
			}
			if !reflect.DeepEqual(sup, tt.wantSupersede) {
				t.Errorf("superseded rows %v, want %v", sup, tt.wantSupersede)
			}
		})
	}
}
