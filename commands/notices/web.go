package notices

import (
	"context"
	"time"

	"neighbourbot/bot"
)

// DraftPreview decodes raw (the webhook's JSON) for sender exactly as
// SubmitAs would, without storing anything, and builds what residents
// would read and whom it would reach: the staff page's compose preview.
// A bad field comes back as a *FieldError, as from SubmitAs.
func (r *Feature) DraftPreview(ctx context.Context, raw []byte, source, sender string) (NoticePreview, error) {
	now := r.clock.Now()
	n, err := decodeNotice(raw, r.cfg, now)
	if err != nil {
		return NoticePreview{}, err
	}
	if err := r.applySender(n, source, sender); err != nil {
		return NoticePreview{}, err
	}
	if err := r.refuseInPeriod(n, now); err != nil {
		return NoticePreview{}, err
	}
	if err := r.resolveReference(ctx, n); err != nil {
		return NoticePreview{}, err
	}
	n.Received = now
	if n.State == "" {
		n.State = StateAwaitingApproval
	}
	return r.Preview(ctx, n, now)
}

// NoticePreviewOf is the preview of a stored notice as things stand now.
func (r *Feature) NoticePreviewOf(ctx context.Context, id int64) (NoticePreview, error) {
	n, err := r.st.notice(ctx, id)
	if err != nil {
		return NoticePreview{}, err
	}
	return r.Preview(ctx, n, r.clock.Now())
}

// Delivery is one row of a notice's delivery report: a group (Chat set)
// or a subscriber (Subscriber true; never named, never numbered).
type Delivery struct {
	Chat       bot.ChatID
	Subscriber bool
	// State is the outbox's: pending, digest, sending, sent, failed,
	// expired, dropped, superseded, unconfirmed.
	State string
	// HeldByPeriod: waiting for an election period to end.
	HeldByPeriod bool
	Error        string
	// Language is what it went out in ("" until it is sent).
	Language Language
	DueAt    time.Time
	SentAt   time.Time
}

// NoticeQuery pages through the stored notices, newest first.
type NoticeQuery struct {
	// Before is the id to list below (0: from the newest).
	Before int64
	Limit  int
}

// AuditQuery searches the notice audit, newest first.
type AuditQuery struct {
	Actor   string // part of who did it, any case
	Service string // part of the notice's sender name ("Highways")
	Notice  int64
	From    time.Time // zero: no lower bound
	To      time.Time // zero: no upper bound (exclusive)
	Offset  int
	Limit   int
}
