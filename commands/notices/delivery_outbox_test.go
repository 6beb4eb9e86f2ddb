package notices

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
	"neighbourbot/bot/sqlite"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
)

// recordingTransport records what the bot sends; it can fail every send
// after failAfter successes, fail for chosen chats, or fail whenever errFor
// returns an error.
type recordingTransport struct {
	mu        sync.Mutex
	sent      []bot.OutMessage
	failAfter int // -1: never
	failErr   error
	gone      map[bot.ChatID]bool
	errFor    func(bot.OutMessage) error
	ids       int
	// clock, when set, stamps each send into at (at[i] is sent[i]'s).
	clock bot.Clock
	at    []time.Time
}

func newRecorder() *recordingTransport {
	return &recordingTransport{failAfter: -1, gone: map[bot.ChatID]bool{}}
}

func (tr *recordingTransport) Send(_ context.Context, m bot.OutMessage) (string, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.gone[m.Chat] {
		return "", bot.ErrNotInChat
	}
	if tr.errFor != nil {
		if err := tr.errFor(m); err != nil {
			return "", err
		}
	}
	if tr.failAfter >= 0 && len(tr.sent) >= tr.failAfter {
		return "", tr.failErr
	}
	tr.sent = append(tr.sent, m)
	if tr.clock != nil {
		tr.at = append(tr.at, tr.clock.Now())
	}
	return m.ID, nil
}

// NewMessageID numbers the ids the send queue fixes before sending.
func (tr *recordingTransport) NewMessageID() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.ids++
	return fmt.Sprintf("msg-%d", tr.ids)
}
func (tr *recordingTransport) SendPoll(context.Context, bot.OutPoll) (string, error) {
	return "", errors.New("no polls here")
}
func (tr *recordingTransport) Edit(context.Context, bot.ChatID, string, string) error { return nil }
func (tr *recordingTransport) React(context.Context, bot.MessageRef, string) error    { return nil }
func (tr *recordingTransport) Delete(context.Context, bot.MessageRef) error           { return nil }
func (tr *recordingTransport) RemoveMember(context.Context, bot.ChatID, bot.Address) error {
	return nil
}
func (tr *recordingTransport) GroupInfo(_ context.Context, chat bot.ChatID) (bot.GroupInfo, error) {
	return bot.GroupInfo{ID: chat}, nil
}
func (tr *recordingTransport) Download(context.Context, *bot.Media) ([]byte, error) {
	return nil, errors.New("no media")
}

func (tr *recordingTransport) perChat() map[bot.ChatID]int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := map[bot.ChatID]int{}
	for _, m := range tr.sent {
		out[m.Chat]++
	}
	return out
}

// rig is an engine over a real SQLite file and a recording transport; open
// again on the same path to simulate a process restart.
type rig struct {
	t     testing.TB
	path  string
	clock *bot.ManualClock
	store *sqlite.Store
	e     *bot.Engine
	r     *Feature
	tr    *recordingTransport
	cfg   Config
}

func newRig(t testing.TB, cfg Config) *rig {
	rg := &rig{t: t, path: filepath.Join(t.TempDir(), "bot.db"), clock: bot.NewManualClock(console.DefaultStart), cfg: cfg}
	rg.open(newRecorder())
	return rg
}

func (rg *rig) open(tr *recordingTransport) {
	rg.t.Helper()
	st, err := sqlite.Open(context.Background(), rg.path, Migrations(), sources.Migrations(), polling.Migrations())
	if err != nil {
		rg.t.Fatal(err)
	}
	rg.t.Cleanup(func() { st.Close() })
	rg.store, rg.tr = st, tr
	quiet := testQuiet
	rg.e = bot.NewEngine(bot.Config{SyncSends: true, QuietHours: &quiet}, st, tr, rg.clock)
	if rg.r, err = Register(rg.e.Kit("notices"), rg.cfg, Deps{QuietHours: testQuiet}); err != nil {
		rg.t.Fatal(err)
	}
}

// restart closes the database and opens everything again, as a new process.
func (rg *rig) restart(tr *recordingTransport) {
	rg.t.Helper()
	if err := rg.store.Close(); err != nil {
		rg.t.Fatal(err)
	}
	rg.open(tr)
}

// optIn makes a group that switched the bot and notices on, with an area.
func (rg *rig) optIn(chat bot.ChatID, area string) {
	rg.t.Helper()
	ctx := context.Background()
	gs := bot.GroupSettings{Chat: chat, Name: string(chat), Enabled: true, UpdatedAt: rg.clock.Now()}
	if area != "" {
		gs.Areas = []string{area}
	}
	if err := rg.store.SaveGroupSettings(ctx, gs); err != nil {
		rg.t.Fatal(err)
	}
	if err := saveGroupPrefs(ctx, rg.store.Raw(), groupPrefs{Chat: chat, Enabled: true, DigestAt: -1}, rg.clock.Now()); err != nil {
		rg.t.Fatal(err)
	}
}

func (rg *rig) submit(raw string) IngestResult {
	rg.t.Helper()
	res, err := rg.r.Submit(context.Background(), []byte(raw), "webhook", "test")
	if err != nil {
		rg.t.Fatalf("submit %s: %v", raw, err)
	}
	return res
}

func (rg *rig) runJobs() { rg.e.RunDueJobs(context.Background()) }

func (rg *rig) advance(d time.Duration) {
	rg.t.Helper()
	if err := rg.e.AdvanceTo(context.Background(), rg.clock, rg.clock.Now().Add(d)); err != nil {
		rg.t.Fatal(err)
	}
}

func (rg *rig) outboxStates() map[string]int {
	rg.t.Helper()
	rows, err := rg.store.Raw().Query(`SELECT state, COUNT(*) FROM notice_outbox GROUP BY state`)
	if err != nil {
		rg.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rg.t.Fatal(err)
		}
		out[s] = n
	}
	return out
}

func (rg *rig) auditEvents(event string) []AuditRecord {
	rg.t.Helper()
	recs, err := rg.r.Governance().Audit(context.Background(), time.Time{})
	if err != nil {
		rg.t.Fatal(err)
	}
	var out []AuditRecord
	for _, r := range recs {
		if r.Event == event {
			out = append(out, r)
		}
	}
	return out
}

// TestOutboxSurvivesRestartMidFanOut: the transport dies after 5 of 12
// sends, the process restarts, and the outbox finishes the fan-out with
// every group getting the notice exactly once.
func TestOutboxSurvivesRestartMidFanOut(t *testing.T) {
	cfg := testConfig()
	cfg.SendBatch = 50
	rg := newRig(t, cfg)
	const groups = 12
	for i := range groups {
		rg.optIn(bot.ChatID(fmt.Sprintf("group-%02d", i)), "SY3 7")
	}
	first := newRecorder()
	first.failAfter, first.failErr = 5, bot.ErrNotConnected
	rg.restart(first)

	rg.submit(`{"id":"grit-1","title":"Gritting tonight","topics":["gritting"],"areas":["SY3"],"urgency":"urgent"}`)
	rg.runJobs()
	if got := len(first.sent); got != 5 {
		t.Fatalf("before the crash %d sends, want 5", got)
	}
	// Every delivery was handed to the send queue with the fan-out's
	// commit; the seven still waiting there go after the restart.
	if st := rg.outboxStates(); st["sent"] != groups || len(st) != 1 {
		t.Fatalf("outbox before restart: %v", st)
	}
	if depth, _, _ := rg.store.SendQueueStats(context.Background()); depth != groups-5 {
		t.Fatalf("%d sends waiting in the queue, want %d", depth, groups-5)
	}

	second := newRecorder()
	rg.restart(second)
	// Planning the same notice again (as a rerun job would) must add
	// nothing: the UNIQUE (notice, target) rows are already there.
	if _, err := rg.store.Raw().Exec(`UPDATE notices SET state = 'approved'`); err != nil {
		t.Fatal(err)
	}
	if err := rg.r.planJob(context.Background(), bot.Job{}, planPayload{Notice: 1}); err != nil {
		t.Fatal(err)
	}
	rg.runJobs()
	rg.advance(time.Hour)

	total := map[bot.ChatID]int{}
	for _, tr := range []*recordingTransport{first, second} {
		for chat, n := range tr.perChat() {
			total[chat] += n
		}
	}
	if len(total) != groups {
		t.Fatalf("%d groups reached, want %d: %v", len(total), groups, total)
	}
	for chat, n := range total {
		if n != 1 {
			t.Errorf("%s got the notice %d times", chat, n)
		}
	}
	if st := rg.outboxStates(); st["sent"] != groups || len(st) != 1 {
		t.Errorf("outbox after drain: %v", st)
	}
	if n := len(rg.auditEvents("delivered")); n != groups {
		t.Errorf("%d delivered audit records, want %d", n, groups)
	}
}

// TestInterruptedSendAfterRestart: a row left "sending" by an older version
// that crashed while handing a message to WhatsApp (before the send queue,
// this version never leaves one) is not repeated for a normal notice (it
// may have arrived), but is for an emergency (a duplicate beats a missed
// warning).
func TestInterruptedSendAfterRestart(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.optIn("hill", "SY3 7")
	blocked := newRecorder()
	blocked.failAfter, blocked.failErr = 0, bot.ErrNotConnected
	rg.restart(blocked)
	rg.submit(`{"id":"n1","title":"Bins late","topics":["bins"],"areas":["SY3"]}`)
	rg.submit(`{"id":"e1","title":"Flood warning","topics":["flooding"],"areas":["SY3"],"urgency":"emergency"}`)
	rg.runJobs()
	// Leave street's rows as the older version did when it died between
	// handing the messages over and recording it: "sending", and nothing
	// in a send queue.
	if _, err := rg.store.Raw().Exec(`UPDATE notice_outbox SET state = 'sending' WHERE target = 'street'`); err != nil {
		t.Fatal(err)
	}
	if _, err := rg.store.Raw().Exec(`DELETE FROM outbox WHERE chat = 'street'`); err != nil {
		t.Fatal(err)
	}
	after := newRecorder()
	rg.restart(after)
	rg.runJobs()
	rg.advance(time.Hour)
	got := map[string]int{}
	for _, m := range after.sent {
		title, _, _ := strings.Cut(m.Text, "\n")
		got[string(m.Chat)+" "+title]++
	}
	want := map[string]int{
		"street *⚠️ Emergency: Flood warning*": 1,
		"hill *⚠️ Emergency: Flood warning*":   1,
		"hill *Bins late*":                     1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("sent after restart %v, want %v", got, want)
	}
	if n := len(rg.auditEvents("unconfirmed")); n != 1 {
		t.Errorf("%d unconfirmed audit records, want 1", n)
	}
}

func TestUpdatesQuoteTheMessageTheyCorrect(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.optIn("hill", "SY3 8")
	rg.optIn("far", "TF1")
	rg.submit(`{"id":"road-1","title":"Road closed","topics":["roads"],"areas":["SY3"]}`)
	rg.runJobs()
	original := map[bot.ChatID]string{}
	for _, m := range rg.tr.sent {
		original[m.Chat] = m.ID
	}
	if len(original) != 2 {
		t.Fatalf("original reached %v", original)
	}
	rg.submit(`{"id":"road-1u","title":"Road closed until Friday","topics":["roads"],"areas":["SY3"],"msg_type":"update","references":"road-1"}`)
	rg.runJobs()
	rg.submit(`{"id":"road-1c","title":"Road open again","topics":["roads"],"areas":["SY3 7"],"msg_type":"cancel","references":"road-1"}`)
	// Six messages within send_gap: the last waits for the pace.
	rg.advance(time.Minute)
	later := rg.tr.sent[2:]
	if len(later) != 4 {
		t.Fatalf("update and cancel sent %d messages, want 4 (2 groups each)", len(later))
	}
	for _, m := range later {
		if m.ReplyTo == nil || m.ReplyTo.ID != original[m.Chat] || m.ReplyTo.Chat != m.Chat {
			t.Errorf("%s: %q quotes %+v, want message %s", m.Chat, m.Text, m.ReplyTo, original[m.Chat])
		}
	}
}

func TestPermanentFailureDisablesGroup(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.optIn("gone", "SY3 7")
	rg.tr.gone["gone"] = true
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"],"areas":["SY3"]}`)
	rg.runJobs()
	if got := rg.tr.perChat(); got["street"] != 1 || got["gone"] != 0 {
		t.Fatalf("deliveries %v", got)
	}
	prefs, err := rg.r.st.groupPrefs(context.Background(), "gone")
	if err != nil {
		t.Fatal(err)
	}
	if prefs.Enabled || prefs.DisabledReason == "" {
		t.Errorf("group still subscribed after ErrNotInChat: %+v", prefs)
	}
	failed := rg.auditEvents("failed")
	if len(failed) != 1 || failed[0].Target != "gone" || !strings.Contains(failed[0].Detail, "permanent") {
		t.Errorf("failed audit %+v", failed)
	}
	rg.submit(`{"id":"b","title":"Bins late again","topics":["bins"],"areas":["SY3"]}`)
	rg.runJobs()
	if got := rg.tr.perChat(); got["street"] != 2 {
		t.Fatalf("deliveries %v", got)
	}
	var rows int
	rg.store.Raw().QueryRow(`SELECT COUNT(*) FROM notice_outbox WHERE target = 'gone'`).Scan(&rows)
	if rows != 1 {
		t.Errorf("a disabled group was planned again (%d rows)", rows)
	}
}

func TestRetriesWithBackoffThenGivesUp(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	down := newRecorder()
	down.failAfter, down.failErr = 0, errors.New("websocket closed")
	rg.restart(down)
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"],"areas":["SY3"],"urgency":"urgent"}`)
	rg.runJobs()
	rg.advance(20 * time.Minute)
	if q := rg.queueRow(); q.Attempts < 5 || !strings.Contains(q.LastErr, "websocket closed") {
		t.Fatalf("after 20 minutes the send queue row is %+v, want retried with backoff", q)
	}
	if st := rg.outboxStates(); st["sent"] != 1 {
		t.Fatalf("outbox %v while the send queue retries", st)
	}
	rg.advance(48 * time.Hour)
	if st := rg.outboxStates(); st["failed"] != 1 {
		t.Fatalf("outbox %v, want the row failed once the send queue gave up", st)
	}
	failed := rg.auditEvents("failed")
	if len(failed) != 1 || !strings.Contains(failed[0].Detail, "gave up after 10 attempts") {
		t.Errorf("failed audit %+v", failed)
	}
	if n := len(rg.tr.sent) + len(down.sent); n != 0 {
		t.Errorf("%d sends went through a transport that always fails", n)
	}
}

func TestPacingSplitsLargeFanOut(t *testing.T) {
	cfg := testConfig()
	cfg.SendBatch = 3
	rg := newRig(t, cfg)
	for i := range 7 {
		rg.optIn(bot.ChatID(fmt.Sprintf("g%d", i)), "")
	}
	rg.submit(`{"id":"a","title":"Council tax bills","urgency":"urgent"}`)
	rg.runJobs()
	if n := len(rg.tr.sent); n != 3 {
		t.Fatalf("first round sent %d, want one batch of 3", n)
	}
	rg.advance(cfg.SendGap.D())
	if n := len(rg.tr.sent); n != 6 {
		t.Fatalf("after one gap %d sent, want 6", n)
	}
	rg.advance(cfg.SendGap.D())
	if n := len(rg.tr.sent); n != 7 {
		t.Fatalf("after two gaps %d sent, want 7", n)
	}
}

func TestExpiredNoticesAreDroppedNotSentLate(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.clock.Set(time.Date(2026, 1, 5, 22, 0, 0, 0, time.UTC))
	rg.submit(`{"id":"a","title":"Bins tonight","topics":["bins"],"expires":"2026-01-06T06:00:00Z"}`)
	rg.submit(`{"id":"b","title":"Gritting tomorrow","topics":["gritting"],"expires":"2026-01-06T12:00:00Z"}`)
	rg.runJobs()
	rg.advance(12 * time.Hour)
	if len(rg.tr.sent) != 1 || !strings.Contains(rg.tr.sent[0].Text, "Gritting tomorrow") {
		t.Fatalf("sent %+v", rg.tr.sent)
	}
	if n := len(rg.auditEvents("expired")); n != 1 {
		t.Errorf("%d expired audit records, want 1", n)
	}
}

func TestPauseNonEssentialHoldsAllButEmergencies(t *testing.T) {
	cfg := testConfig()
	cfg.PauseNonEssential = true
	rg := newRig(t, cfg)
	rg.optIn("street", "SY3 7")
	if res := rg.submit(`{"id":"a","title":"Consultation open","topics":["consultations"]}`); res.State != StatePaused {
		t.Fatalf("normal notice state %s, want paused", res.State)
	}
	rg.submit(`{"id":"b","title":"Road closed","topics":["roads"],"urgency":"urgent","expires":"2026-01-05T18:00:00Z"}`)
	rg.submit(`{"id":"c","title":"Flood warning","topics":["flooding"],"urgency":"emergency"}`)
	rg.runJobs()
	if len(rg.tr.sent) != 1 || !strings.Contains(rg.tr.sent[0].Text, "Flood warning") {
		t.Fatalf("during the pause sent %+v", rg.tr.sent)
	}
	rg.clock.Set(time.Date(2026, 1, 6, 9, 0, 0, 0, time.UTC))
	rg.cfg.PauseNonEssential = false
	rg.restart(rg.tr)
	rg.runJobs()
	if len(rg.tr.sent) != 2 || !strings.Contains(rg.tr.sent[1].Text, "Consultation open") {
		t.Fatalf("after the pause sent %+v", rg.tr.sent)
	}
	if n, err := rg.r.st.noticesInState(context.Background(), StateExpired); err != nil || len(n) != 1 || n[0].Identifier != "b" {
		t.Errorf("the notice that expired during the pause: %v %v", n, err)
	}
}

func TestAuditIsAppendOnly(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"]}`)
	rg.runJobs()
	if _, err := rg.store.Raw().Exec(`UPDATE notice_audit SET detail = 'edited'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("update allowed: %v", err)
	}
	if _, err := rg.store.Raw().Exec(`DELETE FROM notice_audit`); err == nil {
		t.Error("delete allowed")
	}
}

func TestDigestRetriedAfterTransportFailure(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	if err := saveGroupPrefs(context.Background(), rg.store.Raw(), groupPrefs{Chat: "street", Enabled: true, DigestAt: 18 * 60}, rg.clock.Now()); err != nil {
		t.Fatal(err)
	}
	down := newRecorder()
	down.failAfter, down.failErr = 0, bot.ErrNotConnected
	rg.restart(down)
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"]}`)
	rg.submit(`{"id":"b","title":"Consultation open","topics":["consultations"]}`)
	rg.runJobs()
	rg.advance(9*time.Hour + time.Minute) // 18:01: the digest failed once
	if st := rg.outboxStates(); st["sent"] != 2 {
		t.Fatalf("after a failed digest the rows should have gone to the send queue: %v", st)
	}
	if q := rg.queueRow(); !strings.Contains(string(q.Payload), "Bins late") {
		t.Fatalf("the digest should wait in the send queue: %+v", q)
	}
	up := newRecorder()
	rg.restart(up)
	rg.advance(2 * time.Hour) // the engine's retry
	if len(up.sent) != 1 || !strings.Contains(up.sent[0].Text, "1. *Bins late*") || !strings.Contains(up.sent[0].Text, "2. *Consultation open*") {
		t.Fatalf("digest after recovery: %+v", up.sent)
	}
	if st := rg.outboxStates(); st["sent"] != 2 || len(st) != 1 {
		t.Errorf("outbox %v", st)
	}
	rg.advance(48 * time.Hour)
	if len(up.sent) != 1 {
		t.Errorf("digest sent %d times", len(up.sent))
	}
}
