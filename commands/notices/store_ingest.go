package notices

import (
	"context"
	"fmt"

	"neighbourbot/bot/sqlkit"
)

// Ingest: what a new notice brings with it beyond its own row (the
// council side: its poll, consultation, sender and effective time), and
// what later notices of its source say about it.

// saveCouncil stores what the council side adds to a new notice, in the
// notice's own transaction.
func (s store) saveCouncil(ctx context.Context, n *Notice) error {
	if err := s.savePoll(ctx, n); err != nil {
		return err
	}
	if err := s.saveConsultation(ctx, n); err != nil {
		return err
	}
	if n.Sender == "" && n.Effective.IsZero() {
		return nil
	}
	if _, err := s.q().ExecContext(ctx, `INSERT INTO notice_council (notice_id, sender, effective_at) VALUES (?, ?, COALESCE(?, 0))`,
		n.ID, n.Sender, sqlkit.Millis(n.Effective)); err != nil {
		return fmt.Errorf("save notice sender: %w", err)
	}
	return nil
}

// cancelledBySource reports whether n's source has sent a cancellation of
// it.
func (s store) cancelledBySource(ctx context.Context, n *Notice) (bool, error) {
	var k int
	if err := s.q().QueryRowContext(ctx, `SELECT COUNT(*) FROM notices WHERE source = ? AND refs = ? AND msg_type = ?`,
		n.Source, n.Identifier, string(MsgCancel)).Scan(&k); err != nil {
		return false, fmt.Errorf("look up cancellation: %w", err)
	}
	return k > 0, nil
}
