package notices

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
)

// outboxRowFor loads the single outbox row for a target.
func (rg *rig) outboxRowFor(target string) outboxRow {
	rg.t.Helper()
	rows, err := queryOutbox(context.Background(), rg.store.Raw(), `target = ?`, target)
	if err != nil {
		rg.t.Fatal(err)
	}
	if len(rows) != 1 {
		rg.t.Fatalf("%d outbox rows for %s, want 1", len(rows), target)
	}
	return rows[0]
}

// queueRow is the single row waiting in the core's send queue.
func (rg *rig) queueRow() bot.QueuedSend {
	rg.t.Helper()
	q, ok, err := rg.store.NextSend(context.Background(), rg.clock.Now().Add(24*time.Hour))
	if err != nil || !ok {
		rg.t.Fatalf("no send waiting in the queue (%v)", err)
	}
	return q
}

// TestOfflineDeliveriesWaitWithoutGivingUp: three days without WhatsApp
// use up no attempt and fail nothing: the delivery waits in the send queue
// under the id it was given, and goes out, once, when the connection is
// back.
func TestOfflineDeliveriesWaitWithoutGivingUp(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	var online atomic.Bool
	down := newRecorder()
	down.errFor = func(bot.OutMessage) error {
		if online.Load() {
			return nil
		}
		return fmt.Errorf("whatsapp: %w", bot.ErrNotConnected)
	}
	rg.restart(down)
	rg.submit(`{"id":"a","title":"Road closed","topics":["roads"],"areas":["SY3"],"urgency":"urgent"}`)
	rg.runJobs()
	rg.advance(72 * time.Hour)

	row := rg.outboxRowFor("street")
	q := rg.queueRow()
	if row.State != "sent" || row.MsgID == "" || q.MsgID != row.MsgID || q.Attempts != 0 {
		t.Fatalf("after three days offline: notice row %+v, queue row %+v; want the delivery waiting under its id with no attempt used", row, q)
	}
	if n := len(rg.auditEvents("failed")); n != 0 {
		t.Errorf("%d deliveries recorded as failed while offline", n)
	}

	online.Store(true)
	rg.advance(time.Minute)
	if got := down.perChat()["street"]; got != 1 {
		t.Fatalf("street got the notice %d times after reconnecting, want 1", got)
	}
	if down.sent[0].ID != row.MsgID {
		t.Errorf("sent under id %q, want the id fixed when it was queued (%q)", down.sent[0].ID, row.MsgID)
	}
	rg.advance(24 * time.Hour)
	if got := down.perChat()["street"]; got != 1 {
		t.Errorf("street got the notice %d times, want 1", got)
	}
}

// TestOfflineDigestUsesNoAttempts: a digest that cannot go out while
// offline waits in the send queue without using an attempt.
func TestOfflineDigestUsesNoAttempts(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	if err := saveGroupPrefs(context.Background(), rg.store.Raw(), groupPrefs{Chat: "street", Enabled: true, DigestAt: 18 * 60}, rg.clock.Now()); err != nil {
		t.Fatal(err)
	}
	down := newRecorder()
	down.failAfter, down.failErr = 0, bot.ErrNotConnected
	rg.restart(down)
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"]}`)
	rg.runJobs()
	rg.advance(10 * time.Hour) // 19:00: an hour of the digest waiting
	row, q := rg.outboxRowFor("street"), rg.queueRow()
	if row.State != "sent" || q.MsgID != row.MsgID || q.Attempts != 0 || !strings.Contains(string(q.Payload), "Bins late") {
		t.Fatalf("digest after an hour offline: notice row %+v, queue row %+v", row, q)
	}
}

// TestGroupOffAtSendDropsOnlyThatDelivery: when the bot is refused because
// the group switched it off, that delivery is dropped and audited, nothing
// is retried, and the group's notice settings are kept for its return.
func TestGroupOffAtSendDropsOnlyThatDelivery(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.optIn("hill", "SY3 7")
	if err := saveGroupPrefs(context.Background(), rg.store.Raw(), groupPrefs{Chat: "hill", Enabled: true, DigestAt: 18 * 60}, rg.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// The send queue checks each group as a row goes; a group that
	// switched the bot off after planning refuses it.
	var refusals atomic.Int32
	rg.tr.errFor = func(m bot.OutMessage) error {
		refusals.Add(1)
		return fmt.Errorf("send: %w", bot.ErrGroupOff)
	}
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"],"areas":["SY3"]}`)
	rg.runJobs()
	rg.advance(12 * time.Hour) // past hill's 18:00 digest
	if st := rg.outboxStates(); st["dropped"] != 2 || len(st) != 1 {
		t.Fatalf("outbox %v, want both deliveries dropped", st)
	}
	if n := refusals.Load(); n != 2 {
		t.Errorf("%d sends tried, want 2 (one each, no retries)", n)
	}
	dropped := rg.auditEvents("dropped")
	if len(dropped) != 2 || !strings.Contains(dropped[0].Detail, "switched the bot off") {
		t.Errorf("dropped audit %+v", dropped)
	}
	for _, chat := range []bot.ChatID{"street", "hill"} {
		prefs, err := rg.r.st.groupPrefs(context.Background(), chat)
		if err != nil {
			t.Fatal(err)
		}
		if !prefs.Enabled || prefs.DisabledReason != "" {
			t.Errorf("%s: notice settings changed by the group's own switch-off: %+v", chat, prefs)
		}
	}
}

// TestNormalRetryWaitsForMorning: a normal notice whose send fails just
// before quiet hours is retried in the morning, not at night, while an
// emergency arriving in the night still goes out at once.
func TestNormalRetryWaitsForMorning(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	var failures atomic.Int32
	failures.Store(1)
	rg.tr.errFor = func(bot.OutMessage) error {
		if failures.Add(-1) >= 0 {
			return fmt.Errorf("websocket closed")
		}
		return nil
	}
	rg.clock.Set(time.Date(2026, 1, 5, 20, 59, 58, 0, time.UTC))
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"],"areas":["SY3"]}`)
	rg.runJobs()
	rg.advance(10 * time.Second) // the send queue's first retry falls after 21:00
	q := rg.queueRow()
	morning := time.Date(2026, 1, 6, 8, 0, 0, 0, time.UTC)
	if q.Attempts != 1 || !q.NotBefore.Equal(morning) {
		t.Fatalf("failed normal notice waits until %v after %d attempts, want %v", q.NotBefore, q.Attempts, morning)
	}
	rg.advance(5 * time.Minute)
	rg.submit(`{"id":"e","title":"Flood warning","topics":["flooding"],"areas":["SY3"],"urgency":"emergency"}`)
	rg.runJobs()
	if len(rg.tr.sent) != 1 || !strings.Contains(rg.tr.sent[0].Text, "Flood warning") {
		t.Fatalf("in the night sent %+v, want only the emergency", rg.tr.sent)
	}
	rg.advance(morning.Add(-time.Minute).Sub(rg.clock.Now()))
	if len(rg.tr.sent) != 1 {
		t.Fatalf("normal notice retried in quiet hours: %+v", rg.tr.sent)
	}
	rg.advance(2 * time.Minute)
	if len(rg.tr.sent) != 2 || !strings.Contains(rg.tr.sent[1].Text, "Bins late") {
		t.Fatalf("in the morning sent %+v", rg.tr.sent)
	}
}

// TestSendErrorsKeepNoPhoneNumbers: a transport whose errors name the
// subscriber's phone-number chat leaves no number in the outbox, the
// audit or its CSV export.
func TestSendErrorsKeepNoPhoneNumbers(t *testing.T) {
	rg := newRig(t, testConfig())
	ctx := context.Background()
	const jid = "447700900123@s.whatsapp.net"
	erin, err := rg.store.ResolvePerson(ctx, bot.Sender{Addr: jid, Name: "Erin"}, rg.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rg.store.Raw().Exec(`INSERT INTO notice_subscriptions (person_id, topic, area, created_at) VALUES (?, 'all', 'SY3 7', 0)`, erin.ID); err != nil {
		t.Fatal(err)
	}
	rg.tr.errFor = func(m bot.OutMessage) error {
		if strings.Contains(m.Text, "Road closed") {
			return fmt.Errorf("server error 500 sending to %s (device %s)", m.Chat, strings.Replace(string(m.Chat), "@", ":3@", 1))
		}
		return fmt.Errorf("no chat %s: %w", m.Chat, bot.ErrNotInChat)
	}
	rg.submit(`{"id":"a","title":"Road closed","topics":["roads"],"areas":["SY3"],"urgency":"urgent"}`)
	rg.runJobs()
	rg.advance(48 * time.Hour) // every retry, then giving up
	rg.submit(`{"id":"b","title":"Bins late","topics":["bins"],"areas":["SY3"],"urgency":"urgent"}`)
	rg.runJobs()

	if st := rg.outboxStates(); st["failed"] != 2 {
		t.Fatalf("outbox %v, want both deliveries failed", st)
	}
	number := regexp.MustCompile(`7700\D?900\D?123`)
	var stored bytes.Buffer
	rows, err := rg.store.Raw().Query(`SELECT last_error FROM notice_outbox`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		stored.WriteString(s + "\n")
	}
	rows.Close()
	recs, err := rg.r.Governance().Audit(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var csvOut bytes.Buffer
	if err := WriteAudit(&csvOut, recs, true); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"outbox last_error": stored.String(), "audit CSV": csvOut.String()} {
		if number.MatchString(text) {
			t.Errorf("%s holds the phone number:\n%s", name, text)
		}
		if !strings.Contains(text, "[phone number]") {
			t.Errorf("%s lost the error text:\n%s", name, text)
		}
	}
}
