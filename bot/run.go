package bot

import (
	"context"
	"fmt"
	"time"
)

// Start does the start-up housekeeping: it purges old dedupe records. What
// an earlier run committed but did not get to send goes from Run's sender
// or, with synchronous sends, from the first FlushSends (the console calls
// it once it knows its groups again).
func (e *Engine) Start(ctx context.Context) error {
	if _, err := e.store.PurgeSeen(ctx, e.now().Add(-e.cfg.SeenRetention)); err != nil {
		return fmt.Errorf("purge seen messages: %w", err)
	}
	return nil
}

// Run processes queued events and due jobs until ctx is done, then finishes
// what is already queued. Unless SyncSends is set it also drains the send
// queue on its own goroutine, so pacing never holds up inbound handling.
func (e *Engine) Run(ctx context.Context) error {
	ticker := time.NewTicker(e.cfg.JobInterval)
	defer ticker.Stop()
	lastPurge := e.now()
	// Work runs under a context that shutdown does not cancel, so the
	// message in flight finishes its transaction instead of failing
	// half-way; ctx only decides when to stop taking new work.
	work := context.WithoutCancel(ctx)
	var senderDone chan struct{}
	if !e.cfg.SyncSends {
		senderDone = make(chan struct{})
		go func() {
			defer close(senderDone)
			e.out.run(ctx)
		}()
	}
	if e.cfg.DeferDownloads {
		go e.runFetcher(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			drainCtx, cancel := context.WithTimeout(work, 10*time.Second)
			defer cancel()
			for {
				select {
				case fn := <-e.queue:
					fn(drainCtx)
				default:
					if senderDone != nil {
						<-senderDone
					}
					// Fetches under way were cancelled with ctx; none
					// commits after Run returns.
					e.jobs.Wait()
					return nil
				}
			}
		case fn := <-e.queue:
			fn(work)
		case <-e.cfg.Wake:
			// Another process queued sends or booked jobs.
			e.out.wakeSender()
			e.jobs.RunDue(ctx, work, true)
		case <-ticker.C:
			e.jobs.RunDue(ctx, work, true)
			if e.now().Sub(lastPurge) > 24*time.Hour {
				lastPurge = e.now()
				if _, err := e.store.PurgeSeen(work, e.now().Add(-e.cfg.SeenRetention)); err != nil {
					e.log.Error("purge seen messages", KeyErr, err)
				}
			}
		}
	}
}
