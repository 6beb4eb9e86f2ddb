package bot_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/sqlite"
)

// guard bounds a wait that only a deadlock could make long; it is not a
// timing assertion (the order of events is what the tests check).
const guard = 30 * time.Second

// slowJob is a two-phase job whose fetch stands for a server that is
// trickling its answer: it reports that it started and waits for release.
type slowJob struct {
	fetching chan struct{}
	release  chan struct{}
	applied  chan struct{}
	inUnit   atomic.Bool // the fetch found a unit of work in its context
}

func newSlowJob() *slowJob {
	return &slowJob{fetching: make(chan struct{}, 1), release: make(chan struct{}), applied: make(chan struct{}, 1)}
}

func (s *slowJob) register(k bot.Kit) {
	k.Jobs.HandleFetch("demo.slow", func(ctx context.Context, j bot.Job) (bot.ApplyFunc, error) {
		s.inUnit.Store(sqlite.InUnitOfWork(ctx))
		s.fetching <- struct{}{}
		<-s.release
		return func(ctx context.Context) error {
			if !sqlite.InUnitOfWork(ctx) {
				panic("apply outside the job's unit of work")
			}
			s.applied <- struct{}{}
			_, err := k.Out.Send(ctx, bot.OutMessage{Chat: "group:street", Text: "fetched"})
			return err
		}, nil
	})
}

func wait(t *testing.T, c <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(guard):
		t.Fatalf("%s never happened", what)
	}
}

// slowEngine is an engine over h's database that runs jobs from Run's
// ticker, with a command and the slow job registered.
func slowEngine(t *testing.T, h *bottest.Harness, job *slowJob, counted *atomic.Int32) *bot.Engine {
	t.Helper()
	e := bot.NewEngine(bot.Config{JobInterval: time.Millisecond, SyncSends: true}, h.Store, h.Console, h.Clock)
	k := e.Kit("demo")
	k.Reg.Handle(bot.Route{Name: "count", Help: "count a call", Handler: func(ctx context.Context, req *bot.Request) error {
		counted.Add(1)
		return req.Reply(ctx, "counted")
	}})
	job.register(k)
	if err := k.Jobs.Schedule(context.Background(), "demo.slow", "slow", h.Clock.Now(), nil); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSlowFetchHoldsUpNoMessage: while a two-phase job's fetch is waiting
// on a slow server, the worker still handles a resident's command at once
// (the fetch holds neither the writer nor the engine's handling), and the
// result is applied in the job's unit of work once the server answers.
func TestSlowFetchHoldsUpNoMessage(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	h.Run("@admin Alice\nAlice: !bot on\n")
	job := newSlowJob()
	var counted atomic.Int32
	e := slowEngine(t, h, job, &counted)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()

	wait(t, job.fetching, "the fetch")
	if job.inUnit.Load() {
		t.Fatal("the fetch ran inside a unit of work")
	}
	msgCtx, msgCancel := context.WithTimeout(context.Background(), guard)
	defer msgCancel()
	m := &bot.Message{ID: "m1", Chat: bot.Chat{ID: "group:street", IsGroup: true}, Sender: bot.Sender{Addr: "Bob", Name: "Bob"}, Text: "!count", Time: h.Clock.Now()}
	if err := e.DeliverMessage(msgCtx, m); err != nil {
		t.Fatalf("a command waited for the slow fetch: %v", err)
	}
	if counted.Load() != 1 {
		t.Fatalf("command handled %d times", counted.Load())
	}
	select {
	case <-job.applied:
		t.Fatal("applied before the server answered")
	default:
	}
	// The worker's ticker keeps coming round while the fetch is under way:
	// the job is not started a second time.
	close(job.release)
	wait(t, job.applied, "the apply")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case <-job.fetching:
		t.Error("the job was fetched twice")
	default:
	}
	if pending, err := e.Kit("demo").Jobs.Pending(context.Background(), "slow"); err != nil || pending {
		t.Errorf("job still pending after its apply (%v)", err)
	}
}

// TestFetchForACancelledJobIsNotApplied: a job cancelled (or booked afresh)
// while its fetch was under way does not apply what was fetched.
func TestFetchForACancelledJobIsNotApplied(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	job := newSlowJob()
	var counted atomic.Int32
	e := slowEngine(t, h, job, &counted)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.RunDueJobs(context.Background())
	}()
	wait(t, job.fetching, "the fetch")
	if err := e.Kit("demo").Jobs.Cancel(context.Background(), "slow"); err != nil {
		t.Fatal(err)
	}
	close(job.release)
	wait(t, done, "the end of the run")
	select {
	case <-job.applied:
		t.Fatal("a cancelled job's fetch was applied")
	default:
	}
}

// TestFetchStoppedByShutdownLeavesTheJobDue: a fetch cut short by a
// shutdown commits nothing, and the job runs again after the restart.
func TestFetchStoppedByShutdownLeavesTheJobDue(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	job := newSlowJob()
	var counted atomic.Int32
	e := slowEngine(t, h, job, &counted)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	wait(t, job.fetching, "the fetch")
	cancel()
	close(job.release) // the server answers after the stop
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case <-job.applied:
		t.Fatal("applied after the stop")
	default:
	}
	if pending, err := e.Kit("demo").Jobs.Pending(context.Background(), "slow"); err != nil || !pending {
		t.Errorf("the job is gone after an interrupted fetch (%v)", err)
	}
}
