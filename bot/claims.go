package bot

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// WorkClaimer is a store shared by several processes — a hub on
// PostgreSQL, where each number's bot is a process of its own. Its jobs
// and queued sends are claimed before they run, each claim with a lease:
// the claimer's name and the time the claim lapses, so no two processes
// run the same job or send the same row, and a process that died has its
// work taken over once its lease ends. SharesWork is false for a store
// only one process uses (a SQLite file): the engine then reads due jobs
// and the next send as it always has.
type WorkClaimer interface {
	SharesWork() bool
	ClaimJobs(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Job, error)
	ClaimSend(ctx context.Context, owner string, now time.Time, lease time.Duration) (QueuedSend, bool, error)
}

// Leases: long enough for a job's fetch and unit of work, or a paced send,
// to finish well within them; short enough that the work of a process that
// died is not held up for long. A running job's row is also locked by its
// unit of work (JobCurrent), so a slow unit is never taken over half-way.
const (
	jobLease  = 5 * time.Minute
	sendLease = 2 * time.Minute
)

// sharedWait is how often a process sharing the send queue looks again
// when what is due is held by another process's claim: the row it waits
// behind goes without any wake.
const sharedWait = time.Second

// claimerOf returns the store as a claimer when it shares its work with
// other processes, nil otherwise.
func claimerOf(store Store) WorkClaimer {
	if c, ok := store.(WorkClaimer); ok && c.SharesWork() {
		return c
	}
	return nil
}

// defaultOwner names this engine in its claims: host, process and a
// counter, so two engines in one process (tests) differ too.
func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), strconv.FormatInt(ownerSeq.Add(1), 10))
}

// ownerSeq numbers the engines of this process.
var ownerSeq atomic.Int64
