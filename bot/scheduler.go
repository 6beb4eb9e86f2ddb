package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Scheduler runs persisted jobs: reminders, follow-ups, fan-outs, polls of
// feeds. Jobs survive restarts, and each run is one unit of work: what the
// job changes, the sends it queues and its own completion, retry or next
// occurrence commit together, so a crash can neither lose a run nor repeat
// its sends.
type Scheduler struct {
	store    Store
	clock    Clock
	log      *slog.Logger
	obs      Observer
	handlers map[string]JobFunc

	afterUnit func(ctx context.Context)
	failed    func(what string, err error)
	ok        func()
}

func newScheduler(store Store, clock Clock, log *slog.Logger, obs Observer, afterUnit func(context.Context), failed func(string, error), ok func()) *Scheduler {
	return &Scheduler{store: store, clock: clock, log: log, obs: obs, handlers: map[string]JobFunc{},
		afterUnit: afterUnit, failed: failed, ok: ok}
}

// Handle registers the function that runs jobs of kind.
func (s *Scheduler) Handle(kind string, fn JobFunc) {
	if _, dup := s.handlers[kind]; dup {
		panic("bot: job kind registered twice: " + kind)
	}
	s.handlers[kind] = fn
}

// HandleJobOf registers fn for jobs of kind whose payload is the JSON of a
// T. The payload is decoded here, in one place; a payload that cannot be
// decoded would fail the same way on every retry, so such a job is dropped
// with an error in the log.
func HandleJobOf[T any](jobs JobHandlers, kind string, fn func(ctx context.Context, job Job, payload T) error) {
	jobs.HandleJob(kind, func(ctx context.Context, job Job) error {
		var p T
		if len(job.Payload) > 0 {
			if err := json.Unmarshal(job.Payload, &p); err != nil {
				return fmt.Errorf("%w: payload of %s job: %v", errBadPayload, kind, err)
			}
		}
		return fn(ctx, job, p)
	})
}

// JobHandlers is where job handlers are registered (a feature's Jobs).
type JobHandlers interface {
	HandleJob(kind string, fn JobFunc)
}

// errBadPayload marks a job whose payload cannot be read.
var errBadPayload = errors.New("unreadable job payload")

// Schedule persists a job of kind to run at, in the unit of work of ctx. A
// non-empty key replaces any job with the same key.
func (s *Scheduler) Schedule(ctx context.Context, kind, key string, at time.Time, payload any) error {
	var raw []byte
	if payload != nil {
		var err error
		if raw, err = json.Marshal(payload); err != nil {
			return fmt.Errorf("schedule %s: encode payload: %w", kind, err)
		}
	}
	if _, err := s.store.ScheduleJob(ctx, Job{Kind: kind, Key: key, RunAt: at, Payload: raw}); err != nil {
		return fmt.Errorf("schedule %s: %w", kind, err)
	}
	return nil
}

// Cancel deletes pending jobs whose key starts with prefix.
func (s *Scheduler) Cancel(ctx context.Context, keyPrefix string) error {
	if keyPrefix == "" {
		return errors.New("cancel jobs: empty key prefix")
	}
	if _, err := s.store.CancelJobs(ctx, keyPrefix); err != nil {
		return fmt.Errorf("cancel jobs %q: %w", keyPrefix, err)
	}
	return nil
}

// jobBackoff spaces a failing job's retries: 1, 2, 4 … minutes, at most two
// hours, or longer when a server asked for it (Retry-After). No jitter:
// residents see when a retried job's message comes.
var jobBackoff = Backoff{Base: time.Minute, Max: 2 * time.Hour}

// groupGoneWait is how long a job for a group the bot was removed from
// waits before it looks again.
const groupGoneWait = time.Hour

// maxJobAttempts bounds retries of a failing job; after that it is dropped
// with an error in the log rather than retried forever.
const maxJobAttempts = 8

// RunDue runs every job due at the clock's time under work, oldest first,
// checking stop between jobs so a shutdown is not held up by a backlog.
func (s *Scheduler) RunDue(stop, work context.Context) {
	for range 100 { // bounded: jobs a handler schedules for "now" run next round
		if stop.Err() != nil {
			return
		}
		jobs, err := s.store.DueJobs(work, s.clock.Now(), 50)
		if err != nil {
			s.log.Error("load due jobs", KeyErr, err)
			return
		}
		if len(jobs) == 0 {
			return
		}
		for _, j := range jobs {
			if stop.Err() != nil {
				return
			}
			if !s.run(work, j) {
				return // the store cannot commit: try again next tick
			}
		}
	}
}

// run runs one job in its unit of work and reports whether that committed.
func (s *Scheduler) run(ctx context.Context, j Job) bool {
	var result string
	err := s.store.Atomic(WithPriority(ctx, PriorityNormal), func(ctx context.Context) error {
		jobErr := s.call(ctx, j)
		if jobErr != nil {
			// The job's own writes were rolled back with its savepoint;
			// if the store itself failed, nothing may commit at all.
			if err := s.store.Atomic(ctx, func(context.Context) error { return nil }); err != nil {
				return errors.Join(jobErr, err)
			}
		}
		var err error
		result, err = s.settle(ctx, j, jobErr)
		return err
	})
	if err != nil {
		s.failed("run job "+j.Kind, err)
		return false
	}
	s.ok()
	s.obs.JobRun(j.Kind, result)
	s.afterUnit(ctx)
	return true
}

// call runs the job's handler in a savepoint, turning a panic into an error.
func (s *Scheduler) call(ctx context.Context, j Job) error {
	fn, ok := s.handlers[j.Kind]
	if !ok {
		return fmt.Errorf("%w: no handler for job kind %q", errBadPayload, j.Kind)
	}
	return s.store.Atomic(ctx, func(ctx context.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("job panicked", KeyKind, j.Kind, "panic", r, "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return fn(ctx, j)
	})
}

// settle records how a run ended: done, dropped, postponed or retried.
func (s *Scheduler) settle(ctx context.Context, j Job, err error) (string, error) {
	now := s.clock.Now()
	switch {
	case err == nil:
		return "ok", s.store.FinishJob(ctx, j)
	case errors.Is(err, ErrGroupGone):
		// Parked, not dropped: a recurring post goes on as before once
		// the bot is added back.
		s.log.Info("job parked: the bot was removed from its group", KeyKind, j.Kind, KeyJob, j.ID)
		return "parked", s.store.PostponeJob(ctx, j, now.Add(groupGoneWait))
	case errors.Is(err, ErrGroupOff):
		s.log.Info("job dropped: its group switched the bot off", KeyKind, j.Kind, KeyJob, j.ID)
		return "dropped", s.store.FinishJob(ctx, j)
	case errors.Is(err, ErrNotConnected):
		// Being offline is nobody's fault and uses up no attempt: the job
		// waits for the connection however long it is down.
		return "postponed", s.store.PostponeJob(ctx, j, now.Add(time.Minute))
	case errors.Is(err, errBadPayload):
		s.log.Error("job dropped: it cannot run", KeyKind, j.Kind, KeyJob, j.ID, KeyErr, err)
		return "dropped", s.store.FinishJob(ctx, j)
	case j.Attempts+1 >= maxJobAttempts:
		s.log.Error("job failed for good", KeyKind, j.Kind, KeyJob, j.ID, "attempts", j.Attempts+1, KeyErr, redact(err))
		return "dropped", s.store.FinishJob(ctx, j)
	}
	backoff := jobBackoff.Delay(j.Attempts+1, j.Key, RetryAfterOf(err))
	s.log.Warn("job failed, will retry", KeyKind, j.Kind, KeyJob, j.ID, "in", backoff, KeyErr, redact(err))
	return "retry", s.store.RetryJob(ctx, j, now.Add(backoff), RedactPhones(err.Error()))
}
