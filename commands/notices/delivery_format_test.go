package notices

import "testing"

func TestTitleLine(t *testing.T) {
	tests := []struct {
		name      string
		n         Notice
		orig      string
		head, sub string
	}{
		{"alert", Notice{Title: "Gritting tonight", MsgType: MsgAlert}, "", "Gritting tonight", ""},
		{"cancel says so", Notice{Title: "Gritting cancelled", MsgType: MsgCancel}, "Gritting tonight", "Gritting cancelled", ""},
		{"cancel says so, US spelling", Notice{Title: "Fete CANCELED", MsgType: MsgCancel}, "Fete on Saturday", "Fete CANCELED", ""},
		{"cancel called off", Notice{Title: "Road works called off", MsgType: MsgCancel}, "Road works", "Road works called off", ""},
		{"cancel with new headline", Notice{Title: "Belle Vue Road stays open", MsgType: MsgCancel}, "Belle Vue Road closed Tuesday", "Cancelled: Belle Vue Road closed Tuesday", "Belle Vue Road stays open"},
		{"cancel, original unknown", Notice{Title: "Bins as usual", MsgType: MsgCancel}, "", "Cancelled: Bins as usual", ""},
		{"cancel repeating the original", Notice{Title: "Bins late", MsgType: MsgCancel}, "Bins late", "Cancelled: Bins late", ""},
		{"cancel word inside another word is not enough", Notice{Title: "Cancellara visit", MsgType: MsgCancel}, "Visit", "Cancelled: Visit", "Cancellara visit"},
		{"update says so", Notice{Title: "Update: bins two days late", MsgType: MsgUpdate}, "Bins late", "Update: bins two days late", ""},
		{"updated later in title", Notice{Title: "Bins times updated", MsgType: MsgUpdate}, "", "Bins times updated", ""},
		{"update plain", Notice{Title: "Bins on Thursday", MsgType: MsgUpdate}, "", "Update: Bins on Thursday", ""},
		{"emergency cancel", Notice{Title: "Flood warning withdrawn", MsgType: MsgCancel, Urgency: UrgencyEmergency}, "Flood warning", "⚠️ Emergency: Flood warning withdrawn", ""},
		{"stars removed", Notice{Title: "*Road* open", MsgType: MsgCancel}, "*Road* shut", "Cancelled: Road shut", "Road open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head, sub := titleLine(&tt.n, tt.orig)
			if head != tt.head || sub != tt.sub {
				t.Errorf("titleLine(%q, orig %q) = %q, %q; want %q, %q", tt.n.Title, tt.orig, head, sub, tt.head, tt.sub)
			}
		})
	}
}
