package notices

import (
	"strings"
	"testing"
	"time"
)

func TestChangesSaysWhatAnUpdateChanges(t *testing.T) {
	was := &Notice{ID: 3, Title: "Road closed Tuesday", Body: "Gas repairs.", Topics: []string{"roads"}, Areas: []string{"SY3 7"}, Urgency: UrgencyNormal}
	expiry := time.Date(2026, 1, 7, 17, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		edit func(n *Notice)
		want string
	}{
		{"same text", func(n *Notice) {}, "Same text as #3"},
		{"title", func(n *Notice) { n.Title = "Road closed Wednesday" }, "Changed since #3: the title (was “Road closed Tuesday”)"},
		{"body and link", func(n *Notice) { n.Body, n.Link = "Water main.", "https://example.gov.uk/x" },
			"Changed since #3: the text (was “Gas repairs.”); the link (was “none”)"},
		{"area widened", func(n *Notice) { n.Areas = nil }, "Changed since #3: the area (was “SY3 7”)"},
		{"urgency and expiry", func(n *Notice) { n.Urgency, n.Expires = UrgencyUrgent, expiry },
			"Changed since #3: the urgency (was “normal”); the expiry (was “never”)"},
		{"cancel", func(n *Notice) { n.MsgType = MsgCancel }, "Cancels #3 Road closed Tuesday"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := *was
			n.ID, n.MsgType = 5, MsgUpdate
			tc.edit(&n)
			if got := strings.Join(changes(&n, was, time.UTC), " | "); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
