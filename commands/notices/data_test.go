package notices

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestForgottenApproverKeepsTheGovernanceRecord: an approver's !mydata
// counts the notices they approved and rejected and says the audit keeps
// their name; !forgetme takes the name out of their approvals (which keep
// counting, by id) while the append-only audit keeps it as the approver of
// record.
func TestForgottenApproverKeepsTheGovernanceRecord(t *testing.T) {
	cfg := testConfig()
	cfg.RequireApproval = true
	cfg.EmergencyTwoApprovals = true
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	h.Run(`@admin Alice
Alice: !bot on
Alice: !notices on
Alice: !notices area SY3 7
@notice {"id":"grit-5","title":"Gritting tonight","topics":["gritting"],"areas":["SY3"]}
@notice {"id":"flood-5","title":"Flood warning: Rea Brook","topics":["flooding"],"areas":["SY3 7"],"urgency":"emergency"}
@notice {"id":"fete-1","title":"Summer fete","topics":["events"]}
dm Carol: !approve 1
dm Carol: !approve 2
dm Carol: !reject 3 not council business
`)
	ctx := context.Background()
	carol, err := h.Store.PersonByAddr(ctx, "Carol")
	if err != nil {
		t.Fatal(err)
	}
	dp := dataProvider{r}
	const decided = "You approved 2 council notices and rejected 1 council notice; the council's notice audit keeps your name as the approver of record (it is append-only, so erasing your data does not remove it)."
	lines, err := dp.DescribePerson(ctx, carol.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lines, " ") != decided {
		t.Errorf("describe before forgetting:\n got %q\nwant %q", lines, decided)
	}

	summary, err := dp.ForgetPerson(ctx, carol.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "your name removed from 2 notice approvals (the council's notice audit keeps it as the approver of record)") {
		t.Errorf("forget summary %q", summary)
	}
	var named, former int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notice_approvals WHERE approver_name = 'Carol'`).Scan(&named); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notice_approvals WHERE approver = ? AND approver_name = ?`, approverKey(carol.ID), formerApprover).Scan(&former); err != nil {
		t.Fatal(err)
	}
	if named != 0 || former != 2 {
		t.Errorf("approvals: %d still named Carol, %d anonymised; want 0 and 2", named, former)
	}
	var audited int
	if err := h.Store.Raw().QueryRow(`SELECT COUNT(*) FROM notice_audit WHERE actor = 'Carol'`).Scan(&audited); err != nil {
		t.Fatal(err)
	}
	if audited != 4 { // approved and released #1, approved #2, rejected #3
		t.Errorf("%d audit lines name Carol after forgetting, want the 4 of the record", audited)
	}
	lines, err = dp.DescribePerson(ctx, carol.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(lines, " ") != decided {
		t.Errorf("describe after forgetting:\n got %q\nwant %q", lines, decided)
	}

	// The anonymised approval still counts towards the emergency's two.
	out := h.Run("dm Dave: !pending\ndm Dave: !approve 2\n")
	if !strings.Contains(out, "approved by a former approver, needs 2") || strings.Contains(out, "Carol") {
		t.Errorf("pending after forgetting:\n%s", out)
	}
	if !strings.Contains(out, "[street] bot: *⚠️ Emergency: Flood warning: Rea Brook*") {
		t.Errorf("second approval did not release the emergency:\n%s", out)
	}
}

// TestMergedPersonKeepsNoticeRecords: when two records of one person are
// merged (a LID and a phone number first seen apart), the approvals,
// rejections and queued deliveries keyed "person:ID" follow them.
func TestMergedPersonKeepsNoticeRecords(t *testing.T) {
	cfg := testConfig()
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	ctx := context.Background()
	now := h.Clock.Now()
	lid, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "111@lid", Name: "Carol"}, now)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "447700900123@s.whatsapp.net", Name: "Carol"}, now)
	if err != nil {
		t.Fatal(err)
	}
	db := h.Store.Raw()
	from, into := max(lid.ID, pn.ID), min(lid.ID, pn.ID)
	for _, q := range []string{
		`INSERT INTO notices (id, source, source_name, identifier, msg_type, urgency, title, body, sent_at, state, received_at, rejected_by) VALUES (1, 'webhook', 'Council', 'n1', 'alert', 'normal', 'T', '', 0, 'rejected', 0, 'person:` + strconv.FormatInt(from, 10) + `')`,
		`INSERT INTO notice_approvals (notice_id, approver, approver_name, approved_at) VALUES (1, 'person:` + strconv.FormatInt(from, 10) + `', 'Carol', 0)`,
		`INSERT INTO notice_outbox (notice_id, target, person_id, state, due_at) VALUES (1, 'person:` + strconv.FormatInt(from, 10) + `', ` + strconv.FormatInt(from, 10) + `, 'pending', 0)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "111@lid", Alt: "447700900123@s.whatsapp.net"}, now); err != nil {
		t.Fatal(err)
	}
	key := "person:" + strconv.FormatInt(into, 10)
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM notice_approvals WHERE approver = ?`, key).Scan(&n)
	if n != 1 {
		t.Error("approval did not follow the merge")
	}
	db.QueryRow(`SELECT COUNT(*) FROM notices WHERE rejected_by = ?`, key).Scan(&n)
	if n != 1 {
		t.Error("rejection did not follow the merge")
	}
	db.QueryRow(`SELECT COUNT(*) FROM notice_outbox WHERE target = ? AND person_id = ?`, key, into).Scan(&n)
	if n != 1 {
		t.Error("queued delivery did not follow the merge")
	}
}

// TestMergedPersonWhoHadTheSameNoticeTwice: when both records of one
// person approved the same notice, had it queued and had its poll, the
// merge keeps one of each under the surviving record — the approval once,
// the delivery once (the other superseded, kept for !mydata), the poll
// chat of each — and fails on none of them.
func TestMergedPersonWhoHadTheSameNoticeTwice(t *testing.T) {
	cfg := testConfig()
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	ctx := context.Background()
	now := h.Clock.Now()
	lid, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "111@lid", Name: "Carol"}, now)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "447700900123@s.whatsapp.net", Name: "Carol"}, now)
	if err != nil {
		t.Fatal(err)
	}
	db := h.Store.Raw()
	from, into := max(lid.ID, pn.ID), min(lid.ID, pn.ID)
	fromKey, intoKey := "person:"+strconv.FormatInt(from, 10), "person:"+strconv.FormatInt(into, 10)
	if _, err := db.Exec(`INSERT INTO notices (id, source, source_name, identifier, msg_type, urgency, title, body, sent_at, state, received_at)
		VALUES (1, 'webhook', 'Council', 'n1', 'alert', 'normal', 'T', '', 0, 'approved', 0)`); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		id  int64
		key string
	}{{from, fromKey}, {into, intoKey}} {
		for _, q := range []string{
			`INSERT INTO notice_approvals (notice_id, approver, approver_name, approved_at) VALUES (1, ?, 'Carol', 0)`,
			`INSERT INTO notice_poll_chats (notice_id, target, chat) VALUES (1, ?, 'dm')`,
		} {
			if _, err := db.Exec(q, p.key); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if _, err := db.Exec(`INSERT INTO notice_outbox (notice_id, target, person_id, state, due_at) VALUES (1, ?, ?, 'pending', 0)`, p.key, p.id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: "111@lid", Alt: "447700900123@s.whatsapp.net"}, now); err != nil {
		t.Fatal(err)
	}
	rows := func(q string, args ...any) string {
		t.Helper()
		rs, err := db.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var out []string
		for rs.Next() {
			var a, b string
			if err := rs.Scan(&a, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, a+" "+b)
		}
		return strings.Join(out, ", ")
	}
	if got := rows(`SELECT approver, approver_name FROM notice_approvals ORDER BY approver`); got != intoKey+" Carol" {
		t.Errorf("approvals after the merge: %s, want one, by %s", got, intoKey)
	}
	want := fromKey + " superseded, " + intoKey + " pending"
	if intoKey < fromKey {
		want = intoKey + " pending, " + fromKey + " superseded"
	}
	if got := rows(`SELECT target, state FROM notice_outbox WHERE person_id = ? ORDER BY target`, into); got != want {
		t.Errorf("deliveries after the merge: %s, want %s", got, want)
	}
	if got := rows(`SELECT target, chat FROM notice_poll_chats ORDER BY target`); got != fromKey+" dm, "+intoKey+" dm" && got != intoKey+" dm, "+fromKey+" dm" {
		t.Errorf("poll chats after the merge: %s, want both kept", got)
	}
}
