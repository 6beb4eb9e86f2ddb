package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

// wire records, in the one order they happened, what every engine sent:
// what a WhatsApp server would see from several numbers' processes.
type wire struct {
	mu   sync.Mutex
	sent []wireSend
}

type wireSend struct {
	engine string
	chat   bot.ChatID
	id     string
	text   string
}

// wireTransport is one engine's transport onto the shared wire. It keeps
// every send it is asked for, repeats included: a repeat is the defect the
// claims prevent, so it must not be hidden here.
type wireTransport struct {
	name   string
	wire   *wire
	seq    atomic.Int64
	before func() error // asked before each send; an error stops it (nil: none)
}

func (t *wireTransport) NewMessageID() string {
	return fmt.Sprintf("%s-%d", t.name, t.seq.Add(1))
}

func (t *wireTransport) Send(_ context.Context, m bot.OutMessage) (string, error) {
	if t.before != nil {
		if err := t.before(); err != nil {
			return "", err
		}
	}
	t.wire.mu.Lock()
	t.wire.sent = append(t.wire.sent, wireSend{engine: t.name, chat: m.Chat, id: m.ID, text: m.Text})
	t.wire.mu.Unlock()
	return m.ID, nil
}

var errNoWire = errors.New("not on this wire")

func (t *wireTransport) SendPoll(context.Context, bot.OutPoll) (string, error)  { return "", errNoWire }
func (t *wireTransport) Edit(context.Context, bot.ChatID, string, string) error { return errNoWire }
func (t *wireTransport) React(context.Context, bot.MessageRef, string) error    { return errNoWire }
func (t *wireTransport) Delete(context.Context, bot.MessageRef) error           { return errNoWire }
func (t *wireTransport) RemoveMember(context.Context, bot.ChatID, bot.Address) error {
	return errNoWire
}
func (t *wireTransport) GroupInfo(context.Context, bot.ChatID) (bot.GroupInfo, error) {
	return bot.GroupInfo{}, errNoWire
}
func (t *wireTransport) Download(context.Context, *bot.Media) ([]byte, error) { return nil, errNoWire }

// hubPost is the payload of the test's job: one message into a chat.
type hubPost struct {
	Chat bot.ChatID
	Text string
}

// hubEngine is one process of the hub: its own store (pool), clock,
// transport and engine on the shared schema.
type hubEngine struct {
	name  string
	store *sqlite.Store
	clock *bot.ManualClock
	tr    *wireTransport
	e     *bot.Engine
}

func newHubEngine(t *testing.T, url, name string, w *wire, at time.Time, cfg bot.Config) *hubEngine {
	t.Helper()
	st, err := postgres.Open(context.Background(), url, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &hubEngine{name: name, store: st, clock: bot.NewManualClock(at), tr: &wireTransport{name: name, wire: w}}
	cfg.Owner = name
	cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	h.e = bot.NewEngine(cfg, st, h.tr, h.clock)
	kit := h.e.Kit("hub")
	bot.HandleJobOf(kit.Jobs, "hub.post", func(ctx context.Context, _ bot.Job, p hubPost) error {
		_, err := kit.Out.Send(ctx, bot.OutMessage{Chat: p.Chat, Text: p.Text})
		return err
	})
	return h
}

// fill books jobs job-0…job-(n-1), due at at, each posting into one of
// four chats, and queues per messages in order into each of the chats
// q-0…q-3, in one unit of work — what a notice fan-out leaves a hub.
func fill(t *testing.T, st *sqlite.Store, at time.Time, jobs, per int) {
	t.Helper()
	err := st.Atomic(context.Background(), func(ctx context.Context) error {
		for i := range jobs {
			payload, _ := json.Marshal(hubPost{Chat: bot.ChatID(fmt.Sprintf("j-%d", i%4)), Text: fmt.Sprintf("job-%d", i)})
			if _, err := st.ScheduleJob(ctx, bot.Job{Kind: "hub.post", Key: fmt.Sprintf("post-%d", i), RunAt: at, Payload: payload}); err != nil {
				return err
			}
		}
		for n := range per {
			for c := range 4 {
				m := bot.OutMessage{Chat: bot.ChatID(fmt.Sprintf("q-%d", c)), ID: fmt.Sprintf("q-%d-%d", c, n), Text: fmt.Sprintf("q-%d #%03d", c, n)}
				payload, _ := json.Marshal(m)
				if _, err := st.QueueSend(ctx, bot.QueuedSend{Chat: m.Chat, Kind: "text", MsgID: m.ID, Priority: bot.PriorityBulk,
					Payload: payload, Created: at, NotBefore: at}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// checkWire wants every job's message and every queued message sent
// exactly once, and each queued chat's messages in the order queued.
func checkWire(t *testing.T, w *wire, jobs, per int) map[string]int {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	times, by := map[string]int{}, map[string]int{}
	last := map[bot.ChatID]string{}
	for _, s := range w.sent {
		times[s.text]++
		by[s.engine]++
		if strings.HasPrefix(string(s.chat), "q-") {
			if s.text <= last[s.chat] {
				t.Errorf("%s: %q sent after %q: chat order lost", s.chat, s.text, last[s.chat])
			}
			last[s.chat] = s.text
		}
	}
	for i := range jobs {
		if n := times[fmt.Sprintf("job-%d", i)]; n != 1 {
			t.Errorf("job-%d: its message sent %d times, want once", i, n)
		}
	}
	for n := range per {
		for c := range 4 {
			if k := times[fmt.Sprintf("q-%d #%03d", c, n)]; k != 1 {
				t.Errorf("q-%d #%03d sent %d times, want once", c, n, k)
			}
		}
	}
	if want := jobs + 4*per; len(w.sent) != want {
		t.Errorf("%d sends on the wire, want %d", len(w.sent), want)
	}
	return by
}

// drain runs due jobs and sends on each engine at once, as the processes
// of a hub do, until none of them finds anything to do.
func drain(ctx context.Context, hs ...*hubEngine) {
	var wg sync.WaitGroup
	for _, h := range hs {
		wg.Go(func() {
			for range 3 {
				h.e.RunDueJobs(ctx)
				h.e.FlushSends(ctx)
			}
		})
	}
	wg.Wait()
}

// Two engines on one hub run each due job once and send each queued
// message once, in chat order, sharing the work between them.
func TestTwoEnginesShareOneHub(t *testing.T) {
	url := storetest.Schema(t)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w := &wire{}
	a := newHubEngine(t, url, "a", w, at, bot.Config{SyncSends: true})
	b := newHubEngine(t, url, "b", w, at, bot.Config{SyncSends: true})
	const jobs, per = 120, 40
	fill(t, a.store, at, jobs, per)
	drain(context.Background(), a, b)
	by := checkWire(t, w, jobs, per)
	t.Logf("sends by engine: %v", by)
}

// An engine that dies holding claims leaves them to its lease: the other
// engine sends nothing after a held row of the same chat and runs no held
// job until the lease lapses, then finishes everything. An engine stopped
// in the middle of a flush gives back the row it had not settled.
func TestEngineStoppedMidwayIsTakenOver(t *testing.T) {
	url := storetest.Schema(t)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w := &wire{}
	const jobs, per = 20, 10
	b := newHubEngine(t, url, "b", w, at, bot.Config{SyncSends: true})
	fill(t, b.store, at, jobs, per)

	// c is stopped as it is about to make its fourth send: that row,
	// claimed and not sent, goes back at once.
	stopC, stop := context.WithCancel(context.Background())
	c := newHubEngine(t, url, "c", w, at, bot.Config{SyncSends: true})
	c.tr.before = func() error {
		if countBy(w, "c") == 3 {
			stop()
			return context.Canceled
		}
		return nil
	}
	c.e.FlushSends(stopC)
	stop()
	if n := countBy(w, "c"); n != 3 {
		t.Fatalf("c sent %d before it stopped, want 3", n)
	}

	// dead claims three jobs and the next send, then its process is gone:
	// what kill -9 leaves in the tables.
	dead, err := postgres.Open(context.Background(), url, false)
	if err != nil {
		t.Fatal(err)
	}
	held, err := dead.ClaimJobs(context.Background(), "dead", at, 5*time.Minute, 3)
	if err != nil || len(held) != 3 {
		t.Fatalf("dead claimed %d jobs (%v), want 3", len(held), err)
	}
	send, ok, err := dead.ClaimSend(context.Background(), "dead", at, 5*time.Minute)
	if err != nil || !ok {
		t.Fatalf("dead claimed no send (%v)", err)
	}
	if send.MsgID != "q-3-0" {
		t.Errorf("next send claimed is %s, want q-3-0, the row c gave back", send.MsgID)
	}
	dead.Close()

	drain(context.Background(), b)
	for _, s := range sentTexts(w) {
		for _, j := range held {
			var p hubPost
			_ = json.Unmarshal(j.Payload, &p)
			if s.text == p.Text {
				t.Errorf("%s ran under the dead engine's live lease", p.Text)
			}
		}
		if s.chat == send.Chat && s.id >= send.MsgID {
			t.Errorf("%s: %s sent while %s was held by the dead engine", s.chat, s.id, send.MsgID)
		}
	}

	b.clock.Set(at.Add(5*time.Minute + time.Second))
	drain(context.Background(), b)
	by := checkWire(t, w, jobs, per)
	t.Logf("sends by engine: %v", by)
}

func countBy(w *wire, engine string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, s := range w.sent {
		if s.engine == engine {
			n++
		}
	}
	return n
}

func sentTexts(w *wire) []wireSend {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]wireSend(nil), w.sent...)
}

// A running engine hears from the hub's LISTEN/NOTIFY when another
// process books a job or queues a send: it runs and sends them at once,
// not at its next tick (an hour here) or idle look (half a minute).
func TestWakeFromAnotherProcess(t *testing.T) {
	url := storetest.Schema(t)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	w := &wire{}
	other, err := postgres.Open(context.Background(), url, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	channel, err := postgres.WakeChannel(context.Background(), other.Raw())
	if err != nil {
		t.Fatal(err)
	}
	l, err := postgres.Listen(context.Background(), url, channel)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	h := newHubEngine(t, url, "h", w, at, bot.Config{JobInterval: time.Hour, Wake: l.Wake()})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.e.Run(ctx) }()
	defer func() {
		stop()
		<-done
	}()

	waitFor := func(what string, n int) {
		t.Helper()
		// Real time only bounds the wait for the other goroutine; what
		// runs is decided by the manual clock.
		deadline := time.Now().Add(15 * time.Second)
		for countBy(w, "h") < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not sent within 15 s of the commit", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The engine's sender has looked once and found nothing; only a wake
	// brings it back before its idle wait.
	time.Sleep(100 * time.Millisecond)
	fill(t, other, at, 0, 1)
	waitFor("queued sends", 4)
	fill(t, other, at, 2, 0)
	waitFor("due jobs", 6)
}
