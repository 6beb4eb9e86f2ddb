package notices

import (
	"context"
	"fmt"
	"testing"

	"neighbourbot/bot"
)

func TestGroupWants(t *testing.T) {
	gritSY3 := &Notice{Urgency: UrgencyNormal, Topics: []string{"gritting"}, Areas: []string{"SY3"}}
	binsWide := &Notice{Urgency: UrgencyNormal, Topics: []string{"bins"}}
	floodSY1 := &Notice{Urgency: UrgencyEmergency, Topics: []string{"flooding"}, Areas: []string{"SY1 2"}}
	roadsSector := &Notice{Urgency: UrgencyUrgent, Topics: []string{"roads"}, Areas: []string{"SY3 7AB"}}
	untagged := &Notice{Urgency: UrgencyNormal, Areas: []string{"SY"}}
	tests := []struct {
		name   string
		n      *Notice
		areas  []string
		topics []string
		want   bool
	}{
		{"district notice, sector group", gritSY3, []string{"SY3 7"}, []string{"gritting"}, true},
		{"district notice, other district", gritSY3, []string{"SY31"}, []string{"gritting"}, false},
		{"district notice, wrong topic", gritSY3, []string{"SY3 7"}, []string{"bins"}, false},
		{"district notice, all topics", gritSY3, []string{"SY3 7"}, nil, true},
		{"district notice, group without area", gritSY3, nil, nil, false},
		{"council-wide reaches any area", binsWide, []string{"TF1"}, []string{"bins"}, true},
		{"council-wide reaches group without area", binsWide, nil, []string{"bins"}, true},
		{"council-wide still needs the topic", binsWide, []string{"TF1"}, []string{"roads"}, false},
		{"emergency ignores topics", floodSY1, []string{"SY1"}, []string{"bins"}, true},
		{"emergency still needs the area", floodSY1, []string{"SY3"}, nil, false},
		{"emergency, sibling sector", floodSY1, []string{"SY1 3"}, nil, false},
		{"full postcode inside group sector", roadsSector, []string{"SY3 7"}, []string{"roads"}, true},
		{"full postcode, other sector", roadsSector, []string{"SY3 8"}, []string{"roads"}, false},
		{"postcode area covers district group", untagged, []string{"SY4 1"}, nil, true},
		{"untagged needs all topics", untagged, []string{"SY4 1"}, []string{"gritting"}, false},
		{"one of several group areas", gritSY3, []string{"TF1", "SY3 9"}, []string{"gritting", "bins"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := groupTarget{Chat: "g", Areas: tt.areas, Topics: tt.topics, DigestAt: -1}
			if got := groupWants(tt.n, g); got != tt.want {
				t.Errorf("groupWants = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSubscriberWants(t *testing.T) {
	grit := &Notice{Urgency: UrgencyNormal, Topics: []string{"gritting"}, Areas: []string{"SY3 7"}}
	flood := &Notice{Urgency: UrgencyEmergency, Topics: []string{"flooding"}, Areas: []string{"SY3"}}
	tests := []struct {
		n     *Notice
		topic string
		area  string
		want  bool
	}{
		{grit, "gritting", "SY3", true},
		{grit, "gritting", "SY3 8", false},
		{grit, "bins", "SY3", false},
		{grit, "all", "SY3 7", true},
		{flood, "bins", "SY3 7", true},
		{flood, "bins", "SY4", false},
	}
	for _, tt := range tests {
		if got := subscriberWants(tt.n, subscription{Person: 1, Topic: tt.topic, Area: tt.area}); got != tt.want {
			t.Errorf("%s notice, subscription %s %s: got %v, want %v", tt.n.Topics[0], tt.topic, tt.area, got, tt.want)
		}
	}
}

func TestEligibleGroups(t *testing.T) {
	core := []bot.GroupSettings{
		{Chat: "a", Enabled: true, Areas: []string{"SY3"}},
		{Chat: "b", Enabled: true, FeaturesOff: []string{featureName}},
		{Chat: "c", Enabled: true},
		{Chat: "d", Enabled: false},
	}
	prefs := map[bot.ChatID]groupPrefs{
		"a": {Chat: "a", Enabled: true, DigestAt: -1},
		"b": {Chat: "b", Enabled: true, DigestAt: -1},
		"d": {Chat: "d", Enabled: true, DigestAt: -1},
	}
	got := eligibleGroups(core, prefs)
	if len(got) != 1 || got[0].Chat != "a" || got[0].Areas[0] != "SY3" {
		t.Errorf("eligible = %+v; want only a (b has notices switched off, c never opted in, d has the bot off)", got)
	}
}

func TestKeywordTagging(t *testing.T) {
	cfg := testConfig()
	fs, err := newFeedSource(cfg, FeedConfig{Name: "news", URL: "https://example.org/feed", Topics: []string{"events"},
		Rules: []KeywordRule{{Match: "grit|gritting|salt", Topic: "gritting"}, {Match: "bin|bins|recycling", Topic: "bins"}, {Match: "road closed|closure", Topic: "roads"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []string
	}{
		{"Gritting tonight from 6pm", []string{"events", "gritting"}},
		{"SALT bins refilled", []string{"events", "gritting", "bins"}},
		{"Road closed: A5 at Emstrey", []string{"events", "roads"}},
		{"Saltire festival on Saturday", []string{"events"}}, // whole words only
		{"Recycling centre closure over Easter", []string{"events", "bins", "roads"}},
		{"Library opening hours", []string{"events"}},
	}
	for _, tt := range tests {
		if got := fs.tag(tt.text); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("tag(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// BenchmarkFanOutMatch matches one notice against 1,000 opted-in groups
// spread over 50 districts, a third of them choosing gritting.
func BenchmarkFanOutMatch(b *testing.B) {
	groups := make([]groupTarget, 1000)
	for i := range groups {
		var topics []string
		if i%3 != 0 {
			topics = []string{"bins", "roads"}
		} else {
			topics = []string{"gritting"}
		}
		groups[i] = groupTarget{Chat: bot.ChatID(fmt.Sprintf("group-%d", i)), Areas: []string{fmt.Sprintf("SY%d %d", i%50+1, i%10)}, Topics: topics, DigestAt: -1}
	}
	n := &Notice{Urgency: UrgencyNormal, Topics: []string{"gritting"}, Areas: []string{"SY3", "SY4", "SY5"}}
	b.ReportAllocs()
	matched := 0
	for b.Loop() {
		matched = len(matchGroups(n, groups))
	}
	b.ReportMetric(float64(matched), "groups/notice")
}

// BenchmarkPlanFanOut plans one notice for 1,000 opted-in groups against
// the real SQLite store: matching plus writing 1,000 outbox rows and the
// audit in one transaction (sending is paced separately).
func BenchmarkPlanFanOut(b *testing.B) {
	rg := newRig(b, testConfig())
	for i := range 1000 {
		rg.optIn(bot.ChatID(fmt.Sprintf("group-%04d", i)), fmt.Sprintf("SY%d %d", i%10+1, i%10))
	}
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		res := rg.submit(fmt.Sprintf(`{"id":"bench-%d","title":"Bins a day late","topics":["bins"],"areas":["SY"],"urgency":"urgent"}`, i))
		if err := rg.r.planJob(ctx, bot.Job{}, planPayload{Notice: res.ID}); err != nil {
			b.Fatal(err)
		}
	}
	var rows int
	rg.store.Raw().QueryRow(`SELECT COUNT(*) FROM notice_outbox`).Scan(&rows)
	b.ReportMetric(float64(rows)/float64(i), "rows/notice")
}
