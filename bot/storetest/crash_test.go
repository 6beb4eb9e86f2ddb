package storetest_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/storetest"
)

// The claimer process of TestKilledClaimerIsTakenOver: with
// NEIGHBOURBOT_TEST_CLAIMER set (to the hub's URL) it drains the send
// queue as a sender does — claim, deliver, finish — recording each
// delivery by the message's fixed id, as WhatsApp would receive it.
func TestClaimerProcess(t *testing.T) {
	url := os.Getenv("NEIGHBOURBOT_TEST_CLAIMER")
	if url == "" {
		t.Skip("the claimer process of TestKilledClaimerIsTakenOver")
	}
	ctx := context.Background()
	st, err := postgres.Open(ctx, url, false, deliveries)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	at, _ := strconv.ParseInt(os.Getenv("NEIGHBOURBOT_TEST_CLAIMER_AT"), 10, 64)
	now, owner := time.UnixMilli(at).UTC(), os.Getenv("NEIGHBOURBOT_TEST_CLAIMER_OWNER")
	for {
		q, ok, err := st.ClaimSend(ctx, owner, now, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return
		}
		if _, err := st.DB().ExecContext(ctx, `INSERT INTO demo_delivered (msg_id, owner) VALUES (?, ?)`, q.MsgID, owner); err != nil {
			t.Fatal(err)
		}
		if err := st.FinishSend(ctx, q.ID); err != nil {
			t.Fatal(err)
		}
	}
}

var deliveries = bot.Migrations{Component: "demo", FS: both(map[string]string{
	"001_delivered.sql": "CREATE TABLE demo_delivered (msg_id TEXT NOT NULL, owner TEXT NOT NULL);",
})}

// TestKilledClaimerIsTakenOver: a process draining a hub's send queue is
// killed (SIGKILL) at a random moment; once its lease has lapsed another
// process takes over. Every send is delivered, and the only one delivered
// twice is at most the one the killed process had claimed and not yet
// finished — which goes again under its fixed message id, so WhatsApp
// shows it once.
func TestKilledClaimerIsTakenOver(t *testing.T) {
	url := storetest.Schema(t)
	ctx := context.Background()
	st, err := postgres.Open(ctx, url, false, deliveries)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const sends = 1000
	err = st.Atomic(ctx, func(ctx context.Context) error {
		for i := range sends {
			if _, err := st.QueueSend(ctx, bot.QueuedSend{Chat: bot.ChatID(fmt.Sprint("g", i)), Kind: "text", MsgID: fmt.Sprint("m", i),
				Payload: []byte("x"), Created: t0, NotBefore: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	claimer := func(owner string, at time.Time) *exec.Cmd {
		cmd := exec.Command(self, "-test.run=^TestClaimerProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "NEIGHBOURBOT_TEST_CLAIMER="+url+"&application_name=claimer_"+owner, "NEIGHBOURBOT_TEST_CLAIMER_OWNER="+owner,
			"NEIGHBOURBOT_TEST_CLAIMER_AT="+strconv.FormatInt(at.UnixMilli(), 10))
		cmd.Stdout, cmd.Stderr = &out, &out
		return cmd
	}
	a := claimer("a", t0)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	stopAt := 20 + rand.IntN(sends/2)
	deadline := time.Now().Add(60 * time.Second)
	for count(t, st, `SELECT COUNT(*) FROM demo_delivered`) < stopAt {
		if time.Now().After(deadline) {
			a.Process.Kill()
			a.Wait()
			t.Fatalf("the first process delivered fewer than %d in a minute:\n%s", stopAt, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	a.Process.Signal(syscall.SIGKILL)
	a.Wait()
	// The server may still finish a statement the process sent before it
	// died (a FinishSend in flight commits): wait until its connections
	// are gone before looking at what it left.
	for count(t, st, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'claimer_a'`) > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the killed process's connections are still open")
		}
		time.Sleep(5 * time.Millisecond)
	}
	before := count(t, st, `SELECT COUNT(*) FROM demo_delivered`)
	if before >= sends {
		t.Skipf("the first process finished (%d) before it was killed", before)
	}
	// What a held when it died: a claim not finished, or none.
	held := count(t, st, `SELECT COUNT(*) FROM outbox WHERE claimed_by = 'a'`)
	if held > 1 {
		t.Fatalf("a held %d claims; it claims one at a time", held)
	}
	// Under a's live lease the second process leaves a's claim alone.
	b := claimer("b", t0.Add(30*time.Second))
	if err := b.Run(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if left := count(t, st, `SELECT COUNT(*) FROM outbox`); left != held {
		t.Fatalf("%d sends left under a's live lease, want the %d a held", left, held)
	}
	// Once it lapses, the rest goes.
	c := claimer("c", t0.Add(2*time.Minute))
	if err := c.Run(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if left := count(t, st, `SELECT COUNT(*) FROM outbox`); left != 0 {
		t.Fatalf("%d sends never delivered", left)
	}
	if n := count(t, st, `SELECT COUNT(DISTINCT msg_id) FROM demo_delivered`); n != sends {
		t.Fatalf("%d distinct sends delivered, want %d", n, sends)
	}
	if twice := count(t, st, `SELECT COUNT(*) FROM demo_delivered`) - sends; twice > held {
		t.Fatalf("%d deliveries repeated, want at most the %d the killed process had claimed", twice, held)
	}
	t.Logf("killed after %d deliveries, holding %d claim(s)", before, held)
}
