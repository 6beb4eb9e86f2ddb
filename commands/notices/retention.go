package notices

import (
	"context"
	"fmt"
	"time"
)

// PurgeClosed deletes delivery rows (notice_outbox: sent, failed, expired,
// dropped, superseded or unconfirmed) of notices that expired before the
// cutoff: operational state — message ids for threading updates, attempts,
// errors — that nothing needs once the notice is long over. Rows still
// queued or sending are left for the relay to finish.
//
// The notices themselves, their approvals and notice_audit are kept on
// purpose. notice_audit is append-only (triggers refuse UPDATE and DELETE):
// it is the governance record of what the council sent, who approved it and
// where it went, and it names notices only by id, so deleting a notice or
// its approvals would leave that record unable to say what was approved and
// sent. Notices without an expiry keep their delivery rows too: an update
// or cancellation, whenever it comes, must still reach and quote the
// messages that carried the original.
func (d dataProvider) PurgeClosed(ctx context.Context, before time.Time) (int64, error) {
	return d.r.st.purgeDeliveries(ctx, before)
}

// purgeDeliveries is PurgeClosed's one transaction; it returns the rows
// deleted.
func (s store) purgeDeliveries(ctx context.Context, before time.Time) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("purge notice deliveries: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM notice_outbox
		WHERE state IN ('sent', 'failed', 'expired', 'dropped', 'superseded', 'unconfirmed')
		AND notice_id IN (SELECT id FROM notices WHERE expires_at > 0 AND expires_at < ?)`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("purge notice deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge notice deliveries: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("purge notice deliveries: %w", err)
	}
	return n, nil
}
