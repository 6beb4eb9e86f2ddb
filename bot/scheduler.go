package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Jobs is the scheduler: it runs persisted jobs — reminders, follow-ups,
// fan-outs, polls of feeds — and is what the Kit hands a feature as Jobs. Jobs survive restarts, and each run is one unit of work: what the
// job changes, the sends it queues and its own completion, retry or next
// occurrence commit together, so a crash can neither lose a run nor repeat
// its sends.
//
// A job that talks to the outside world (a feed, a council's API, a mail
// server) is registered with HandleFetch and runs in two phases: its fetch
// runs with no unit of work, no writer and none of the engine's handling
// held — in Run, on a goroutine of its own — so a server that trickles
// bytes for minutes holds up nothing else; then its apply commits the
// result in a short unit of work, once the scheduler has checked that the
// job still stands as it was when the fetch began.
type Jobs struct {
	store    Store
	clock    Clock
	log      *slog.Logger
	obs      Observer
	handlers map[string]JobFunc
	fetchers map[string]FetchFunc

	// handling is held for each unit of work a job runs in, so jobs are
	// serialised with message handling (the engine's lock).
	handling sync.Locker

	flightMu sync.Mutex
	inFlight map[int64]bool // jobs whose fetch is running on its own goroutine
	fetches  sync.WaitGroup
	slots    chan struct{} // bounds the fetches running at once

	afterUnit func(ctx context.Context)
	health    *storeHealth

	// claims, on a store other processes share, claims due jobs before
	// they run (nil: the store is this process's alone); owner names this
	// engine in the claims.
	claims WorkClaimer
	owner  string
}

// JobFunc runs a persisted job. An error reschedules it with backoff.
type JobFunc func(ctx context.Context, job Job) error

// maxFetches bounds the fetches of two-phase jobs running at once.
const maxFetches = 4

func newJobs(store Store, clock Clock, log *slog.Logger, obs Observer, handling sync.Locker, afterUnit func(context.Context), health *storeHealth) *Jobs {
	return &Jobs{store: store, clock: clock, log: log, obs: obs, handlers: map[string]JobFunc{}, fetchers: map[string]FetchFunc{},
		handling: handling, inFlight: map[int64]bool{}, slots: make(chan struct{}, maxFetches),
		afterUnit: afterUnit, health: health}
}

// HandleJob registers fn for jobs of kind (see HandleJobOf for a typed
// payload).
func (s *Jobs) HandleJob(kind string, fn JobFunc) {
	s.checkNew(kind)
	s.handlers[kind] = fn
}

// HandleFetch registers fn for jobs of kind that call the outside world:
// fn fetches with no unit of work held and returns what commits the result
// (see FetchFunc; HandleFetchOf for a typed payload).
func (s *Jobs) HandleFetch(kind string, fn FetchFunc) {
	s.checkNew(kind)
	s.fetchers[kind] = fn
}

func (s *Jobs) checkNew(kind string) {
	_, dup := s.handlers[kind]
	_, dupFetch := s.fetchers[kind]
	if dup || dupFetch {
		panic("bot: job kind registered twice: " + kind)
	}
}

// ApplyFunc commits what a two-phase job fetched, in the job's unit of
// work. It must not call the outside world.
type ApplyFunc func(ctx context.Context) error

// FetchFunc is the outside half of a two-phase job. It runs with no unit of
// work and no writer held: it may read the database (each read on its own)
// and call servers as slowly as they answer, but it must not write what the
// job decides — that is for the ApplyFunc it returns, which runs in the
// job's unit of work and should check that what the fetch read is still
// current. An error counts as the run's failure (retried with back-off)
// without any apply.
type FetchFunc func(ctx context.Context, job Job) (ApplyFunc, error)

// HandleFetchOf registers a two-phase job kind whose payload is the JSON
// of a T (see HandleJobOf and FetchFunc).
func HandleFetchOf[T any](jobs FetchHandlers, kind string, fn func(ctx context.Context, job Job, payload T) (ApplyFunc, error)) {
	jobs.HandleFetch(kind, func(ctx context.Context, job Job) (ApplyFunc, error) {
		var p T
		if len(job.Payload) > 0 {
			if err := json.Unmarshal(job.Payload, &p); err != nil {
				return nil, fmt.Errorf("%w: payload of %s job: %v", errBadPayload, kind, err)
			}
		}
		return fn(ctx, job, p)
	})
}

// FetchHandlers is where two-phase job handlers are registered.
type FetchHandlers interface {
	HandleFetch(kind string, fn FetchFunc)
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
func (s *Jobs) Schedule(ctx context.Context, kind, key string, at time.Time, payload any) error {
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

// Pending reports whether a job with this key is waiting to run.
func (s *Jobs) Pending(ctx context.Context, key string) (bool, error) {
	return s.store.JobPending(ctx, key)
}

// Cancel deletes pending jobs whose key starts with keyPrefix.
func (s *Jobs) Cancel(ctx context.Context, keyPrefix string) error {
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
// With async, a two-phase job's fetch runs on a goroutine of its own and
// its apply follows when it is done; without (the console, tests), the
// fetch runs here, still outside any unit of work and any lock.
func (s *Jobs) RunDue(stop, work context.Context, async bool) {
	for range 100 { // bounded: jobs a handler schedules for "now" run next round
		if stop.Err() != nil {
			return
		}
		jobs, err := s.due(work)
		if err != nil {
			s.log.Error("load due jobs", KeyErr, err)
			return
		}
		ran, ok := s.runBatch(stop, work, jobs, async)
		if !ok || ran == 0 {
			return // stopping, the store cannot commit, nothing due, or only jobs whose fetch is under way
		}
	}
}

// due loads the jobs due now: claimed for this engine when the store is
// shared, simply the oldest otherwise.
func (s *Jobs) due(ctx context.Context) ([]Job, error) {
	if s.claims != nil {
		return s.claims.ClaimJobs(ctx, s.owner, s.clock.Now(), jobLease, 50)
	}
	return s.store.DueJobs(ctx, s.clock.Now(), 50)
}

// runBatch runs or starts jobs in order and counts those it did; ok is
// false when it stopped early (shutdown, or the store cannot commit: try
// again next tick). Claimed jobs it did not start are given back.
func (s *Jobs) runBatch(stop, work context.Context, jobs []Job, async bool) (ran int, ok bool) {
	for i, j := range jobs {
		if stop.Err() != nil {
			s.unclaim(work, jobs[i:])
			return ran, false
		}
		started, ok := s.start(stop, work, j, async)
		if !ok {
			return ran, false
		}
		if started {
			ran++
		} else {
			s.unclaim(work, jobs[i:i+1])
		}
	}
	return ran, true
}

// unclaim gives claimed jobs back as they were, for another process to
// run now rather than when the lease lapses.
func (s *Jobs) unclaim(ctx context.Context, jobs []Job) {
	if s.claims == nil || len(jobs) == 0 {
		return
	}
	err := s.store.Atomic(ctx, func(ctx context.Context) error {
		for _, j := range jobs {
			if err := s.store.PostponeJob(ctx, j, j.RunAt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.Warn("give back claimed jobs", KeyErr, err)
	}
}

// start runs j, or for a two-phase job starts it; started is false for a
// job already fetching or when every fetch slot is taken, and ok false
// when the store could not commit.
func (s *Jobs) start(stop, work context.Context, j Job, async bool) (started, ok bool) {
	fetch, twoPhase := s.fetchers[j.Kind]
	if !twoPhase {
		s.handling.Lock()
		defer s.handling.Unlock()
		return true, s.run(work, j, func(ctx context.Context) error { return s.call(ctx, j) })
	}
	if !s.claim(j) {
		return false, true
	}
	if !async {
		defer s.release(j)
		apply, err := s.fetch(work, j, fetch)
		s.handling.Lock()
		defer s.handling.Unlock()
		return true, s.apply(work, j, apply, err)
	}
	s.fetches.Add(1)
	go func() {
		defer s.fetches.Done()
		defer s.release(j)
		apply, err := s.fetch(stop, j, fetch)
		if stop.Err() != nil {
			return // shutting down: the job stays due and runs after the restart
		}
		s.handling.Lock()
		defer s.handling.Unlock()
		s.apply(work, j, apply, err)
	}()
	return true, true
}

// claim takes a fetch slot for j unless it is fetching already or every
// slot is taken.
func (s *Jobs) claim(j Job) bool {
	s.flightMu.Lock()
	defer s.flightMu.Unlock()
	if s.inFlight[j.ID] {
		return false
	}
	select {
	case s.slots <- struct{}{}:
	default:
		return false
	}
	s.inFlight[j.ID] = true
	return true
}

func (s *Jobs) release(j Job) {
	s.flightMu.Lock()
	defer s.flightMu.Unlock()
	delete(s.inFlight, j.ID)
	<-s.slots
}

// Step commits fn in a short unit of work of its own, from a two-phase
// job's fetch: the note, before a call that cannot be repeated safely
// (posting a report to the council), that the call is under way, so a stop
// during the call is noticed rather than repeated. It is serialised with
// message handling like any unit of work. Never call it from a handler or
// an apply: they already run in a unit of work.
func (s *Jobs) Step(ctx context.Context, fn func(ctx context.Context) error) error {
	s.handling.Lock()
	defer s.handling.Unlock()
	if err := s.store.Atomic(WithPriority(ctx, PriorityNormal), fn); err != nil {
		s.health.failed("job step", err)
		return err
	}
	s.afterUnit(ctx)
	return nil
}

// Wait waits for the fetches under way (Run calls it when stopping, after
// cancelling them).
func (s *Jobs) Wait() { s.fetches.Wait() }

// fetch runs a two-phase job's fetch, turning a panic into an error.
func (s *Jobs) fetch(ctx context.Context, j Job, fn FetchFunc) (apply ApplyFunc, err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("job panicked", KeyKind, j.Kind, "panic", r, "stack", string(debug.Stack()))
			apply, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	apply, err = fn(ctx, j)
	if err == nil && apply == nil {
		apply = func(context.Context) error { return nil }
	}
	return apply, err
}

// apply commits a two-phase job's result in its unit of work, unless the
// job was cancelled or booked afresh while it was fetching: what was
// fetched then answers a question nobody is asking any more.
func (s *Jobs) apply(ctx context.Context, j Job, apply ApplyFunc, fetchErr error) bool {
	return s.run(ctx, j, func(ctx context.Context) error {
		if fetchErr != nil {
			return fetchErr
		}
		return s.callApply(ctx, j, apply)
	})
}

// run runs one job's body in its unit of work and reports whether that
// committed.
func (s *Jobs) run(ctx context.Context, j Job, body func(ctx context.Context) error) bool {
	var result string
	err := s.store.Atomic(WithPriority(ctx, PriorityNormal), func(ctx context.Context) error {
		current, err := s.store.JobCurrent(ctx, j)
		if err != nil {
			return err
		}
		if !current {
			// Finished, cancelled or booked afresh since it was loaded:
			// the booking that stands runs in its own time.
			return nil
		}
		jobErr := body(ctx)
		if jobErr != nil {
			// The job's own writes were rolled back with its savepoint;
			// if the store itself failed, nothing may commit at all.
			if err := s.store.Atomic(ctx, func(context.Context) error { return nil }); err != nil {
				return errors.Join(jobErr, err)
			}
		}
		result, err = s.settle(ctx, j, jobErr)
		return err
	})
	if err != nil {
		s.health.failed("run job "+j.Kind, err)
		return false
	}
	s.health.ok()
	if result != "" {
		s.obs.JobRun(j.Kind, result)
	}
	s.afterUnit(ctx)
	return true
}

// call runs the job's handler in a savepoint, turning a panic into an error.
func (s *Jobs) call(ctx context.Context, j Job) error {
	fn, ok := s.handlers[j.Kind]
	if !ok {
		return fmt.Errorf("%w: no handler for job kind %q", errBadPayload, j.Kind)
	}
	return s.savepoint(ctx, j, func(ctx context.Context) error { return fn(ctx, j) })
}

// callApply runs a two-phase job's apply in a savepoint.
func (s *Jobs) callApply(ctx context.Context, j Job, apply ApplyFunc) error {
	return s.savepoint(ctx, j, apply)
}

// savepoint runs fn in a savepoint, turning a panic into an error.
func (s *Jobs) savepoint(ctx context.Context, j Job, fn func(ctx context.Context) error) error {
	return s.store.Atomic(ctx, func(ctx context.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("job panicked", KeyKind, j.Kind, "panic", r, "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return fn(ctx)
	})
}

// settle records how a run ended: done, dropped, postponed or retried.
func (s *Jobs) settle(ctx context.Context, j Job, err error) (string, error) {
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
