package power

import (
	"context"
	"strconv"
	"time"
)

// PurgeClosed deletes power checks closed before the cutoff with their
// answers and the core's record of the polls sent for them (polls rows of
// kind "power" whose ref is the check's id), so a late vote on such a poll
// is ignored like any vote on an unknown poll. Open checks and ended ones
// still waiting for the power to come back have no closed_at and are never
// touched.
func (d dataProvider) PurgeClosed(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	err := d.f.core.Atomic(ctx, func(ctx context.Context) error {
		ids, err := d.f.st.closedChecks(ctx, before)
		if err != nil {
			return err
		}
		// The core's record of their polls goes first (polls have no
		// foreign key to follow), then the answers and the checks.
		refs := make([]string, len(ids))
		for i, id := range ids {
			refs[i] = strconv.FormatInt(id, 10)
		}
		n, err := d.f.core.DeletePolls(ctx, pollKind, refs)
		if err != nil {
			return err
		}
		m, err := d.f.st.purgeClosed(ctx, before)
		total = n + m
		return err
	})
	return total, err
}
