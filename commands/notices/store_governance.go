package notices

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// Governance: approvals and rejections, the approver summaries, and the
// withdrawal of a notice's earlier versions by an update or cancellation.

// auditNotice appends one record to the notice audit, in the store's
// transaction if it has one. (Not named audit: that is the core's audit of
// commands, whose keys moderation's !audit phrases.)
func (s store) auditNotice(ctx context.Context, r AuditRecord) error { return audit(ctx, s.q(), r) }

// setState moves notice id from one state to another and audits it, in one
// transaction; ok is false when the notice was no longer in from.
func (s store) setState(ctx context.Context, id int64, from, to State, rec AuditRecord) (ok bool, err error) {
	err = s.tx(ctx, func(tx bot.Tx) error {
		ok, err = setState(ctx, tx, id, from, to, rec)
		return err
	})
	return ok, err
}

// approvals names who has approved notice id, first approval first.
func (s store) approvals(ctx context.Context, id int64) ([]string, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT approver_name FROM notice_approvals WHERE notice_id = ? ORDER BY approved_at`, id)
	if err != nil {
		return nil, fmt.Errorf("load approvals: %w", err)
	}
	return sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (string, error) {
		var n string
		if err := r.Scan(&n); err != nil {
			return "", fmt.Errorf("scan approval: %w", err)
		}
		return n, nil
	})
}

// approvalKeys is the set of approver keys notice id has so far.
func (s store) approvalKeys(ctx context.Context, id int64) (map[string]bool, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT approver FROM notice_approvals WHERE notice_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("load approvals: %w", err)
	}
	keys, err := sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (string, error) {
		var k string
		if err := r.Scan(&k); err != nil {
			return "", fmt.Errorf("scan approval: %w", err)
		}
		return k, nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(keys))
	for _, k := range keys {
		out[k] = true
	}
	return out, nil
}

// recordApproval records who's approval of notice id; added is false when
// they had already approved it.
func (s store) recordApproval(ctx context.Context, id int64, who Approver, at time.Time) (added bool, err error) {
	res, err := s.q().ExecContext(ctx, `INSERT INTO notice_approvals (notice_id, approver, approver_name, approved_at) VALUES (?, ?, ?, ?)
		ON CONFLICT(notice_id, approver) DO NOTHING`, id, who.Key, who.Name, sqlkit.Millis(at))
	if err != nil {
		return false, fmt.Errorf("record approval: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// recordRejection keeps why notice id was rejected, and by whom.
func (s store) recordRejection(ctx context.Context, id int64, reason, by string) error {
	if _, err := s.q().ExecContext(ctx, `UPDATE notices SET reject_reason = ?, rejected_by = ? WHERE id = ?`, reason, by, id); err != nil {
		return fmt.Errorf("record rejection: %w", err)
	}
	return nil
}

// lastApproverSummary is when approvers were last sent a summary (the
// zero time when never).
func (s store) lastApproverSummary(ctx context.Context) (time.Time, error) {
	var last sql.NullInt64
	if err := s.q().QueryRowContext(ctx, `SELECT MAX(at) FROM notice_audit WHERE event = ? AND detail LIKE 'summary%'`, eventApproversTold).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("last approver summary: %w", err)
	}
	return sqlkit.Time(last), nil
}

// decisionsBy counts the notices the approver with key approved and
// rejected.
func (s store) decisionsBy(ctx context.Context, key string) (approved, rejected int, err error) {
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_approvals WHERE approver = ?`, key).Scan(&approved); err != nil {
		return 0, 0, fmt.Errorf("count approvals: %w", err)
	}
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE rejected_by = ?`, key).Scan(&rejected); err != nil {
		return 0, 0, fmt.Errorf("count rejections: %w", err)
	}
	return approved, rejected, nil
}

// withdraw moves one unreleased notice to withdrawn, keeping who withdrew
// it for an approver who tries it later.
func (s store) withdraw(ctx context.Context, c *Notice, by string, now time.Time) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		ok, err := setState(ctx, tx, c.ID, c.State, StateWithdrawn, AuditRecord{At: now, Event: "withdrawn", Actor: "bot",
			Detail: "withdrawn by " + by + " before it was sent"})
		if err != nil || !ok {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE notices SET reject_reason = ? WHERE id = ?`, by, c.ID); err != nil {
			return fmt.Errorf("record withdrawal: %w", err)
		}
		return nil
	})
}

// withdrawnBy is what withdrew a notice, as withdrawer wrote it.
func (s store) withdrawnBy(ctx context.Context, id int64) (string, error) {
	var by string
	if err := s.q().QueryRowContext(ctx, `SELECT reject_reason FROM notices WHERE id = ?`, id).Scan(&by); err != nil {
		return "", fmt.Errorf("load withdrawal: %w", err)
	}
	if by == "" {
		by = "a later update or cancellation"
	}
	return by, nil
}

// chainOf is the original n refers to and its other updates, oldest first.
func (s store) chainOf(ctx context.Context, n *Notice) ([]*Notice, error) {
	list, err := scanNotices(s.q().QueryContext(ctx, `SELECT `+noticeCols+` FROM notices
		WHERE source = ? AND id <> ? AND (identifier = ? OR (refs = ? AND msg_type = 'update')) ORDER BY id`,
		n.Source, n.ID, n.References, n.References))
	if err != nil {
		return nil, fmt.Errorf("notice chain: %w", err)
	}
	return list, nil
}

// chainReached reports whether any notice of the chain was handed to
// WhatsApp anywhere (sent, being sent, or sent with delivery unknown).
func (s store) chainReached(ctx context.Context, chain []*Notice) (bool, error) {
	for _, c := range chain {
		var k int
		if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_outbox WHERE notice_id = ? AND state IN ('sent', 'sending', 'unconfirmed')`, c.ID).Scan(&k); err != nil {
			return false, fmt.Errorf("look up chain deliveries: %w", err)
		}
		if k > 0 {
			return true, nil
		}
	}
	return false, nil
}

// supersedeWaiting takes the chain's deliveries still waiting (overnight,
// or for a digest) off the outbox, each audited against its notice with
// detail.
func (s store) supersedeWaiting(ctx context.Context, chain []*Notice, detail string, now time.Time) error {
	return s.tx(ctx, func(tx bot.Tx) error {
		for _, c := range chain {
			rows, err := queryOutbox(ctx, tx, `notice_id = ? AND state IN ('pending', 'digest')`, c.ID)
			if err != nil {
				return err
			}
			for _, row := range rows {
				ok, err := updateOutbox(ctx, tx, row.ID, row.State, "superseded", "")
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				if err := audit(ctx, tx, AuditRecord{NoticeID: c.ID, At: now, Event: "superseded", Actor: "bot", Target: row.Target, Detail: detail}); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// approversTold reports whether approvers were told about notice id in a
// summary.
func (s store) approversTold(ctx context.Context, id int64) (bool, error) {
	var n int
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_audit WHERE notice_id = ? AND event = ?`, id, eventApproversTold).Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}
