package notices

import (
	"context"
	"time"
)

// PurgeClosed deletes notices that ended more than [notices]
// retention_days ago, each with every row that depends on it: deliveries
// (notice_outbox), approvals, the sender and schedule (notice_council),
// its snap poll with the chats it went to, votes, counts and results post,
// and its consultation with the comments. The notices' own window is used,
// not the moderation cutoff the retention job passes in: notices have
// their own key because a council may be required to keep them for a
// different time than moderation records.
//
// A notice has ended when nothing more can happen to it:
//   - it was rejected, or expired before it was sent, or it was sent
//     (planned) and none of its deliveries is still waiting (pending,
//     digest, sending), its poll and consultation are closed and no
//     results post is waiting; notices awaiting approval, held by the
//     pause, approved or scheduled are never deleted;
//   - and its expiry has passed (a notice without an expiry counts as
//     expiring maxLifetime, 90 days, after it was received — the longest a
//     webhook notice may ask for), and nothing was recorded for it in the
//     audit within the window (a late delivery or rejection restarts it).
//
// Kept on purpose: notice_audit, which is append-only (triggers refuse
// UPDATE and DELETE) and names notices only by id, so the governance record
// of what was received, approved, sent and where outlives the notice; and
// the notice's (source, identifier) in notice_purged, so a feed still
// listing the item, or a source re-sending the same id, is a duplicate
// rather than a new notice relayed again.
func (d dataProvider) PurgeClosed(ctx context.Context, _ time.Time) (int64, error) {
	now := d.r.clock.Now()
	return d.r.st.purgeEnded(ctx, now.Add(-time.Duration(d.r.cfg.RetentionDays)*24*time.Hour), now)
}
