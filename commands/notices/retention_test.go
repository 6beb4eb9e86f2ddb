package notices

import (
	"context"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

var _ bot.RecordPurger = dataProvider{}

func TestPurgeClosedKeepsTheGovernanceRecord(t *testing.T) {
	h := bottest.New(t, harnessOptions(testConfig(), nil))
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
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	// Each notice went to the group and to Bob.
	if n := count(`SELECT COUNT(*) FROM notice_outbox WHERE state = 'sent'`); n != 8 {
		t.Fatalf("%d deliveries sent, want 8\n%s", n, out)
	}
	// A delivery of the expired notice still in flight is never purged.
	if _, err := db.Exec(`INSERT INTO notice_outbox (notice_id, target, state, due_at) VALUES (1, 'group:other', 'sending', 0)`); err != nil {
		t.Fatal(err)
	}
	kept := bottest.Dump(t, db,
		`SELECT * FROM notices ORDER BY id`,
		`SELECT * FROM notice_approvals ORDER BY notice_id`,
		`SELECT * FROM notice_audit ORDER BY id`,
		`SELECT * FROM notice_subscriptions ORDER BY id`,
		`SELECT * FROM notice_outbox WHERE notice_id <> 1 OR state = 'sending' ORDER BY id`)
	audits := count(`SELECT COUNT(*) FROM notice_audit`)

	var purger bot.RecordPurger
	for _, p := range h.Engine.DataProviders() {
		if rp, ok := p.(bot.RecordPurger); ok && p.DataName() == "Council notices" {
			purger = rp
		}
	}
	if purger == nil {
		t.Fatal("the Council notices data provider is not a RecordPurger")
	}
	ctx := context.Background()
	cutoff := h.Engine.Now().Add(-365 * 24 * time.Hour)
	n, err := purger.PurgeClosed(ctx, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	// road-1 expired over a year ago: its two deliveries go. road-2 never
	// expires, road-3 expired less than a year ago and road-4 is current:
	// theirs stay.
	if n != 2 {
		t.Errorf("purged %d rows, want 2", n)
	}
	if n := count(`SELECT COUNT(*) FROM notice_outbox WHERE notice_id = 1 AND state = 'sent'`); n != 0 {
		t.Errorf("%d deliveries of the expired notice kept", n)
	}
	after := bottest.Dump(t, db,
		`SELECT * FROM notices ORDER BY id`,
		`SELECT * FROM notice_approvals ORDER BY notice_id`,
		`SELECT * FROM notice_audit ORDER BY id`,
		`SELECT * FROM notice_subscriptions ORDER BY id`,
		`SELECT * FROM notice_outbox WHERE notice_id <> 1 OR state = 'sending' ORDER BY id`)
	if after != kept {
		t.Errorf("the purge touched notices, approvals, the audit, subscriptions or live deliveries:\nbefore:\n%s\nafter:\n%s", kept, after)
	}
	if got := count(`SELECT COUNT(*) FROM notice_audit`); got != audits {
		t.Errorf("audit has %d records, had %d", got, audits)
	}
	if n, err := purger.PurgeClosed(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want 0, nil", n, err)
	}
	// A re-sent copy of the old notice is still recognised as a duplicate.
	h.Run(`@notice {"id":"road-1","title":"Belle Vue Road closed Tuesday","topics":["roads"],"areas":["SY3 7"],"urgency":"urgent","expires":"2026-01-10T18:00:00Z"}` + "\n")
	if n := count(`SELECT COUNT(*) FROM notices`); n != 4 {
		t.Errorf("%d notices after the re-send, want 4", n)
	}
}
