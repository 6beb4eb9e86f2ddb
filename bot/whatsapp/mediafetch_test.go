package whatsapp

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
)

// gatedClient's downloads wait for the test to say how each one ends, like
// a media server that takes its time.
type gatedClient struct {
	*fakeClient
	calls   chan string // the direct path of each download started
	outcome chan error  // nil: the body is sent; else the download fails
	sent    chan string // the text of each message sent
}

func (g *gatedClient) SendMessage(ctx context.Context, to types.JID, msg *waE2E.Message, extra ...whatsmeow.SendRequestExtra) (whatsmeow.SendResponse, error) {
	resp, err := g.fakeClient.SendMessage(ctx, to, msg, extra...)
	g.sent <- msg.GetExtendedTextMessage().GetText()
	return resp, err
}

func (g *gatedClient) DownloadToFile(ctx context.Context, msg whatsmeow.DownloadableMessage, file whatsmeow.File) error {
	g.calls <- msg.GetDirectPath()
	select {
	case err := <-g.outcome:
		if err != nil {
			return err
		}
		return g.fakeClient.DownloadToFile(ctx, msg, file)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// jobRuns reports each run of the engine's attachment job.
type jobRuns struct {
	bot.Observer
	runs chan string
}

func (o jobRuns) JobRun(kind, result string) {
	if kind == "core.media" {
		o.runs <- result
	}
}

func (o jobRuns) MessageReceived(string)                       {}
func (o jobRuns) CommandHandled(string, string, time.Duration) {}
func (o jobRuns) Sent(string, error)                           {}
func (o jobRuns) StoreFailed()                                 {}
func (o jobRuns) BotMembership(string)                         {}

type photoHarness struct {
	t      *testing.T
	client *gatedClient
	a      *Adapter
	clock  *bot.ManualClock
	engine *bot.Engine
	runs   chan string
	mu     sync.Mutex
	kept   []string // what the !photo handler got, in order
	done   chan struct{}
	stop   func() // ends Run and closes the store, like a shutdown
}

// newPhotoHarness runs a real engine over SQLite and the adapter, with a
// "!photo" command that downloads the photo it is the caption of.
func newPhotoHarness(t *testing.T) *photoHarness {
	return openPhotoHarness(t, filepath.Join(t.TempDir(), "bot.db"))
}

func openPhotoHarness(t *testing.T, dbPath string) *photoHarness {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &photoHarness{t: t, runs: make(chan string, 16), done: make(chan struct{}, 16)}
	h.client = &gatedClient{fakeClient: newFakeClient(), calls: make(chan string, 16), outcome: make(chan error), sent: make(chan string, 16)}
	h.clock = bot.NewManualClock(t0)
	h.a = New(h.client, Options{Clock: h.clock, BacklogAct: time.Hour})
	h.a.MarkOnline(t0)
	h.engine = bot.NewEngine(bot.Config{SyncSends: true, DeferDownloads: true, JobInterval: time.Hour, Observer: jobRuns{runs: h.runs}},
		store, h.a, h.clock)
	k := h.engine.Kit("photos")
	k.Reg.Handle(bot.Route{Name: "photo", Help: "keep a photo", Handler: func(ctx context.Context, req *bot.Request) error {
		data, err := k.Attachments.Download(ctx, req.Msg.Media)
		kept := string(data)
		if err != nil {
			kept = "error: " + err.Error()
		}
		// Recorded as a feature's row would be: only once committed (a
		// rolled-back pass drops its hooks).
		k.Core.AfterCommit(ctx, func() {
			h.mu.Lock()
			h.kept = append(h.kept, kept)
			h.mu.Unlock()
			h.done <- struct{}{}
		})
		if err != nil {
			return req.Reply(ctx, "I couldn't fetch the photo.")
		}
		return req.Reply(ctx, "Photo kept.")
	}})
	if err := store.SaveGroupSettings(ctx, bot.GroupSettings{Chat: group, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if err := h.engine.Start(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- h.engine.Run(runCtx) }()
	h.a.Attach(runCtx, h.engine)
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			stop()
			if err := <-ran; err != nil {
				t.Error(err)
			}
			store.Close()
		})
	}
	t.Cleanup(h.stop)
	return h
}

func photoEvent(id, path string) any {
	return groupEvent(id, aliceLID, alicePN, types.AddressingModeLID, t0, &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
		Caption: proto.String("!photo"), DirectPath: proto.String(path), Mimetype: proto.String("image/jpeg"), FileLength: proto.Uint64(20),
	}})
}

// wait receives from ch; the deadline only turns a hang into a failure.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

// A photo's download no longer holds whatsmeow's receive path: the message
// is acknowledged while the download hangs, a redelivery is a duplicate,
// and once the photo is in, the command runs with it, exactly once.
func TestSlowDownloadDoesNotHoldTheReceivePath(t *testing.T) {
	h := newPhotoHarness(t)
	evt := photoEvent("3A0PHOTO1", "/v/pothole")
	acked := make(chan bool, 1)
	go func() { acked <- h.a.HandleEvent(evt) }()
	if !wait(t, acked, "acknowledgement while the download hangs") {
		t.Fatal("the message was not acknowledged")
	}
	if path := wait(t, h.client.calls, "download"); path != "/v/pothole" {
		t.Fatalf("downloaded %q", path)
	}
	if !h.a.HandleEvent(evt) {
		t.Fatal("the redelivery was not acknowledged")
	}
	h.mu.Lock()
	if len(h.kept) != 0 || h.client.sentCount() != 0 {
		t.Fatalf("handled before the photo came: %q, %d sent", h.kept, h.client.sentCount())
	}
	h.mu.Unlock()

	h.client.outcome <- nil // the media server answers
	wait(t, h.done, "command run with the photo")
	if r := wait(t, h.runs, "job run"); r != "ok" {
		t.Fatalf("job = %s", r)
	}
	if got := wait(t, h.client.sent, "reply"); got != "Photo kept." {
		t.Fatalf("reply = %q", got)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.kept) != 1 || h.kept[0] != "jpeg bytes for /v/pothole" {
		t.Fatalf("kept = %q, want the photo once", h.kept)
	}
	if n := h.client.sentCount(); n != 1 {
		t.Fatalf("%d sent, want the one reply", n)
	}
}

// A download that keeps failing is tried maxMediaAttempts times with a
// growing wait, then the command runs once with the error, so the person
// is told.
func TestFailingDownloadIsRetriedThenReported(t *testing.T) {
	h := newPhotoHarness(t)
	if !h.a.HandleEvent(photoEvent("3A0PHOTO2", "/v/gone")) {
		t.Fatal("not acknowledged")
	}
	for attempt, gap := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 0} {
		wait(t, h.client.calls, "download")
		h.client.outcome <- errors.New("download failed with status code 500")
		if attempt == 3 {
			break
		}
		if r := wait(t, h.runs, "job run after a failed download"); r != "ok" {
			t.Fatalf("attempt %d: job = %s", attempt+1, r)
		}
		h.mu.Lock()
		if len(h.kept) != 0 {
			t.Fatalf("attempt %d: handled before the last attempt: %q", attempt+1, h.kept)
		}
		h.mu.Unlock()
		// Not due before the wait is over.
		h.clock.Advance(gap - time.Second)
		h.engine.RunDueJobs(context.Background())
		select {
		case r := <-h.runs:
			t.Fatalf("attempt %d: the job ran (%s) before its wait of %s was over", attempt+1, r, gap)
		default:
		}
		h.clock.Advance(time.Second)
		h.engine.RunDueJobs(context.Background()) // asks the fetcher again
		wait(t, h.runs, "job run asking for the download again")
	}
	wait(t, h.done, "command run with the error")
	if got := wait(t, h.client.sent, "reply"); got != "I couldn't fetch the photo." {
		t.Fatalf("reply = %q", got)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.kept) != 1 || !strings.HasPrefix(h.kept[0], "error: ") || !strings.Contains(h.kept[0], "status code 500") {
		t.Fatalf("kept = %q, want one error", h.kept)
	}
	if n := h.client.sentCount(); n != 1 {
		t.Fatalf("%d sent, want the one reply", n)
	}
}

// A restart while the photo is still downloading loses nothing: the
// message waits in its job, and the restarted bot downloads the photo from
// the handle stored with it (the protobuf, not the live object) and runs
// the command once.
func TestDownloadResumesAfterARestart(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	h := openPhotoHarness(t, dbPath)
	if !h.a.HandleEvent(photoEvent("3A0PHOTO3", "/v/restart")) {
		t.Fatal("not acknowledged")
	}
	wait(t, h.client.calls, "download before the restart")
	h.stop() // the download is cut off by the shutdown

	h = openPhotoHarness(t, dbPath)
	if !h.a.HandleEvent(photoEvent("3A0PHOTO3", "/v/restart")) {
		t.Fatal("the redelivery after the restart was not acknowledged")
	}
	h.clock.Advance(2 * time.Minute)
	h.engine.RunDueJobs(context.Background())
	if path := wait(t, h.client.calls, "download after the restart"); path != "/v/restart" {
		t.Fatalf("downloaded %q", path)
	}
	h.client.outcome <- nil
	if got := wait(t, h.client.sent, "reply"); got != "Photo kept." {
		t.Fatalf("reply = %q", got)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.kept) != 1 || h.kept[0] != "jpeg bytes for /v/restart" {
		t.Fatalf("kept = %q", h.kept)
	}
}
