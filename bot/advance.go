package bot

import (
	"context"
	"fmt"
	"time"
)

// RunDueJobs runs every job due at the clock's current time, oldest first,
// and returns when they have all run: a two-phase job's fetch runs here,
// outside any unit of work, then its apply. Each unit of work is
// serialised with message handling; a fetch is not.
func (e *Engine) RunDueJobs(ctx context.Context) { e.jobs.RunDue(ctx, ctx, false) }

// AdvanceTo moves a manual clock forward to target, stopping at each job's
// due time on the way and running it then, so jobs see the time they were
// due at (the console's @advance and tests use it). With synchronous sends
// it also stops when a delayed send (a retry, an offline spell) falls due.
func (e *Engine) AdvanceTo(ctx context.Context, clock *ManualClock, target time.Time) error {
	for range 100000 {
		next, ok, err := e.nextEvent(ctx)
		if err != nil {
			return err
		}
		if !ok || next.After(target) {
			break
		}
		if next.After(clock.Now()) {
			clock.Set(next)
		}
		e.RunDueJobs(ctx)
		e.flushIfSync(ctx)
		// A job that failed was rescheduled later; a job or send that keeps
		// falling due in the past cannot stall us because time only moves
		// forward here and the loop is bounded.
		if n2, ok2, _ := e.nextEvent(ctx); ok2 && !n2.After(clock.Now()) && n2.Equal(next) {
			break
		}
	}
	if target.After(clock.Now()) {
		clock.Set(target)
	}
	e.flushIfSync(ctx)
	return nil
}

// nextEvent is when the next job, or with synchronous sends the next
// delayed send, falls due.
func (e *Engine) nextEvent(ctx context.Context) (time.Time, bool, error) {
	next, ok, err := e.store.NextJobAt(ctx)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next job: %w", err)
	}
	if !e.cfg.SyncSends {
		return next, ok, nil
	}
	send, sok, err := e.store.NextSendAt(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	if sok && (!ok || send.Before(next)) {
		return send, true, nil
	}
	return next, ok, nil
}

func (e *Engine) flushIfSync(ctx context.Context) {
	if e.cfg.SyncSends {
		e.mu.Lock()
		e.out.flush(ctx)
		e.mu.Unlock()
	}
}
