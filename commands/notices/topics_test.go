package notices

import (
	"strings"
	"testing"
)

func TestResolveTopic(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TopicAliases["bin-day"] = "bins"
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"gritting", "gritting", true},
		{"  Gritting ", "gritting", true},
		{"flood", "flooding", true},  // alias
		{"FLOODS", "flooding", true}, // alias, any case
		{"bin", "bins", true},        // singular
		{"road", "roads", true},      // singular
		{"event", "events", true},    // singular
		{"consult", "consultations", true},
		{"consultation", "consultations", true},
		{"floding", "flooding", true},  // one typo in seven letters
		{"grittnig", "gritting", true}, // two edits from eight letters
		{"plannig", "planning", true},
		{"bin day", "bins", true}, // configured alias, spaced
		{"bin_day", "bins", true},
		{"emergency", "emergencies", true},
		{"parking", "", false},
		{"bims", "", false},  // four letters: no typo forgiven
		{"hoods", "", false}, // not in the first letter
		{"", "", false},
		{"🌧️", "", false},
		{"all", "", false},
	}
	for _, tt := range tests {
		got, ok := cfg.resolveTopic(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("resolveTopic(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTopicAliasesValidated(t *testing.T) {
	for _, tt := range []struct {
		aliases map[string]string
		want    string
	}{
		{map[string]string{"flood": "floods"}, "not in topics"},
		{map[string]string{"Flood": "flooding"}, "lower-case"},
		{map[string]string{"bins": "roads"}, "a topic itself"},
	} {
		cfg := DefaultConfig()
		cfg.TopicAliases = tt.aliases
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("aliases %v: err %v, want %q", tt.aliases, err, tt.want)
		}
	}
}

// TestEmergencyWithUnknownTopicGoesOut: the audit names the topic it did
// not understand, and every opted-in group in the area gets it whatever
// topics it chose.
func TestEmergencyWithUnknownTopicGoesOut(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	res := rg.submit(`{"id":"storm-1","title":"Storm warning","topics":["storms","flood"],"areas":["SY3"],"urgency":"emergency"}`)
	if res.State != StateApproved {
		t.Fatalf("state %s, want approved", res.State)
	}
	rg.runJobs()
	if got := rg.outboxStates()["sent"]; got != 1 {
		t.Errorf("sent %d, want 1 (outbox %v)", got, rg.outboxStates())
	}
	recs := rg.auditEvents("received")
	if len(recs) != 1 || !strings.Contains(recs[0].Detail, `unknown topics ["storms"]`) {
		t.Errorf("received audit %+v, want the unknown topic named", recs)
	}
	n, err := rg.r.st.notice(t.Context(), res.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(n.Topics, ",") != "flooding" {
		t.Errorf("topics %v, want the one understood", n.Topics)
	}
	if _, err := rg.r.Submit(t.Context(), []byte(`{"id":"x-1","title":"Parking","topics":["storms"]}`), "webhook", "test"); err == nil {
		t.Error("a normal notice with an unknown topic was accepted")
	}
}
