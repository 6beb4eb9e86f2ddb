package notices

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
)

// digestAt sets a group's daily digest time (minutes after midnight).
func (rg *rig) digestAt(chat bot.ChatID, minute int) {
	rg.t.Helper()
	if err := saveGroupPrefs(context.Background(), rg.store.Raw(), groupPrefs{Chat: chat, Enabled: true, DigestAt: minute}, rg.clock.Now()); err != nil {
		rg.t.Fatal(err)
	}
}

// digestJobKeys lists the digest jobs booked, by key.
func (rg *rig) digestJobKeys() []string {
	rg.t.Helper()
	rows, err := rg.store.Raw().Query(`SELECT key FROM jobs WHERE kind = ? ORDER BY key`, jobDigest)
	if err != nil {
		rg.t.Fatal(err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rg.t.Fatal(err)
		}
		keys = append(keys, k)
	}
	return keys
}

// loseDigestJobs deletes every digest job, as a crash or a dropped job
// would leave things.
func (rg *rig) loseDigestJobs() {
	rg.t.Helper()
	if _, err := rg.store.Raw().Exec(`DELETE FROM jobs WHERE kind = ?`, jobDigest); err != nil {
		rg.t.Fatal(err)
	}
}

// TestLostDigestJobIsBookedAgainAtStartUp: with the digest's job gone,
// a restart books it from the rows held for the digest; booking it again
// on a second restart adds no second job, and the digest goes out once.
func TestLostDigestJobIsBookedAgainAtStartUp(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.digestAt("street", 18*60)
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"]}`)
	rg.runJobs()
	if st := rg.outboxStates(); st["digest"] != 1 {
		t.Fatalf("outbox %v, want the notice held for the digest", st)
	}
	rg.loseDigestJobs()

	rg.restart(newRecorder())
	rg.restart(newRecorder())
	if keys := rg.digestJobKeys(); len(keys) != 1 {
		t.Fatalf("digest jobs after two restarts: %v, want one", keys)
	}
	rg.advance(9*time.Hour - time.Minute) // 17:59
	if len(rg.tr.sent) != 0 {
		t.Fatalf("digest sent before 18:00: %+v", rg.tr.sent)
	}
	rg.advance(2 * time.Minute)
	if len(rg.tr.sent) != 1 || rg.tr.sent[0].Chat != "street" || !strings.Contains(rg.tr.sent[0].Text, "Bins late") {
		t.Fatalf("sent %+v, want the digest in street", rg.tr.sent)
	}
	if st := rg.outboxStates(); st["sent"] != 1 || len(st) != 1 {
		t.Errorf("outbox %v", st)
	}
	rg.advance(48 * time.Hour)
	if len(rg.tr.sent) != 1 {
		t.Errorf("digest sent %d times", len(rg.tr.sent))
	}
}

// TestOverdueDigestWaitsForMorningAfterRestart: a digest whose time
// passed while its job was missing goes out when the bot restarts — but a
// restart at night holds it until quiet hours end.
func TestOverdueDigestWaitsForMorningAfterRestart(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.digestAt("street", 18*60)
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"]}`)
	rg.runJobs()
	rg.loseDigestJobs()
	rg.advance(14 * time.Hour) // 23:00, the digest time long gone
	if len(rg.tr.sent) != 0 {
		t.Fatalf("sent without a job: %+v", rg.tr.sent)
	}

	rg.restart(newRecorder())
	rg.runJobs()
	if len(rg.tr.sent) != 0 {
		t.Fatalf("digest sent in quiet hours: %+v", rg.tr.sent)
	}
	rg.advance(9*time.Hour - time.Minute) // 07:59
	if len(rg.tr.sent) != 0 {
		t.Fatalf("digest sent before quiet hours ended: %+v", rg.tr.sent)
	}
	rg.advance(time.Minute)
	if len(rg.tr.sent) != 1 || !strings.Contains(rg.tr.sent[0].Text, "Bins late") {
		t.Fatalf("morning sent %+v, want the overdue digest", rg.tr.sent)
	}
}

// TestDigestBooksTheNextHeldDigest: a group holding notices for two days'
// digests, with both jobs lost, gets the overdue one at restart and the
// next one at its own time, because a finished digest books the next.
func TestDigestBooksTheNextHeldDigest(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.digestAt("street", 18*60)
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"]}`)
	rg.runJobs()
	rg.loseDigestJobs()
	rg.advance(10 * time.Hour) // 19:00: today's digest missed
	rg.submit(`{"id":"b","title":"Consultation open","topics":["consultations"]}`)
	rg.runJobs() // held for tomorrow's digest
	rg.loseDigestJobs()

	rg.restart(newRecorder())
	rg.runJobs()
	if len(rg.tr.sent) != 1 || !strings.Contains(rg.tr.sent[0].Text, "Bins late") || strings.Contains(rg.tr.sent[0].Text, "Consultation") {
		t.Fatalf("at restart sent %+v, want today's digest only", rg.tr.sent)
	}
	rg.advance(23*time.Hour - time.Minute) // tomorrow 17:59
	if len(rg.tr.sent) != 1 {
		t.Fatalf("tomorrow's digest early: %+v", rg.tr.sent)
	}
	rg.advance(2 * time.Minute)
	if len(rg.tr.sent) != 2 || !strings.Contains(rg.tr.sent[1].Text, "Consultation open") {
		t.Fatalf("sent %+v, want tomorrow's digest at 18:00", rg.tr.sent)
	}
}

// TestDigestNotStrandedWhileTheServerFails: a digest the server refuses
// for a while waits in the send queue, is retried with backoff and goes
// out once, when the server takes it again.
func TestDigestNotStrandedWhileTheServerFails(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.digestAt("street", 18*60)
	var broken atomic.Bool
	broken.Store(true)
	var tries atomic.Int32
	rg.tr.errFor = func(bot.OutMessage) error {
		tries.Add(1)
		if broken.Load() {
			return errors.New("server returned 503")
		}
		return nil
	}
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"]}`)
	rg.runJobs()
	rg.advance(9*time.Hour + 10*time.Minute) // 18:10
	if n := tries.Load(); n < 3 {
		t.Fatalf("%d digest attempts by 18:10, want the send queue's retries", n)
	}
	if keys := rg.digestJobKeys(); len(keys) != 0 {
		t.Fatalf("digest jobs while the send queue retries: %v", keys)
	}
	broken.Store(false)
	rg.advance(15 * time.Minute)
	if len(rg.tr.sent) != 1 || !strings.Contains(rg.tr.sent[0].Text, "Bins late") {
		t.Fatalf("sent %+v, want the digest once", rg.tr.sent)
	}
	if st := rg.outboxStates(); st["sent"] != 1 || len(st) != 1 {
		t.Errorf("outbox %v", st)
	}
	rg.advance(72 * time.Hour)
	if len(rg.tr.sent) != 1 {
		t.Errorf("sent %d digests", len(rg.tr.sent))
	}
}

// TestDigestGivesUpAfterMaxAttempts: a digest that never goes through is
// recorded as failed when the send queue gives up, with nothing left
// booked, rather than retried for as long as it lives.
func TestDigestGivesUpAfterMaxAttempts(t *testing.T) {
	rg := newRig(t, testConfig())
	rg.optIn("street", "SY3 7")
	rg.digestAt("street", 18*60)
	var tries atomic.Int32
	rg.tr.errFor = func(bot.OutMessage) error {
		tries.Add(1)
		return errors.New("server returned 503")
	}
	rg.submit(`{"id":"a","title":"Bins late","topics":["bins"]}`)
	rg.runJobs()
	rg.advance(5 * 24 * time.Hour)
	if n := tries.Load(); n != 10 {
		t.Errorf("%d digest attempts, want the send queue's 10", n)
	}
	if row := rg.outboxRowFor("street"); row.State != "failed" || !strings.Contains(row.LastError, "503") {
		t.Errorf("row %+v, want failed", row)
	}
	failed := rg.auditEvents("failed")
	if len(failed) != 1 || !strings.Contains(failed[0].Detail, "gave up after 10 attempts") {
		t.Errorf("failed audit %+v", failed)
	}
	if keys := rg.digestJobKeys(); len(keys) != 0 {
		t.Errorf("digest jobs left: %v", keys)
	}
	if depth, _, _ := rg.store.SendQueueStats(context.Background()); depth != 0 {
		t.Errorf("%d sends left in the queue", depth)
	}
}
