package bot

import (
	"context"
	"fmt"
)

// AuditLog appends to the audit log: who did what, where. The Kit hands it
// to features as Audit.
type AuditLog struct {
	store Store
	clock Clock
}

// Record appends an entry (the time defaults to now) in the unit of work
// of ctx.
func (a *AuditLog) Record(ctx context.Context, entry AuditEntry) error {
	if entry.Time.IsZero() {
		entry.Time = a.clock.Now()
	}
	if err := a.store.Audit(ctx, entry); err != nil {
		return fmt.Errorf("audit %s: %w", entry.Action, err)
	}
	return nil
}
