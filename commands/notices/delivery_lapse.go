package notices

import (
	"context"
	"time"
)

// A notice asking something (a poll, a consultation) is pointless once the
// question has closed: a delivery that could not go before then — held by
// an election period, or waiting for any other reason — is never sent.
// Its outbox row moves to "lapsed" with the reason in last_error, which
// the poll results and the campaign report both read.

// lapsedState is the outbox state of a delivery whose question closed
// before it could be sent.
const lapsedState = "lapsed"

// questionCloses is when the notice's open poll or consultation closes
// (the earlier of the two); ok is false when it asks nothing.
func (r *Feature) questionCloses(ctx context.Context, n *Notice) (closes time.Time, ok bool, err error) {
	p, err := r.st.poll(ctx, n.ID)
	if err != nil {
		return time.Time{}, false, err
	}
	earlier := func(at time.Time, state string) {
		if state != "open" {
			at = time.Time{} // closed already (early, by a cancellation)
		}
		if !ok || at.Before(closes) {
			closes, ok = at, true
		}
	}
	if p != nil {
		earlier(p.Closes, p.State)
	}
	c, err := r.st.consultationOf(ctx, n.ID)
	if err != nil {
		return time.Time{}, false, err
	}
	if c != nil {
		earlier(c.Closes, c.State)
	}
	return closes, ok, nil
}

// lapseIfClosedBy moves row to lapsed when the notice's question closes
// by at; why says what held it ("held by … until it closed"). It reports
// whether it did.
func (r *Feature) lapseIfClosedBy(ctx context.Context, n *Notice, row outboxRow, at time.Time, why string, now time.Time) (bool, error) {
	closes, ok, err := r.questionCloses(ctx, n)
	if err != nil || !ok || at.Before(closes) {
		return false, err
	}
	err = r.st.lapseRow(ctx, row, why, AuditRecord{NoticeID: n.ID, At: now, Event: "not_sent", Actor: "bot", Detail: "not sent: " + why})
	return true, err
}

// lapsedReason is why a delivery about to go was held past its question's
// close: the election period that held it, or simply lateness.
func lapsedReason(row outboxRow) string {
	if row.LastError == periodNote {
		return "held by an election period until it closed"
	}
	return "it closed before the notice could be sent"
}

// NotSent counts deliveries a poll's or consultation's notice never made,
// by reason.
type NotSent struct {
	Reason      string `json:"reason"`
	Groups      int    `json:"groups"`
	Subscribers int    `json:"subscribers"`
}
