package potholes

import (
	"context"
	"errors"
	"fmt"

	"neighbourbot/bot"
)

// maxDuplicateChain bounds how far duplicate links are followed. Links are
// made to the original report, so chains only come from data written before
// that rule; the bound keeps a damaged database from looping.
const maxDuplicateChain = 50

// duplicateTrail follows r's duplicate links to the report they end at: the
// original that confirmations belong to (or the last report still stored,
// when the original has been purged). via lists the reports passed on the
// way (not r itself, not the original). A report that is not a duplicate is
// its own original. If the links run in a circle, which marking refuses but
// an old database could hold, the trail stops at the last report before the
// circle closes.
func (f *Feature) duplicateTrail(ctx context.Context, r Report) (orig Report, via []Report, err error) {
	seen := map[int64]bool{r.ID: true}
	cur := r
	for range maxDuplicateChain {
		if cur.Status != StatusDuplicate || cur.DuplicateOf == 0 || seen[cur.DuplicateOf] {
			break
		}
		next, err := f.store.report(ctx, cur.DuplicateOf)
		if errors.Is(err, bot.ErrNotFound) {
			// The original was purged with other old closed reports.
			break
		}
		if err != nil {
			return Report{}, nil, fmt.Errorf("follow duplicate of %s: %w", cur.Ref(), err)
		}
		if cur.ID != r.ID {
			via = append(via, cur)
		}
		seen[next.ID] = true
		cur = next
	}
	return cur, via, nil
}

// leadsTo reports whether following target's duplicate links reaches id, so
// marking id a duplicate of target would close a circle.
func (f *Feature) leadsTo(ctx context.Context, target Report, id int64) (bool, error) {
	if target.ID == id {
		return true, nil
	}
	orig, via, err := f.duplicateTrail(ctx, target)
	if err != nil {
		return false, err
	}
	if orig.ID == id {
		return true, nil
	}
	for _, v := range via {
		if v.ID == id {
			return true, nil
		}
	}
	return false, nil
}
