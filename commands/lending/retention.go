package lending

import (
	"context"
	"time"
)

// PurgeClosed deletes what lending keeps after it has ended, once it ended
// before the cutoff: loans closed (returned, or closed when someone was
// forgotten), requests past their expiry and errands past their start with
// their signups. Open and returning loans, listings and live requests and
// errands are never touched. Expired requests and started errands are
// normally deleted by their own jobs; this is the backstop for any a failed
// job left behind. Their jobs, if any remain, find nothing and do nothing.
func (d dataProvider) PurgeClosed(ctx context.Context, before time.Time) (int64, error) {
	return d.f.st.purgeClosed(ctx, before)
}
