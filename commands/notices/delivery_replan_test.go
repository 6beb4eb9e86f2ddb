package notices

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// failPlanBooking makes booking a fan-out job fail, as a full disk or a
// locked database would, until the returned func is called.
func failPlanBooking(t *testing.T, h *bottest.Harness) (restore func()) {
	t.Helper()
	if _, err := h.Store.Raw().Exec(`CREATE TRIGGER test_plan_booking_fails BEFORE INSERT ON jobs WHEN NEW.kind = '` + jobPlan + `'
		BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := h.Store.Raw().Exec(`DROP TRIGGER test_plan_booking_fails`); err != nil {
			t.Fatal(err)
		}
	}
}

func noticeState(t *testing.T, h *bottest.Harness, identifier string) State {
	t.Helper()
	var s string
	if err := h.Store.Raw().QueryRow(`SELECT state FROM notices WHERE identifier = ?`, identifier).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return State(s)
}

// TestWebhookRetryAfterFailedBookingIsPlanned: the notice's fan-out cannot
// be booked, so nothing of the submission is kept and the webhook says "try
// again"; the sender's retry is accepted as new and goes out once without
// waiting for a restart, and later copies are duplicates.
func TestWebhookRetryAfterFailedBookingIsPlanned(t *testing.T) {
	h, _, srv := webhookHarness(t, testConfig())
	h.Run("@admin Alice\nAlice: !bot on\nAlice: !notices on\n")
	bearer := "Bearer " + testToken
	body := `{"id":"road-9","title":"Castle Street closed","topics":["roads"],"urgency":"urgent"}`

	restore := failPlanBooking(t, h)
	status, out := post(t, srv, bearer, body)
	if status != http.StatusInternalServerError || !strings.Contains(out["error"].(string), "try again") {
		t.Fatalf("with booking failing: %d %v, want 500 try again", status, out)
	}
	var stored int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notices WHERE identifier = 'road-9'`).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("%d notices kept from a submission that failed (%v), want none: the notice and its booking are one", stored, err)
	}
	if got := h.Run("@advance 10m\n"); strings.Contains(got, "Castle Street") {
		t.Fatalf("sent without a fan-out job:\n%s", got)
	}
	restore()

	status, out = post(t, srv, bearer, body)
	if status != http.StatusAccepted {
		t.Fatalf("retry: %d %v, want 202 accepted", status, out)
	}
	got := h.Run("@advance 1m\n")
	if strings.Count(got, "Castle Street closed") != 1 {
		t.Fatalf("after the retry the group got:\n%s", got)
	}
	if st := noticeState(t, h, "road-9"); st != StatePlanned {
		t.Errorf("notice %s, want planned", st)
	}

	// A later duplicate of a planned notice books nothing and sends nothing.
	status, out = post(t, srv, bearer, body)
	if status != http.StatusOK || out["status"] != "duplicate" {
		t.Fatalf("third copy: %d %v", status, out)
	}
	var plans int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = ?`, jobPlan).Scan(&plans); err != nil {
		t.Fatal(err)
	}
	if plans != 0 {
		t.Errorf("%d fan-out jobs booked for a planned notice", plans)
	}
	if got := h.Run("@advance 1h\n"); strings.Contains(got, "Castle Street") {
		t.Errorf("a duplicate sent it again:\n%s", got)
	}
}

// TestApproveAgainAfterFailedBookingIsPlanned: the approval is recorded
// but the fan-out cannot be booked; approving again says the notice was
// already approved, and books the fan-out it was missing.
func TestApproveAgainAfterFailedBookingIsPlanned(t *testing.T) {
	cfg := testConfig()
	cfg.RequireApproval = true
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	h.Run("@admin Alice\nAlice: !bot on\nAlice: !notices on\n" +
		`@notice {"id":"bins-3","title":"Bins a day late","topics":["bins"],"urgency":"urgent"}` + "\n")
	who := Approver{Key: "cli:officer", Name: "officer (command line)"}
	ctx := context.Background()

	restore := failPlanBooking(t, h)
	if _, err := r.Governance().Approve(ctx, 1, who); err == nil || !strings.Contains(err.Error(), "disk I/O error") {
		t.Fatalf("approve with booking failing: %v", err)
	}
	restore()
	_, err := r.Governance().Approve(ctx, 1, who)
	if msg, ok := bot.UserMessage(err); !ok || !strings.Contains(msg, "already approved") {
		t.Fatalf("approving again: %v", err)
	}
	if got := h.Run("@advance 1m\n"); strings.Count(got, "Bins a day late") != 1 {
		t.Fatalf("after approving again the group got:\n%s", got)
	}
}

// TestDuplicateLeavesAWaitingFanOutAlone: a feed repeating an item while
// its fan-out is retrying must not reset the retry count.
func TestDuplicateLeavesAWaitingFanOutAlone(t *testing.T) {
	h, _, srv := webhookHarness(t, testConfig())
	h.Run("@admin Alice\nAlice: !bot on\nAlice: !notices on\n")
	bearer := "Bearer " + testToken
	body := `{"id":"road-10","title":"Mill Lane closed","topics":["roads"],"urgency":"urgent"}`
	if status, _ := post(t, srv, bearer, body); status != http.StatusAccepted {
		t.Fatalf("first copy: %d", status)
	}
	db := h.Store.Raw()
	// Its fan-out job has already failed twice and is waiting.
	if _, err := db.Exec(`UPDATE jobs SET attempts = 2, run_at = ? WHERE key = ?`, h.Clock.Now().Add(time.Hour).UnixMilli(), planKey(1)); err != nil {
		t.Fatal(err)
	}
	if status, _ := post(t, srv, bearer, body); status != http.StatusOK {
		t.Fatalf("duplicate: %d", status)
	}
	var attempts int
	if err := db.QueryRow(`SELECT attempts FROM jobs WHERE key = ?`, planKey(1)).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if attempts != 2 {
		t.Errorf("attempts = %d after a duplicate, want 2 (left alone)", attempts)
	}
}
