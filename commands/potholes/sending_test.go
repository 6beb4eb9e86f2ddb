package potholes

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/sqlite"
)

// offlineBot is a bot on the console whose connection can be cut: while
// offline every message fails to send, as a disconnected WhatsApp client's
// do.
type offlineBot struct {
	*bottest.Harness
	faults bottest.Faults
	cut    *bottest.Fault
	store  *sqlite.Store
	e      *bot.Engine
}

func newOfflineBot(t *testing.T, cfg Config) *offlineBot {
	b := &offlineBot{}
	photos := filepath.Join(t.TempDir(), "photos")
	b.Harness = bottest.New(t, bottest.Options{Migrations: []bot.Migrations{Migrations()}, Transport: b.faults.Wrap,
		Register: func(h *bottest.Harness) error {
			return Register(h.Kit(FeatureName), cfg, Deps{PhotoDir: photos, Location: time.UTC})
		}})
	b.store, b.e = b.Store, b.Engine
	return b
}

func (b *offlineBot) run(script string) string { return b.Run(script) }

// setOffline cuts the connection (true) or restores it.
func (b *offlineBot) setOffline(on bool) {
	if on {
		b.cut = b.faults.Fail(bottest.Fault{Op: bottest.OpSend, Err: bot.ErrNotConnected})
	} else if b.cut != nil {
		b.cut.Stop()
	}
}

// A report queued for the council is sent even when the bot cannot answer
// the command that queued it (offline): the send job is booked with the
// state change, before the reply.
func TestSendQueuedWhileReplyFails(t *testing.T) {
	tests := []struct {
		name, before, offline string
	}{
		{"admin send", "", "Alice: !pothole P1 send\n"},
		{"metoo reaching the threshold", "Bob: !metoo P1\n", "Carol: !metoo P1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCouncil(t)
			b := newOfflineBot(t, councilConfig(fc))
			b.run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n" + tt.before)
			b.setOffline(true)
			if out := b.run(tt.offline); strings.Contains(out, "bot:") {
				t.Fatalf("the bot spoke while offline:\n%s", out)
			}
			if n := len(fc.sent()); n != 1 {
				t.Fatalf("%d creates after the reply failed, want 1", n)
			}
			// The outcome waits for the connection, however long it is down.
			if out := b.run("@advance 3h\n"); strings.Contains(out, "bot:") {
				t.Fatalf("the bot spoke while offline:\n%s", out)
			}
			// The reply and the outcome wait in the send queue, using
			// no attempt.
			var held, attempts int
			if err := b.store.Raw().QueryRow(`SELECT COUNT(*), COALESCE(SUM(attempts), 0) FROM outbox WHERE chat = 'group:street'`).Scan(&held, &attempts); err != nil {
				t.Fatal(err)
			}
			if held != 2 || attempts != 0 {
				t.Fatalf("%d sends waiting with %d attempts used while offline, want 2 and 0", held, attempts)
			}
			b.setOffline(false)
			if out := b.run("@advance 1m\n"); !strings.Contains(out, "P1 has gone to the council (their reference 293944).") {
				t.Errorf("outcome not posted once back online:\n%s", out)
			}
			out := b.run("@advance 1h\nAlice: !pothole P1\n")
			if strings.Count(out, "has gone to the council") != 0 {
				t.Errorf("outcome posted twice:\n%s", out)
			}
			if !strings.Contains(out, "P1 · pothole · sent") || !strings.Contains(out, "Council reference: 293944") {
				t.Errorf("report after sending offline:\n%s", out)
			}
		})
	}
}

// failJobInserts makes booking a potholes job fail, as a full disk would.
func failJobInserts(t *testing.T, h *bottest.Harness) {
	t.Helper()
	if _, err := h.Store.Raw().Exec(`CREATE TRIGGER test_fail_jobs BEFORE INSERT ON jobs WHEN NEW.kind = 'potholes.send'
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
}

func dropTrigger(t *testing.T, h *bottest.Harness, name string) {
	t.Helper()
	if _, err := h.Store.Raw().Exec(`DROP TRIGGER ` + name); err != nil {
		t.Fatal(err)
	}
}

// When the send job cannot be booked the report is not queued: nothing is
// left saying "on its way" that nothing will send, and the admin can try
// again once the problem is gone.
func TestSendNotQueuedWhenJobCannotBeBooked(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nBob: !metoo P1\n")
	failJobInserts(t, h)
	before := tableCounts(t, h)
	h.Expect("Alice: !pothole P1 send\n", "Sorry, something went wrong")
	h.Expect("Carol: !metoo P1\n", "Sorry, something went wrong")
	if after := tableCounts(t, h); after != before {
		t.Errorf("store changed although the send job could not be booked:\n before %s\n after  %s", before, after)
	}
	dropTrigger(t, h, "test_fail_jobs")
	h.Expect("Alice: !pothole P1 send\n", "Sending P1 to the council…", "P1 has gone to the council (their reference 293944).")
	if n := len(fc.sent()); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// When the state change fails after the job is booked, the job finds the
// report not queued and sends nothing.
func TestSendJobHarmlessWhenQueueingFails(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
	if _, err := h.Store.Raw().Exec(`CREATE TRIGGER test_fail_queue BEFORE UPDATE OF send_state ON pothole_reports WHEN NEW.send_state = 'queued'
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	h.Expect("Alice: !pothole P1 send\n", "Sorry, something went wrong")
	h.Run("@advance 1d\n")
	if n := len(fc.sent()); n != 0 {
		t.Errorf("%d creates for a report that was never queued", n)
	}
	h.Expect("Alice: !pothole P1\n", "P1 · pothole · open")
}

// strandReport leaves P1 queued with no send job, as the bot did when it
// stopped between committing the state and booking the job.
func strandReport(t *testing.T, h *bottest.Harness) {
	t.Helper()
	db := h.Store.Raw()
	if _, err := db.Exec(`UPDATE pothole_reports SET send_state = 'queued', next_send_at = ? WHERE id = 1`, h.Clock.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM jobs WHERE kind = ?`, jobSend); err != nil {
		t.Fatal(err)
	}
}

// A queued report without its send job is not refused as "already on its
// way" for ever: an admin typing send books it again.
func TestQueuedReportWithoutJobSentByAdmin(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
	strandReport(t, h)
	h.Run("@advance 1d\n")
	if n := len(fc.sent()); n != 0 {
		t.Fatalf("%d creates without a job", n)
	}
	h.Expect("Alice: !pothole P1\n", "Queued to send to the council.")
	h.Expect("Alice: !pothole P1 send\n",
		"P1 is already queued — sending it to the council now… !pothole P1 shows how it went.",
		"P1 has gone to the council (their reference 293944).")
	h.Expect("Alice: !pothole P1 send\n", "P1 was already sent (council reference 293944).")
	if n := len(fc.sent()); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// A queued report without its send job is sent after a restart.
func TestQueuedReportWithoutJobSentAtStartUp(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
	strandReport(t, h)
	h.Restart()
	out := h.Run("@group street\n")
	if n := len(fc.sent()); n != 1 {
		t.Fatalf("%d creates after restart, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "P1 has gone to the council (their reference 293944).") {
		t.Errorf("outcome not posted:\n%s", out)
	}
	// Restarting again books nothing more.
	h.Restart()
	h.Run("@group street\n@advance 1d\n")
	if n := len(fc.sent()); n != 1 {
		t.Errorf("%d creates after a second restart, want 1", n)
	}
}

// Restarts do not multiply a retrying report's jobs or bring its retry
// forward.
func TestRestartKeepsRetrySchedule(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.create = []answer{{500, "error_500.html"}, {201, "create_ok.json"}} })
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n")
	h.Restart()
	h.Restart()
	h.Run("@group street\n@advance 4m\n")
	if n := pendingJobs(t, h, jobSend); n != 1 || len(fc.sent()) != 1 {
		t.Fatalf("%d send jobs, %d creates after restarts; want 1 and 1", n, len(fc.sent()))
	}
	h.Run("@advance 1m\n")
	if n := len(fc.sent()); n != 2 {
		t.Errorf("%d creates once the retry fell due, want 2", n)
	}
}

// The council takes the report but the bot cannot record its answer: the
// job's rerun must not post the report again. It is marked unsure, the
// group and !pothole P1 say so, and an admin decides.
func TestSendNotRepeatedWhenAnswerNotRecorded(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
	if _, err := h.Store.Raw().Exec(`CREATE TRIGGER test_fail_record BEFORE UPDATE OF service_request_id ON pothole_reports
		WHEN NEW.service_request_id != '' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`); err != nil {
		t.Fatal(err)
	}
	out := h.Run("Alice: !pothole P1 send\n")
	if n := len(fc.sent()); n != 1 {
		t.Fatalf("%d creates, want 1:\n%s", n, out)
	}
	if strings.Contains(out, "has gone to the council") {
		t.Fatalf("success posted although it was not recorded:\n%s", out)
	}
	out = h.Run("@advance 1d\n")
	if n := len(fc.sent()); n != 1 {
		t.Fatalf("%d creates after the job reran, want 1", n)
	}
	if !strings.Contains(out, "I'm not sure P1 reached the council: the bot stopped while sending it at Mon 5 Jan 09:00, before hearing back. So it isn't sent twice, I won't send it again by myself; an admin can type !pothole P1 send again to retry.") {
		t.Errorf("the group was not told:\n%s", out)
	}
	h.Expect("Bob: !pothole P1\n",
		"May already have reached the council at Mon 5 Jan 09:00 — the bot stopped before hearing back, so it won't send it again by itself. An admin can type !pothole P1 send again to retry.",
		"send interrupted: attempt 1, started Mon 5 Jan 09:00, may already have reached the council; not sent again")
	h.Expect("Bob: !pothole P1 send\n", "only group admins can send a report to the council")
	h.Run("Bob: !metoo P1\nCarol: !metoo P1\n")
	if n := len(fc.sent()); n != 1 {
		t.Fatalf("%d creates after confirmations, want 1 (no automatic resend)", n)
	}
	dropTrigger(t, h, "test_fail_record")
	h.Expect("Alice: !pothole P1 send\n", "Trying again to send P1 to the council…", "P1 has gone to the council (their reference 293944).")
	if n := len(fc.sent()); n != 2 {
		t.Errorf("%d creates after the admin's retry, want 2", n)
	}
	h.Expect("Bob: !pothole P1\n", "sending asked by Alice (although the attempt at Mon 5 Jan 09:00 may have reached the council)")
}

// The bot stopped mid-send (simulated: the report left "sending"); after
// the restart it is not posted again.
func TestSendInterruptedByCrash(t *testing.T) {
	fc := newFakeCouncil(t)
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\n")
	started := h.Clock.Now()
	if _, err := h.Store.Raw().Exec(`UPDATE pothole_reports SET send_state = 'sending', send_started_at = ? WHERE id = 1`, started.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	h.Run("@advance 2h\n")
	h.Restart()
	out := h.Run("@group street\n@advance 1d\n")
	if n := len(fc.sent()); n != 0 {
		t.Fatalf("%d creates after the crash, want 0", n)
	}
	if !strings.Contains(out, "I'm not sure P1 reached the council: the bot stopped while sending it at Mon 5 Jan 09:00") {
		t.Errorf("the group was not told:\n%s", out)
	}
	if n := pendingJobs(t, h, jobSend); n != 0 {
		t.Errorf("%d send jobs left", n)
	}
}

// Error texts from the council's server are stored in the history and
// shown in the group; a WhatsApp phone address in them is redacted.
func TestSendErrorRedactsPhoneAddresses(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.create = []answer{{400, "error_400_phone.json"}} })
	h := councilHarness(t, fc)
	out := h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\nAlice: !pothole P1\n")
	if !strings.Contains(out, "the council's system said: contact 447700900123@s.whatsapp.net is not a valid email") &&
		!strings.Contains(out, "the council's system said: contact [phone number] is not a valid email") {
		t.Fatalf("error not shown:\n%s", out)
	}
	if strings.Contains(out, "447700900123") {
		t.Errorf("phone number shown in the group:\n%s", out)
	}
	stored := bottest.Dump(t, h.Store.Raw(), `SELECT last_send_error FROM pothole_reports`, `SELECT detail FROM pothole_events`)
	if strings.Contains(stored, "447700900123") || !strings.Contains(stored, "[phone number]") {
		t.Errorf("stored:\n%s", stored)
	}
}

// The council's own texts (the notice on a new request, status notes) are
// posted to the group and kept in the history; a WhatsApp phone address in
// them is redacted too.
func TestCouncilTextsRedactPhoneAddresses(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) {
		fc.create = []answer{{201, "create_notice_phone.json"}}
		fc.status = answer{200, "requests_phone.json"}
	})
	h := councilHarness(t, fc)
	out := h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n@advance 6h\nAlice: !pothole P1\n")
	for _, want := range []string{
		"The council says: Thank you. Updates will also be sent to [phone number].",
		"Council update on P1: Action scheduled: crew booked; reporter [phone number] informed. Expected by 14 March.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "447700900123") {
		t.Errorf("phone number shown in the group:\n%s", out)
	}
	stored := bottest.Dump(t, h.Store.Raw(), `SELECT council_notes FROM pothole_reports`, `SELECT detail FROM pothole_events`, `SELECT payload FROM jobs`)
	if strings.Contains(stored, "447700900123") {
		t.Errorf("phone number stored:\n%s", stored)
	}
}
