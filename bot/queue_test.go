package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/sqlite"
)

// recorder is a transport that records the chats it sends to, in order, and
// can run a hook on a given send (to queue something mid-fan-out) or hold
// every send until released (a slow, paced connection).
type recorder struct {
	bot.Transport
	mu      sync.Mutex
	sent    []bot.OutMessage
	onSend  func(n int)
	gate    chan struct{} // when set, each send waits for a token
	started chan string   // when set, told each send's chat as it starts
}

func (r *recorder) Send(ctx context.Context, m bot.OutMessage) (string, error) {
	if r.started != nil {
		r.started <- string(m.Chat)
	}
	if r.gate != nil {
		select {
		case <-r.gate:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	r.mu.Lock()
	r.sent = append(r.sent, m)
	n, hook := len(r.sent), r.onSend
	r.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return m.ID, nil
}

func (r *recorder) chats() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.sent))
	for i, m := range r.sent {
		out[i] = string(m.Chat)
	}
	return out
}

// queueFanOut queues a normal notice for n groups in one unit of work, as
// the notices fan-out does.
func queueFanOut(t *testing.T, e *bot.Engine, st *sqlite.Store, n int) {
	t.Helper()
	k := e.Kit("test")
	ctx := bot.WithPriority(context.Background(), bot.PriorityBulk)
	err := st.Atomic(ctx, func(ctx context.Context) error {
		for i := range n {
			if _, err := k.Out.Send(ctx, bot.OutMessage{Chat: bot.ChatID(fmt.Sprintf("group:g%04d", i)), Text: "Bins late this week"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An emergency queued behind a 1,000-group normal fan-out reaches its
// first group before any further normal delivery, whether it was queued
// before the sender started or in the middle of the fan-out; within the
// fan-out the order is kept.
func TestEmergencyOvertakesAFanOut(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	tr := &recorder{Transport: h.Console}
	e := bot.NewEngine(bot.Config{SyncSends: false}, h.Store, tr, h.Clock)
	k := e.Kit("test")
	ctx := context.Background()
	queueFanOut(t, e, h.Store, 1000)
	emergency := func(chat string) {
		urgent := bot.WithPriority(ctx, bot.PriorityEmergency)
		if _, err := k.Out.Send(urgent, bot.OutMessage{Chat: bot.ChatID(chat), Text: "Flood warning"}); err != nil {
			t.Error(err)
		}
	}
	emergency("group:g0999")
	tr.onSend = func(n int) {
		if n == 10 { // ten normal deliveries in, a second emergency arrives
			emergency("group:g0500")
		}
	}
	e.FlushSends(ctx)
	got := tr.chats()
	if len(got) != 1002 {
		t.Fatalf("%d sends, want 1002", len(got))
	}
	if got[0] != "group:g0999" {
		t.Errorf("first send went to %s, want the emergency's group", got[0])
	}
	if got[10] != "group:g0500" || tr.sent[10].Text != "Flood warning" {
		t.Errorf("the send after the tenth went to %s (%q), want the second emergency", got[10], tr.sent[10].Text)
	}
	var normal []string
	for i, m := range tr.sent {
		if m.Text == "Bins late this week" {
			normal = append(normal, got[i])
		}
	}
	for i := 1; i < len(normal); i++ {
		if normal[i] < normal[i-1] {
			t.Fatalf("the fan-out lost its order at %s after %s", normal[i], normal[i-1])
		}
	}
}

// A command during a fan-out is answered without waiting for the
// fan-out's sends: the worker commits it while the sender is held up, and
// its reply is the next thing sent.
func TestCommandDuringAFanOutIsNotHeldByPacing(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\n")
	tr := &recorder{Transport: h.Console, gate: make(chan struct{}), started: make(chan string, 100)}
	e := bot.NewEngine(bot.Config{JobInterval: time.Hour}, h.Store, tr, h.Clock)
	k := e.Kit("test")
	k.Reg.Handle(bot.Route{Name: "count", Help: "count", Handler: func(ctx context.Context, req *bot.Request) error {
		return req.Reply(ctx, "counted")
	}})
	queueFanOut(t, e, h.Store, 50)

	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(runCtx) }()
	defer func() {
		stop()
		close(tr.gate)
		<-done
	}()
	// The sender is now stuck in its first send (a paced, slow link).
	if chat := <-tr.started; chat != "group:g0000" {
		t.Fatalf("first send to %s", chat)
	}
	cmd := &bot.Message{ID: "wa-during", Chat: bot.Chat{ID: "group:street", IsGroup: true}, Sender: bot.Sender{Addr: "Bob", Name: "Bob"},
		Text: "!count", Time: h.Clock.Now()}
	// DeliverMessage returns once the command is committed; were the
	// worker waiting for the sender, this would never return.
	if err := e.DeliverMessage(context.Background(), cmd); err != nil {
		t.Fatal(err)
	}
	tr.gate <- struct{}{} // the fan-out's first send completes
	if chat := <-tr.started; chat != "group:street" {
		t.Errorf("after the send in flight went %s, want the reply to the command", chat)
	}
	tr.gate <- struct{}{}
	if chat := <-tr.started; chat != "group:g0001" {
		t.Errorf("the fan-out went on with %s, want group:g0001", chat)
	}
	tr.gate <- struct{}{}
}

// While the store cannot commit (a full disk), nothing is marked handled:
// every message is reported as not handled (never as a duplicate), the log
// says so once, not once a message, and when the store recovers the same
// deliveries are handled, once each.
func TestFullStoreMarksNothingHandled(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\n")
	var logs strings.Builder
	obs := &countingObserver{}
	e := bot.NewEngine(bot.Config{SyncSends: true, Log: slog.New(slog.NewTextHandler(&logs, nil)), Observer: obs}, h.Store, h.Console, h.Clock)
	k := e.Kit("test")
	k.Reg.Handle(bot.Route{Name: "count", Help: "count", Handler: func(ctx context.Context, req *bot.Request) error {
		calls++
		return req.Reply(ctx, fmt.Sprintf("counted %d", calls))
	}})
	ctx := context.Background()
	msgs := make([]*bot.Message, 3)
	for i := range msgs {
		msgs[i] = &bot.Message{ID: fmt.Sprintf("wa-full-%d", i), Chat: bot.Chat{ID: "group:street", IsGroup: true},
			Sender: bot.Sender{Addr: "Bob", Name: "Bob"}, Text: "!count", Time: h.Clock.Now()}
	}
	before := h.Out.Len()
	sqlite.FailCommits(true)
	t.Cleanup(func() { sqlite.FailCommits(false) })
	for _, m := range msgs {
		out, err := e.HandleMessage(ctx, m)
		if err == nil || out != bot.NotHandled {
			t.Fatalf("while the store fails: %v, %v; want not handled with an error", out, err)
		}
	}
	if out := h.Out.String()[before:]; strings.Contains(out, "counted") {
		t.Errorf("a reply went out for a message that was not saved:\n%s", out)
	}
	if n := strings.Count(logs.String(), "the database cannot save changes"); n != 1 {
		t.Errorf("%d log lines about the failing store for 3 messages, want 1:\n%s", n, logs.String())
	}
	if obs.storeFailures != 3 || !e.StoreFailing() {
		t.Errorf("store failures counted %d (failing=%v), want 3", obs.storeFailures, e.StoreFailing())
	}
	// The console says so too.
	if out := h.Run("Bob: !count\n"); !strings.Contains(out, "-- not handled") || strings.Contains(out, "duplicate") {
		t.Errorf("console during the failure:\n%s", out)
	}

	sqlite.FailCommits(false)
	calls = 0
	for _, m := range msgs {
		if out, err := e.HandleMessage(ctx, m); err != nil || out != bot.Handled {
			t.Fatalf("after recovery: %v, %v; want handled", out, err)
		}
	}
	for _, m := range msgs {
		if out, err := e.HandleMessage(ctx, m); err != nil || out != bot.Duplicate {
			t.Fatalf("a second delivery after recovery: %v, %v; want a duplicate", out, err)
		}
	}
	out := h.Out.String()[before:]
	for i := 1; i <= 3; i++ {
		if n := strings.Count(out, fmt.Sprintf("counted %d\n", i)); n != 1 {
			t.Errorf("reply %d sent %d times:\n%s", i, n, out)
		}
	}
	if !strings.Contains(logs.String(), "saves changes again") || e.StoreFailing() {
		t.Errorf("recovery not logged:\n%s", logs.String())
	}
}

// countingObserver counts store failures.
type countingObserver struct {
	storeFailures int
}

func (o *countingObserver) MessageReceived(string)                       {}
func (o *countingObserver) CommandHandled(string, string, time.Duration) {}
func (o *countingObserver) Sent(string, error)                           {}
func (o *countingObserver) JobRun(string, string)                        {}
func (o *countingObserver) StoreFailed()                                 { o.storeFailures++ }
func (o *countingObserver) BotMembership(string)                         {}
