package notices

import (
	"context"
	"fmt"
	"time"
)

// loadApprovals names who has approved notice id, first approval first.
func loadApprovals(ctx context.Context, x execer, id int64) ([]string, error) {
	rows, err := x.QueryContext(ctx, `SELECT approver_name FROM notice_approvals WHERE notice_id = ? ORDER BY approved_at`, id)
	if err != nil {
		return nil, fmt.Errorf("load approvals: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("scan approval: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// recordApproval records who's approval of notice id; added is false when
// they had already approved it.
func recordApproval(ctx context.Context, x execer, id int64, who Approver, at time.Time) (added bool, err error) {
	res, err := x.ExecContext(ctx, `INSERT INTO notice_approvals (notice_id, approver, approver_name, approved_at) VALUES (?, ?, ?, ?)
		ON CONFLICT(notice_id, approver) DO NOTHING`, id, who.Key, who.Name, ms(at))
	if err != nil {
		return false, fmt.Errorf("record approval: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// recordRejection keeps why notice id was rejected, and by whom.
func recordRejection(ctx context.Context, x execer, id int64, reason, by string) error {
	if _, err := x.ExecContext(ctx, `UPDATE notices SET reject_reason = ?, rejected_by = ? WHERE id = ?`, reason, by, id); err != nil {
		return fmt.Errorf("record rejection: %w", err)
	}
	return nil
}
