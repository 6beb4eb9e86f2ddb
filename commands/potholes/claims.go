package potholes

import (
	"context"
	"fmt"
	"time"

	"neighbourbot/bot"
)

// jobClaimLapse clears a resident's "!fixed" that no second neighbour
// confirmed in time, so a claim weeks old can't be confirmed by someone who
// only saw the road yesterday. The key carries the claim's time: a newer
// claim on the same report gets its own job, and the old one finds nothing
// to clear.
const jobClaimLapse = "potholes.claim"

func claimPrefix(id int64) string { return fmt.Sprintf("potholes.claim:%d:", id) }

func claimKey(id int64, claimedAt time.Time) string {
	return fmt.Sprintf("%s%d", claimPrefix(id), claimedAt.UnixMilli())
}

type claimPayload struct {
	Report    int64 `json:"report"`
	ClaimedAt int64 `json:"claimed_at"` // unix milliseconds
}

// claimLapsesAt is when a claim made at t lapses.
func (f *Feature) claimLapsesAt(t time.Time) time.Time { return t.Add(f.cfg.FixedClaimExpiry.D()) }

// claimLapsed reports whether r's pending claim has run out by now; a report
// without a claim has nothing to lapse.
func (f *Feature) claimLapsed(r Report, now time.Time) bool {
	return !r.FixClaimAt.IsZero() && !now.Before(f.claimLapsesAt(r.FixClaimAt))
}

// lapseEvent is the history line for a claim that ran out.
func (f *Feature) lapseEvent(r Report) event {
	return event{At: f.claimLapsesAt(r.FixClaimAt), ActorID: r.FixClaimBy, Kind: "fixed claim lapsed",
		Detail: "no second neighbour within " + bot.FormatDuration(f.cfg.FixedClaimExpiry.D())}
}

// scheduleClaimLapse books the end of a new claim.
func (f *Feature) scheduleClaimLapse(ctx context.Context, r Report) error {
	return f.jobs.Schedule(ctx, jobClaimLapse, claimKey(r.ID, r.FixClaimAt), f.claimLapsesAt(r.FixClaimAt),
		claimPayload{Report: r.ID, ClaimedAt: r.FixClaimAt.UnixMilli()})
}

// claimLapseJob clears the claim the job was booked for, if it is still
// waiting. Nothing is posted: the history in !pothole P7 says it lapsed.
func (f *Feature) claimLapseJob(ctx context.Context, _ bot.Job, pl claimPayload) error {
	r, ok, err := f.jobReport(ctx, pl.Report)
	if !ok {
		return err
	}
	if r.Status.Resolved() || r.FixClaimAt.IsZero() || r.FixClaimAt.UnixMilli() != pl.ClaimedAt {
		return nil
	}
	return f.clearLapsedClaim(ctx, r)
}

// clearLapsedClaim removes a lapsed claim and records it in the history.
func (f *Feature) clearLapsedClaim(ctx context.Context, r Report) error {
	ev := f.lapseEvent(r)
	r.FixClaimAt, r.FixClaimBy = time.Time{}, 0
	return f.store.apply(ctx, r, change{saveMutables: true, events: []event{ev}})
}
