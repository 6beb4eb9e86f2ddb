package notices

import (
	"context"
	"fmt"
	"time"

	"neighbourbot/bot"
)

// A notice and its updates form a chain under the original's identifier.
// A later update or cancellation takes the chain's earlier members that
// have not gone out yet off the approval queue and the outbox, so
// approvers see one item (the latest text) and nothing cancelled can be
// approved and sent afterwards.

// unreleased are the states of a notice that has not gone out: waiting
// for approval, held by the pause, or approved but not yet planned.
var unreleased = []State{StateAwaitingApproval, StatePaused, StateApproved}

// withdrawEarlier runs in the transaction that stores n. For an update or
// cancellation it withdraws every unreleased notice of n's chain; a
// cancellation of a chain that never reached anyone also takes the
// chain's waiting deliveries off the outbox and is itself only recorded
// (n.State becomes StateRecorded).
func withdrawEarlier(ctx context.Context, tx bot.Tx, n *Notice, now time.Time) error {
	if n.MsgType == MsgAlert || n.References == "" {
		return nil
	}
	chain, err := chainOf(ctx, tx, n)
	if err != nil {
		return err
	}
	by := withdrawer(n)
	for _, c := range chain {
		if !isUnreleased(c.State) {
			continue
		}
		if err := withdraw(ctx, tx, c, by, now); err != nil {
			return err
		}
	}
	if n.MsgType != MsgCancel {
		return nil
	}
	reached, err := chainReached(ctx, tx, chain)
	if err != nil || reached {
		return err
	}
	if err := supersedeWaiting(ctx, tx, chain, by, now); err != nil {
		return err
	}
	what := n.References
	for _, c := range chain {
		if c.Identifier == n.References {
			what = fmt.Sprintf("#%d (%s)", c.ID, c.Title)
		}
	}
	if _, err := setState(ctx, tx, n.ID, n.State, StateRecorded, AuditRecord{At: now, Event: "recorded", Actor: "bot",
		Detail: "nothing to cancel: " + what + " never reached anyone; not sent to residents"}); err != nil {
		return err
	}
	n.State = StateRecorded
	return nil
}

// withdrawer names n in its chain's audit and in the approver's answer:
// "cancellation #7 (Belle Vue Road stays open)".
func withdrawer(n *Notice) string {
	kind := "update"
	if n.MsgType == MsgCancel {
		kind = "cancellation"
	}
	return fmt.Sprintf("%s #%d (%s)", kind, n.ID, n.Title)
}

func isUnreleased(s State) bool {
	for _, u := range unreleased {
		if s == u {
			return true
		}
	}
	return false
}

// withdraw moves one unreleased notice to withdrawn, keeping who withdrew
// it for an approver who tries it later.
func withdraw(ctx context.Context, tx bot.Tx, c *Notice, by string, now time.Time) error {
	ok, err := setState(ctx, tx, c.ID, c.State, StateWithdrawn, AuditRecord{At: now, Event: "withdrawn", Actor: "bot",
		Detail: "withdrawn by " + by + " before it was sent"})
	if err != nil || !ok {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE notices SET reject_reason = ? WHERE id = ?`, by, c.ID); err != nil {
		return fmt.Errorf("record withdrawal: %w", err)
	}
	return nil
}

// chainOf is the original n refers to and its other updates, oldest first.
func chainOf(ctx context.Context, x execer, n *Notice) ([]*Notice, error) {
	rows, err := x.QueryContext(ctx, `SELECT `+noticeCols+` FROM notices
		WHERE source = ? AND id <> ? AND (identifier = ? OR (refs = ? AND msg_type = 'update')) ORDER BY id`,
		n.Source, n.ID, n.References, n.References)
	if err != nil {
		return nil, fmt.Errorf("load notice chain: %w", err)
	}
	defer rows.Close()
	var out []*Notice
	for rows.Next() {
		c, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("scan notice chain: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// chainReached reports whether any notice of the chain was handed to
// WhatsApp anywhere (sent, being sent, or sent with delivery unknown).
func chainReached(ctx context.Context, x execer, chain []*Notice) (bool, error) {
	for _, c := range chain {
		var k int
		if err := x.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_outbox WHERE notice_id = ? AND state IN ('sent', 'sending', 'unconfirmed')`, c.ID).Scan(&k); err != nil {
			return false, fmt.Errorf("look up chain deliveries: %w", err)
		}
		if k > 0 {
			return true, nil
		}
	}
	return false, nil
}

// supersedeWaiting takes the chain's deliveries still waiting (overnight,
// or for a digest) off the outbox, each audited against its notice.
func supersedeWaiting(ctx context.Context, tx bot.Tx, chain []*Notice, by string, now time.Time) error {
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
			if ok {
				if err := audit(ctx, tx, AuditRecord{NoticeID: c.ID, At: now, Event: "superseded", Actor: "bot", Target: row.Target,
					Detail: "not sent: withdrawn by " + by}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// withdrawnBy is what withdrew a notice, as withdrawer wrote it.
func (s store) withdrawnBy(ctx context.Context, id int64) (string, error) {
	var by string
	if err := s.db.QueryRowContext(ctx, `SELECT reject_reason FROM notices WHERE id = ?`, id).Scan(&by); err != nil {
		return "", fmt.Errorf("load withdrawal: %w", err)
	}
	if by == "" {
		by = "a later update or cancellation"
	}
	return by, nil
}
