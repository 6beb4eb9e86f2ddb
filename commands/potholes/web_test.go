package potholes

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestSentText: the staff page says what went to the council for every
// send state: the Open311 id, the address emailed, or how far sending got.
func TestSentText(t *testing.T) {
	f := &Feature{deps: Deps{Location: time.UTC}}
	next := time.Date(2026, 1, 5, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		r       Report
		emailed string
		want    string
	}{
		{Report{ServiceRequestID: "293944", SendState: sendDone}, "", "Open311 request 293944"},
		{Report{Token: "abc", SendState: sendDone}, "", "Sent over Open311; waiting for the council's reference"},
		{Report{SendState: sendDone}, "to highways@council.example.gov.uk, attempt 2", "Emailed to highways@council.example.gov.uk"},
		{Report{SendState: sendDone}, "", "Sent"},
		{Report{SendState: sendQueued}, "", "Queued to send"},
		{Report{SendState: sendRetrying, LastSendError: "the council's server did not answer", SendAttempts: 2, NextSendAt: next}, "",
			"Not sent yet: the council's server did not answer (attempt 2 failed; next try Mon 5 Jan 15:00)"},
		{Report{SendState: sendFailed, LastSendError: "refused: unknown service"}, "", "Not sent: refused: unknown service"},
		{Report{SendState: sendWaiting}, "", "Waiting for answers to the council's questions"},
		{Report{SendState: sendUnsure}, "", "May have reached the council: the bot stopped while sending it"},
		{Report{SendState: sendSending}, "", "May have reached the council: the bot stopped while sending it"},
		{Report{}, "", "Not sent"},
	} {
		if got := f.sentText(tc.r, tc.emailed); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestStaffStatusText: what a group reads when staff set a state.
func TestStaffStatusText(t *testing.T) {
	f := &Feature{prefix: "!"}
	for _, tc := range []struct {
		r    Report
		want string
	}{
		{Report{ID: 7, Status: StatusInProgress}, "Council update on P7: in progress."},
		{Report{ID: 7, Status: StatusNotResponsible}, "Council update on P7: not council's responsibility."},
		{Report{ID: 7, Status: StatusOpen}, "Council update on P7: reopened."},
		{Report{ID: 7, Status: StatusDuplicate, DuplicateOf: 3}, "Council update on P7: a duplicate of P3."},
	} {
		if got := f.staffStatusText(tc.r); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}

// TestFaultQueriesRefuseBadInput: an unknown state or an area that is not
// a postcode is a message for the page; a photo name that is not a stored
// photo's, or not this report's, is not found.
func TestFaultQueriesRefuseBadInput(t *testing.T) {
	photoDir := filepath.Join(t.TempDir(), "photos")
	var f *Feature
	opts := harnessOptions(t, testConfig(), photoDir)
	opts.Register = func(h *bottest.Harness) error {
		var err error
		f, err = Open(h.Kit(FeatureName), testConfig(), Deps{PhotoDir: photoDir, Location: time.UTC})
		return err
	}
	h := bottest.New(t, opts)
	h.Run("@admin Alice\nAlice: !bot on\nBob [photo]: !pothole outside no. 12 Elm Road, deep\nBob: !pothole by the school gates on Long Lane\n")
	ctx := context.Background()
	for _, q := range []FaultQuery{{State: "mended"}, {Area: "nowhere"}, {Area: "'; DROP TABLE pothole_reports"}} {
		if _, _, err := f.Faults(ctx, q); err == nil {
			t.Errorf("%+v: no error", q)
		} else if _, ok := bot.UserMessage(err); !ok {
			t.Errorf("%+v: %v is not for people", q, err)
		}
	}
	list, total, err := f.Faults(ctx, FaultQuery{State: "unresolved", Limit: 1})
	if err != nil || total != 2 || len(list) != 1 || list[0].Ref != "P2" {
		t.Errorf("page of one: %+v %d %v", list, total, err)
	}
	d, err := f.FaultPage(ctx, 1, func(int64) string { return "staff" })
	if err != nil || len(d.PhotoFiles) != 1 {
		t.Fatalf("P1: %+v %v", d, err)
	}
	file := d.PhotoFiles[0]
	if p, err := f.PhotoPath(ctx, 1, file); err != nil || p != filepath.Join(photoDir, file) {
		t.Errorf("P1's photo: %q %v", p, err)
	}
	for _, tc := range []struct {
		id   int64
		file string
	}{{2, file}, {1, "../" + file}, {1, strings.TrimSuffix(file, ".jpg") + ".svg"}, {1, "neighbourbot.db"}, {99, file}} {
		if _, err := f.PhotoPath(ctx, tc.id, tc.file); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("P%d %q: %v", tc.id, tc.file, err)
		}
	}
	if err := os.Remove(filepath.Join(photoDir, file)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.PhotoPath(ctx, 1, file); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("a photo gone from the disk: %v", err)
	}
}

// TestHidePhones: numbers written out or as WhatsApp
// addresses are hidden; references, dates, prices and request ids are not.
func TestHidePhones(t *testing.T) {
	for in, want := range map[string]string{
		"Ring our crew on 07700 900456 for access.":  "Ring our crew on [phone number] for access.",
		"Call +44 7700 900123 or 01743-123456 today": "Call [phone number] or [phone number] today",
		"07700900123":                                    "[phone number]",
		"from 447700900123@s.whatsapp.net":               "from [phone number]",
		"Open311 request 293944, expected by 14/03/2026": "Open311 request 293944, expected by 14/03/2026",
		"P1234 costs £1,250.00 at 10:30":                 "P1234 costs £1,250.00 at 10:30",
	} {
		if got := hidePhones(in); got != want {
			t.Errorf("hidePhones(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCouncilNotesHidePhones: a council's notes quoting a phone number
// reach the group and the history without it.
func TestCouncilNotesHidePhones(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.status = answer{200, "requests_typed_phone.json"} })
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n")
	out := h.Run("@advance 6h\nAlice: !pothole P1\n")
	if !strings.Contains(out, "Council update on P1: Ring our crew on [phone number] for access.") || strings.Contains(out, "900456") {
		t.Errorf("group:\n%s", out)
	}
}
