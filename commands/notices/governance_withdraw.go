package notices

import (
	"context"
	"fmt"
	"time"
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
func withdrawEarlier(ctx context.Context, st store, n *Notice, now time.Time) error {
	if n.MsgType == MsgAlert || n.References == "" {
		return nil
	}
	chain, err := st.chainOf(ctx, n)
	if err != nil {
		return err
	}
	by := withdrawer(n)
	for _, c := range chain {
		if !isUnreleased(c.State) {
			continue
		}
		if err := st.withdraw(ctx, c, by, now); err != nil {
			return err
		}
	}
	if n.MsgType != MsgCancel {
		return nil
	}
	reached, err := st.chainReached(ctx, chain)
	if err != nil || reached {
		return err
	}
	if err := st.supersedeWaiting(ctx, chain, "not sent: withdrawn by "+by, now); err != nil {
		return err
	}
	what := n.References
	for _, c := range chain {
		if c.Identifier == n.References {
			what = fmt.Sprintf("#%d (%s)", c.ID, c.Title)
		}
	}
	if _, err := st.setState(ctx, n.ID, n.State, StateRecorded, AuditRecord{At: now, Event: "recorded", Actor: "bot",
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
