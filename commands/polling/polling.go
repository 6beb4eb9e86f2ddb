// Package polling runs the bot's outside sources — council feeds, network
// operators' incident lists, flood and weather warnings — as jobs of the
// engine's persisted scheduler, on the bot's clock. A source polled every
// interval is one keyed job that schedules its own next run, so the
// console's @advance polls it like any other job, a restart resumes where
// the schedule stood, and a failing source backs off (doubling, capped)
// instead of hammering a server that is down. A failure streak is logged
// once when it starts and once when it ends, never per poll; the last
// success of every source goes to an Observer (the metrics). Its table is
// poll_state.
//
// Each poll is a two-phase job (bot.FetchFunc): the source's Fetch calls
// its server with no unit of work and no writer held, so a slow or
// trickling server holds up no resident and no webhook; what it returns
// then stores the result, and the poller its own state and next run, in
// one short unit of work.
package polling

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"neighbourbot/bot"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migrations returns the package's schema. Every feature that polls lists
// it; the migrator applies a component once however often it is listed.
func Migrations() bot.Migrations { return bot.MigrationsIn("polling", migrationFS) }

// Observer is told how each source stands after every poll (and at start
// from the stored state), for metrics. lastSuccess is zero before the first
// success.
type Observer interface {
	SourceState(source string, lastSuccess time.Time, failures int)
}

// IdleObserver, when the Observer is one, is told whether each source had
// nothing to poll at its latest poll.
type IdleObserver interface {
	SourceIdle(source string, idle bool)
}

// ErrNothingToPoll is what a Fetch returns (or wraps) when it had nothing
// to ask — no group the source serves, or quiet hours — and so asked no
// server. The poll is neither a success nor a failure: the last success
// stays the last time the server really answered, and the source is idle
// until it asks again.
var ErrNothingToPoll = errors.New("nothing to poll")

// Fetch polls a source once: it reads what it needs and calls the outside
// world with no unit of work held (see bot.FetchFunc), and returns what
// stores the result in the poll's unit of work — which should check that
// what the fetch read is still current. An error from either counts as a
// failed poll; the job itself always succeeds, so the engine's own retries
// never pile up on top of the source's back-off.
type Fetch func(ctx context.Context) (bot.ApplyFunc, error)

// Source is one thing to poll.
type Source struct {
	// Name is unique within the poller and stable across restarts
	// ("feed:gritting updates", "ea-floods").
	Name     string
	Interval time.Duration
	// MaxBackoff caps the wait after repeated failures; zero means
	// 8 intervals, at most 6 hours and at least the interval.
	MaxBackoff time.Duration
	Fetch      Fetch
}

// State is what the poller keeps about a source.
type State struct {
	Name         string
	NextAt       time.Time
	Failures     int
	FailingSince time.Time
	LastSuccess  time.Time
	LastAttempt  time.Time
	LastError    string
	// Idle: the latest poll had nothing to ask (ErrNothingToPoll).
	Idle bool
}

// Poller owns one job kind and the sources polled under it.
type Poller struct {
	clock   bot.Clock
	jobs    *bot.Jobs
	kind    string
	log     *slog.Logger
	obs     Observer
	db      bot.DB
	sources map[string]*Source
}

type payload struct {
	Source string `json:"source"`
}

// New registers the job kind (e.g. "notices.poll") with the feature's
// scheduler handle. obs may be nil.
func New(k bot.Kit, kind string, obs Observer) *Poller {
	p := &Poller{clock: k.Clock, jobs: k.Jobs, kind: kind, log: k.Log.With(bot.KeyKind, kind), obs: obs, db: k.Core.DB(), sources: map[string]*Source{}}
	bot.HandleFetchOf(k.Jobs, kind, p.fetch)
	return p
}

// Add declares a source; call Start once all are added.
func (p *Poller) Add(s Source) error {
	if s.Name == "" || s.Fetch == nil {
		return errors.New("polling: a source needs a name and a fetch function")
	}
	if s.Interval < time.Second {
		return fmt.Errorf("polling: source %s: interval %s is too short", s.Name, s.Interval)
	}
	if _, dup := p.sources[s.Name]; dup {
		return fmt.Errorf("polling: two sources named %q", s.Name)
	}
	if s.MaxBackoff == 0 {
		s.MaxBackoff = min(8*s.Interval, 6*time.Hour)
	}
	s.MaxBackoff = max(s.MaxBackoff, s.Interval)
	p.sources[s.Name] = &s
	return nil
}

// Names lists the sources, sorted.
func (p *Poller) Names() []string {
	out := make([]string, 0, len(p.sources))
	for n := range p.sources {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (p *Poller) key(name string) string { return p.kind + ":" + name }

// Start books every source's next poll: a source seen before keeps the time
// it was due (a poll missed while the bot was stopped runs at once), a new
// one is polled now. Jobs of sources no longer configured are cancelled
// when they come due.
func (p *Poller) Start(ctx context.Context) error {
	now := p.clock.Now()
	for _, name := range p.Names() {
		st, err := p.State(ctx, name)
		if err != nil {
			return err
		}
		at := now
		if !st.NextAt.IsZero() && st.NextAt.After(now) {
			at = st.NextAt
		}
		if st.NextAt.IsZero() {
			st = State{Name: name, NextAt: at}
			if err := p.save(ctx, st); err != nil {
				return err
			}
		}
		if err := p.jobs.Schedule(ctx, p.kind, p.key(name), at, payload{Source: name}); err != nil {
			return fmt.Errorf("polling: book %s: %w", name, err)
		}
		p.observe(st)
	}
	return nil
}

// PollNow runs a source's poll at once (as its job would: the fetch, then
// what stores it in ctx's unit of work, or each write on its own without
// one) and books the next one after it.
func (p *Poller) PollNow(ctx context.Context, name string) error {
	s, ok := p.sources[name]
	if !ok {
		return fmt.Errorf("polling: no source named %q", name)
	}
	return p.fetchSource(ctx, s)(ctx)
}

func (p *Poller) fetch(ctx context.Context, j bot.Job, pl payload) (bot.ApplyFunc, error) {
	s, ok := p.sources[pl.Source]
	if !ok {
		// Taken out of the configuration: the job just ends.
		return func(context.Context) error {
			p.log.Info("source no longer configured; its polling stops", "source", pl.Source)
			return nil
		}, nil
	}
	return p.fetchSource(ctx, s), nil
}

// fetchSource runs the source's fetch now and returns the apply that
// stores its result with the poller's state and next run.
func (p *Poller) fetchSource(ctx context.Context, s *Source) bot.ApplyFunc {
	apply, fetchErr := fetchSafely(ctx, s.Fetch)
	return func(ctx context.Context) error {
		pollErr := fetchErr
		if pollErr == nil && apply != nil {
			pollErr = applySafely(ctx, apply)
		}
		return p.record(ctx, s, pollErr)
	}
}

// record saves how a poll went and books the next one.
func (p *Poller) record(ctx context.Context, s *Source, pollErr error) error {
	st, err := p.State(ctx, s.Name)
	if err != nil {
		return err
	}
	st.Name = s.Name
	now := p.clock.Now()
	st.LastAttempt = now
	st.Idle = errors.Is(pollErr, ErrNothingToPoll)
	switch {
	case st.Idle:
		if st.Failures > 0 {
			p.log.Info("source has nothing to poll; its failing streak ends unresolved", "source", s.Name, "failed_polls", st.Failures)
		}
		st.Failures, st.FailingSince, st.LastError = 0, time.Time{}, ""
		st.NextAt = now.Add(s.Interval)
	case pollErr == nil:
		if st.Failures > 0 {
			p.log.Info("source recovered", "source", s.Name, "failed_polls", st.Failures, "failing_since", st.FailingSince.UTC().Format(time.RFC3339))
		}
		st.Failures, st.FailingSince, st.LastError = 0, time.Time{}, ""
		st.LastSuccess = now
		st.NextAt = now.Add(s.Interval)
	default:
		if st.Failures == 0 {
			st.FailingSince = now
			// One line per streak: the recovery line closes it.
			p.log.Warn("source failing; retrying with back-off, logged again when it recovers", "source", s.Name, bot.KeyErr, pollErr)
		} else {
			p.log.Debug("source still failing", "source", s.Name, "failed_polls", st.Failures+1, bot.KeyErr, pollErr)
		}
		st.Failures++
		st.LastError = bot.Truncate(pollErr.Error(), 500)
		// A server's Retry-After (bot.RetryAfterOf) can ask for longer.
		st.NextAt = now.Add(bot.Backoff{Base: s.Interval, Max: s.MaxBackoff}.Delay(st.Failures, s.Name, bot.RetryAfterOf(pollErr)))
	}
	if err := p.save(ctx, st); err != nil {
		return err
	}
	if err := p.jobs.Schedule(ctx, p.kind, p.key(s.Name), st.NextAt, payload{Source: s.Name}); err != nil {
		return fmt.Errorf("polling: book %s: %w", s.Name, err)
	}
	p.observe(st)
	return nil
}

// Backoff is the wait after the n-th failure in a row: the interval, then
// doubling, capped at maxWait.
func Backoff(interval, maxWait time.Duration, failures int) time.Duration {
	return bot.Backoff{Base: interval, Max: maxWait}.Delay(failures, "", 0)
}

func fetchSafely(ctx context.Context, f Fetch) (apply bot.ApplyFunc, err error) {
	defer func() {
		if r := recover(); r != nil {
			apply, err = nil, fmt.Errorf("poll panicked: %v", r)
		}
	}()
	return f(ctx)
}

func applySafely(ctx context.Context, f bot.ApplyFunc) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("poll panicked: %v", r)
		}
	}()
	return f(ctx)
}

func (p *Poller) observe(st State) {
	if p.obs == nil {
		return
	}
	p.obs.SourceState(p.key(st.Name), st.LastSuccess, st.Failures)
	if io, ok := p.obs.(IdleObserver); ok {
		io.SourceIdle(p.key(st.Name), st.Idle)
	}
}

// State returns what is stored about a source (zero for one never polled).
func (p *Poller) State(ctx context.Context, name string) (State, error) {
	st, err := loadState(ctx, p.db, p.key(name))
	st.Name = name
	if err != nil {
		return st, fmt.Errorf("polling: state of %s: %w", name, err)
	}
	return st, nil
}

func (p *Poller) save(ctx context.Context, st State) error {
	if err := saveState(ctx, p.db, p.key(st.Name), st); err != nil {
		return fmt.Errorf("polling: save state of %s: %w", st.Name, err)
	}
	return nil
}
