package notices

import (
	"neighbourbot/bot/sqlkit"
	"strings"
	"testing"
	"time"
)

// TestApproversNobodyCanBeTold: approvers who never wrote to the bot are
// not messaged (no cold messages), and the audit says so; the summary job
// is booked once however many notices arrive, and not again within 30
// minutes of the last summary.
func TestApproversNobodyCanBeTold(t *testing.T) {
	cfg := testConfig()
	cfg.RequireApproval = true
	rg := newRig(t, cfg)
	rg.submit(`{"id":"a-1","title":"Bins late","topics":["bins"]}`)
	rg.submit(`{"id":"a-2","title":"Roads shut","topics":["roads"]}`)
	var jobs int
	if err := rg.store.Raw().QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = ?`, jobApproverDigest).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 1 {
		t.Fatalf("%d summary jobs booked, want 1", jobs)
	}
	rg.runJobs()
	if n := len(rg.tr.sent); n != 0 {
		t.Errorf("%d messages sent to approvers who never wrote to the bot", n)
	}
	told := rg.auditEvents(eventApproversTold)
	if len(told) != 2 || !strings.Contains(told[0].Detail, "0 approvers told") || !strings.Contains(told[0].Detail, "2 approvers could not be") {
		t.Fatalf("audit %+v, want both notices recorded as not told", told)
	}
	rg.clock.Set(rg.clock.Now().Add(10 * time.Minute))
	rg.submit(`{"id":"a-3","title":"Fete","topics":["events"]}`)
	var at int64
	if err := rg.store.Raw().QueryRow(`SELECT run_at FROM jobs WHERE kind = ?`, jobApproverDigest).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if got, want := sqlkit.FromMillis(at), told[0].At.Add(approverSummaryEvery); !got.Equal(want) {
		t.Errorf("next summary at %v, want %v (30 minutes after the last)", got, want)
	}
}
