package notices

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

var _ bot.RecordPurger = dataProvider{}

// noticesPurger is the Council notices data provider, as the retention
// job finds it.
func noticesPurger(t *testing.T, h *bottest.Harness) bot.RecordPurger {
	t.Helper()
	for _, p := range h.Kit("test").Reg.DataProviders() {
		if rp, ok := p.(bot.RecordPurger); ok && p.DataName() == "Council notices" {
			return rp
		}
	}
	t.Fatal("the Council notices data provider is not a RecordPurger")
	return nil
}

func countRows(t *testing.T, h *bottest.Harness, q string, args ...any) int {
	t.Helper()
	var n int
	if err := h.Store.Raw().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestPurgeClosedKeepsTheGovernanceRecord: with retention_days = 365, a
// notice that expired over a year ago goes with its deliveries once none
// is in flight; notices without expiry (which count as ending 90 days
// after arrival), expired less than a year ago or current stay untouched;
// the append-only audit and the subscriptions are kept whole, and a
// re-sent copy of the purged notice is still a duplicate.
func TestPurgeClosedKeepsTheGovernanceRecord(t *testing.T) {
	cfg := testConfig()
	cfg.RetentionDays = 365
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	out := h.Run(`@admin Alice
Alice: !bot on
Alice: !notices on
Alice: !notices area SY3 7
dm Bob: !subscribe roads SY3
@notice {"id":"road-1","title":"Belle Vue Road closed Tuesday","topics":["roads"],"areas":["SY3 7"],"urgency":"urgent","expires":"2026-01-10T18:00:00Z"}
@notice {"id":"road-2","title":"New one-way system","topics":["roads"],"areas":["SY3 7"],"urgency":"urgent"}
@notice {"id":"road-3","title":"Roadworks until March","topics":["roads"],"areas":["SY3 7"],"urgency":"urgent","expires":"2026-03-26T18:00:00Z"}
@advance 380d
@notice {"id":"road-4","title":"Bridge works next month","topics":["roads"],"areas":["SY3 7"],"urgency":"urgent","expires":"2027-02-20T00:00:00Z"}
`)
	db := h.Store.Raw()
	// Each notice went to the group and to Bob.
	if n := countRows(t, h, `SELECT COUNT(*) FROM notice_outbox WHERE state = 'sent'`); n != 8 {
		t.Fatalf("%d deliveries sent, want 8\n%s", n, out)
	}
	// A delivery of the expired notice still in flight keeps all of it.
	if _, err := db.Exec(`INSERT INTO notice_outbox (notice_id, target, state, due_at) VALUES (1, 'group:other', 'sending', 0)`); err != nil {
		t.Fatal(err)
	}
	kept := bottest.Dump(t, db,
		`SELECT * FROM notices WHERE id <> 1 ORDER BY id`,
		`SELECT * FROM notice_audit ORDER BY id`,
		`SELECT * FROM notice_subscriptions ORDER BY id`,
		`SELECT * FROM notice_outbox WHERE notice_id <> 1 ORDER BY id`)
	audits := countRows(t, h, `SELECT COUNT(*) FROM notice_audit`)

	purger := noticesPurger(t, h)
	ctx := context.Background()
	if n, err := purger.PurgeClosed(ctx, time.Time{}); err != nil || n != 0 {
		t.Fatalf("purge with a delivery in flight = %d, %v; want 0, nil", n, err)
	}
	if _, err := db.Exec(`UPDATE notice_outbox SET state = 'failed' WHERE state = 'sending'`); err != nil {
		t.Fatal(err)
	}
	n, err := purger.PurgeClosed(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// road-1 (expired over a year ago): the notice and its three
	// deliveries. road-2 ended 90 days after it came, less than a year
	// ago; road-3 expired less than a year ago; road-4 is current.
	if n != 4 {
		t.Errorf("purged %d rows, want 4", n)
	}
	if n := countRows(t, h, `SELECT COUNT(*) FROM notices WHERE id = 1`) + countRows(t, h, `SELECT COUNT(*) FROM notice_outbox WHERE notice_id = 1`); n != 0 {
		t.Errorf("%d rows of the expired notice kept", n)
	}
	after := bottest.Dump(t, db,
		`SELECT * FROM notices WHERE id <> 1 ORDER BY id`,
		`SELECT * FROM notice_audit ORDER BY id`,
		`SELECT * FROM notice_subscriptions ORDER BY id`,
		`SELECT * FROM notice_outbox WHERE notice_id <> 1 ORDER BY id`)
	if after != kept {
		t.Errorf("the purge touched other notices, the audit, subscriptions or their deliveries:\nbefore:\n%s\nafter:\n%s", kept, after)
	}
	if got := countRows(t, h, `SELECT COUNT(*) FROM notice_audit`); got != audits {
		t.Errorf("audit has %d records, had %d", got, audits)
	}
	if got := countRows(t, h, `SELECT COUNT(*) FROM notice_audit WHERE notice_id = 1`); got == 0 {
		t.Error("the purged notice's audit records are gone")
	}
	if _, err := db.Exec(`DELETE FROM notice_audit WHERE notice_id = 1`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("deleting from notice_audit = %v, want the append-only refusal", err)
	}
	if n, err := purger.PurgeClosed(ctx, time.Time{}); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want 0, nil", n, err)
	}
	// The same id again (as a feed that still lists it would send it) is
	// a duplicate, not a new notice.
	var source string
	if err := db.QueryRow(`SELECT source FROM notices WHERE id = 2`).Scan(&source); err != nil {
		t.Fatal(err)
	}
	res, err := r.gov.Ingest(ctx, &Notice{Source: source, SourceName: "Shropshire Council", Identifier: "road-1", MsgType: MsgAlert,
		Urgency: UrgencyUrgent, Title: "Belle Vue Road closed Tuesday", Topics: []string{"roads"}, Areas: []string{"SY3 7"},
		Expires: h.Now().Add(24 * time.Hour)}, "test")
	if err != nil || !res.Duplicate {
		t.Errorf("re-sent purged notice = %+v, %v; want a duplicate", res, err)
	}
	if known, err := r.st.hasNotice(ctx, source, "road-1"); err != nil || !known {
		t.Errorf("hasNotice(road-1) = %v, %v after the purge", known, err)
	}
	if n := countRows(t, h, `SELECT COUNT(*) FROM notices`); n != 3 {
		t.Errorf("%d notices after the re-send, want 3", n)
	}
}

// TestPurgeRemovesEveryRowOfAnEndedNotice: old notices that ended (a poll,
// a consultation, a rejected one, one without expiry) go with every row
// in every table that names them, in one purge; the audit stays; a
// notice awaiting approval, a scheduled one, a current one and an open
// one without expiry are not touched.
func TestPurgeRemovesEveryRowOfAnEndedNotice(t *testing.T) {
	cfg := testConfig()
	cfg.RequireApproval = true
	var r *Feature
	h := bottest.New(t, harnessOptions(cfg, &r))
	out := h.Run(`@group street Elm Road
@admin Alice
Alice: !bot on
Alice: !notices on
Alice: !area SY3 7
dm Sam: !subscribe all SY3
@notice {"id":"lib-1","title":"Library opening hours","topics":["consultations"],"areas":["SY3 7"],"expires":"2026-01-20T00:00:00Z","consultation":{"closes":"2026-01-09T17:00:00Z"}}
@notice {"id":"20mph-1","title":"Should Longden Road be 20 mph?","topics":["roads"],"areas":["SY3 7"],"expires":"2026-01-20T00:00:00Z","poll":{"question":"20 mph limit?","options":["Yes","No"],"closes":"2026-01-06T09:00:00Z"}}
@notice {"id":"fete-1","title":"Summer fete","topics":["events"],"areas":["SY3 7"]}
@notice {"id":"bins-1","title":"Bins a day late","topics":["bins"],"areas":["SY3 7"]}
@notice {"id":"grit-1","title":"Gritting tonight","topics":["gritting"],"areas":["SY3 7"],"expires":"2026-01-10T00:00:00Z"}
dm Carol: !approve 1
dm Carol: !approve 2
dm Carol: !approve 4
dm Dave: !reject 3 not council business
@group street
Bob: !say 1 Later on Thursdays, please
dm Sam: !say 1 Sunday afternoons
Bob [vote Yes]
Carol [vote No]
@advance 200d
@notice {"id":"fresh-1","title":"Verge cutting next week","topics":["roads"],"areas":["SY3 7"],"expires":"2026-08-10T00:00:00Z"}
@notice {"id":"later-1","title":"Road closed in August","topics":["roads"],"areas":["SY3 7"],"effective":"2026-08-01T09:00:00Z","expires":"2026-08-20T00:00:00Z"}
@notice {"id":"open-1","title":"New recycling centre hours","topics":["bins"],"areas":["SY3 7"]}
dm Carol: !approve 6
dm Carol: !approve 7
dm Carol: !approve 8
`)
	ctx := context.Background()
	state := func(id int) string {
		var s string
		if err := h.Store.Raw().QueryRow(`SELECT state FROM notices WHERE id = ?`, id).Scan(&s); err != nil {
			t.Fatalf("notice %d: %v\n%s", id, err, out)
		}
		return s
	}
	wantStates := map[int]string{1: "planned", 2: "planned", 3: "rejected", 4: "planned", 5: "awaiting_approval", 6: "planned", 7: "approved", 8: "planned"}
	for id, want := range wantStates {
		if got := state(id); got != want {
			t.Fatalf("notice %d is %s, want %s\n%s", id, got, want, out)
		}
	}
	ended, kept := []int{1, 2, 3, 4}, []int{5, 6, 7, 8}

	// Every table with a notice_id column, found from the schema so a
	// table added later is checked too.
	var tables []string
	rows, err := h.Store.Raw().Query(`SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) c
		WHERE m.type = 'table' AND c.name = 'notice_id' AND m.name <> 'notice_audit' ORDER BY m.name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 9 {
		t.Fatalf("tables naming notices: %v", tables)
	}
	rowsOf := func(ids []int) map[string]int {
		in := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(ids)), ","), "[]")
		got := map[string]int{
			"notices":         countRows(t, h, `SELECT COUNT(*) FROM notices WHERE id IN (`+in+`)`),
			"notice_comments": countRows(t, h, `SELECT COUNT(*) FROM notice_comments WHERE consultation_id IN (SELECT id FROM notice_consultations WHERE notice_id IN (`+in+`))`),
		}
		for _, tb := range tables {
			got[tb] = countRows(t, h, `SELECT COUNT(*) FROM `+tb+` WHERE notice_id IN (`+in+`)`)
		}
		return got
	}
	before := rowsOf(ended)
	for _, tb := range []string{"notices", "notice_outbox", "notice_approvals", "notice_polls", "notice_poll_chats", "notice_poll_counts", "notice_consultations", "notice_comments"} {
		if before[tb] == 0 {
			t.Fatalf("the ended notices have no rows in %s to purge: %v\n%s", tb, before, out)
		}
	}
	var total int64
	for _, n := range before {
		total += int64(n)
	}
	dump := func() string {
		in := "5,6,7,8"
		q := []string{`SELECT * FROM notices WHERE id IN (` + in + `) ORDER BY id`, `SELECT * FROM notice_audit ORDER BY id`,
			`SELECT * FROM notice_consultations WHERE notice_id IS NULL ORDER BY id`}
		for _, tb := range tables {
			q = append(q, `SELECT * FROM `+tb+` WHERE notice_id IN (`+in+`) ORDER BY 1, 2`)
		}
		return bottest.Dump(t, h.Store.Raw(), q...)
	}
	keptBefore := dump()
	keptRows := rowsOf(kept)

	// The retention job's cutoff is not the notices' one: passing the
	// start of time changes nothing.
	n, err := noticesPurger(t, h).PurgeClosed(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if n != total {
		t.Errorf("purged %d rows, want %d (%v)", n, total, before)
	}
	for tb, c := range rowsOf(ended) {
		if c != 0 {
			t.Errorf("%d rows of the ended notices left in %s", c, tb)
		}
	}
	if after := dump(); after != keptBefore {
		t.Errorf("the purge touched notices it must keep, or the audit:\nbefore:\n%s\nafter:\n%s", keptBefore, after)
	}
	if got := rowsOf(kept); fmt.Sprint(got) != fmt.Sprint(keptRows) {
		t.Errorf("rows of kept notices %v, had %v", got, keptRows)
	}
	for _, id := range ended {
		if countRows(t, h, `SELECT COUNT(*) FROM notice_audit WHERE notice_id = ?`, id) == 0 {
			t.Errorf("notice %d's audit is gone", id)
		}
	}
	// The kept ones carry on: the scheduled notice goes out on its day.
	out = h.Run("@advance 9d\n")
	if !strings.Contains(out, "Road closed in August") {
		t.Errorf("the scheduled notice did not go out after the purge:\n%s", out)
	}
}

// TestNightlyRetentionPurgesEndedNotices: moderation's nightly retention
// job is what calls the purge; its own retention_days (365) does not keep
// notices longer than [notices] retention_days.
func TestNightlyRetentionPurgesEndedNotices(t *testing.T) {
	h := bottest.New(t, moderatedOptions(testConfig(), nil))
	h.Run(`@group street Elm Road
@admin Alice
Alice: !bot on
Alice: !notices on
Alice: !area SY3 7
@notice {"id":"grit-1","title":"Gritting tonight","topics":["gritting"],"areas":["SY3 7"],"expires":"2026-01-06T00:00:00Z"}
@advance 80d
`)
	if n := countRows(t, h, `SELECT COUNT(*) FROM notices`); n != 1 {
		t.Fatalf("%d notices 80 days after expiry, want 1", n)
	}
	h.Run("@advance 12d\n")
	if n := countRows(t, h, `SELECT COUNT(*) FROM notices`) + countRows(t, h, `SELECT COUNT(*) FROM notice_outbox`); n != 0 {
		t.Errorf("%d rows of the notice kept 92 days after it expired", n)
	}
	if n := countRows(t, h, `SELECT COUNT(*) FROM notice_audit WHERE notice_id = 1`); n == 0 {
		t.Error("the nightly purge took the audit with it")
	}
}
