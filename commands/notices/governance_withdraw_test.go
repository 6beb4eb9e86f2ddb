package notices

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// TestCancelWithdrawsWhatHasNotGoneOut: each way a notice can still be
// waiting (for approval, overnight in the outbox, for its effective time)
// ends with the chain's earlier members withdrawn, nothing sent, and the
// audit saying why.
func TestCancelWithdrawsWhatHasNotGoneOut(t *testing.T) {
	const (
		orig   = `{"id":"road-3","title":"Belle Vue Road closed Tuesday","topics":["roads"],"areas":["SY3 7"]%s}`
		update = `{"id":"road-3b","title":"Belle Vue Road closed Wednesday","topics":["roads"],"areas":["SY3 7"],"msg_type":"update","references":"road-3"}`
		cancel = `{"id":"road-3c","title":"Belle Vue Road stays open","topics":["roads"],"areas":["SY3 7"],"msg_type":"cancel","references":"road-3"}`
	)
	cases := []struct {
		name     string
		approval bool
		at       time.Duration // after 09:00
		extra    string        // added to the original's JSON
		submit   []string
		want     map[int64]State
	}{
		{"update replaces a pending original", true, 0, "", []string{update}, map[int64]State{1: StateWithdrawn, 2: StateAwaitingApproval}},
		{"cancel withdraws original and update", true, 0, "", []string{update, cancel}, map[int64]State{1: StateWithdrawn, 2: StateWithdrawn, 3: StateRecorded}},
		{"cancel of a notice held overnight", false, 13 * time.Hour, "", []string{cancel}, map[int64]State{1: StatePlanned, 2: StateRecorded}},
		{"update of a scheduled notice", false, 0, `,"effective":"2026-01-06T09:00:00Z"`, []string{update}, map[int64]State{1: StateWithdrawn, 2: StatePlanned}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.RequireApproval = tc.approval
			rg := newRig(t, cfg)
			rg.optIn("street", "SY3 7")
			rg.advance(tc.at)
			rg.submit(strings.Replace(orig, "%s", tc.extra, 1))
			rg.runJobs()
			for _, raw := range tc.submit {
				rg.submit(raw)
			}
			rg.advance(48 * time.Hour)
			ctx := context.Background()
			for id, want := range tc.want {
				n, err := rg.r.st.notice(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if n.State != want {
					t.Errorf("#%d is %s, want %s", id, n.State, want)
				}
			}
			for _, m := range rg.tr.sent {
				if strings.Contains(m.Text, "Tuesday") || strings.Contains(m.Text, "stays open") {
					t.Errorf("sent %q", m.Text)
				}
			}
			if tc.want[1] == StateWithdrawn {
				if got := rg.auditEvents("withdrawn"); len(got) == 0 || got[0].NoticeID != 1 || !strings.Contains(got[0].Detail, "withdrawn by") {
					t.Errorf("withdrawn audit %+v", got)
				}
				_, err := rg.r.Governance().Approve(ctx, 1, Approver{Key: "cli:carol", Name: "Carol"})
				if err == nil || !strings.Contains(err.Error(), "it was withdrawn by") {
					t.Errorf("approving the withdrawn original: %v", err)
				}
			}
		})
	}
}

// TestWithdrawnCouncilSide runs the withdrawal transcript, then prints the
// notice audit as the council reads it (neighbourbot notices audit): what
// was withdrawn, by which notice, and the cancellation only recorded.
func TestWithdrawnCouncilSide(t *testing.T) {
	src, err := os.ReadFile("testdata/approval/withdrawn.script")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.RequireApproval = true
	cfg.EmergencyTwoApprovals = true
	var relay *Feature
	h := bottest.New(t, harnessOptions(cfg, &relay))
	var b strings.Builder
	b.WriteString(h.Run(string(src)))
	recs, err := relay.Governance().Audit(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var kept []AuditRecord
	for _, r := range recs {
		if r.Event != "approvers_told" {
			kept = append(kept, r)
		}
	}
	b.WriteString("\n== neighbourbot notices audit\n")
	if err := WriteAudit(&b, kept, false); err != nil {
		t.Fatal(err)
	}
	bottest.CompareGolden(t, "testdata/approval/withdrawn_council.golden", b.String())
}
