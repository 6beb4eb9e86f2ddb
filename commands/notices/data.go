package notices

import (
	"context"
	"fmt"
)

// dataProvider shows and erases what notices holds about a person: their
// private subscriptions and notices still queued for them.
type dataProvider struct{ r *Relay }

func (d dataProvider) DataName() string { return "Council notices" }

func (d dataProvider) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	subs, err := d.r.st.subscriptions(ctx, person)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, s := range subs {
		lines = append(lines, fmt.Sprintf("Subscribed to %s notices for %s.", s.Topic, s.Area))
	}
	var sent int
	if err := d.r.st.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notice_outbox WHERE person_id = ? AND state = 'sent'`, person).Scan(&sent); err != nil {
		return nil, fmt.Errorf("count notices sent: %w", err)
	}
	if sent > 0 {
		lines = append(lines, fmt.Sprintf("%d council notices sent to you by direct message.", sent))
	}
	return lines, nil
}

func (d dataProvider) ForgetPerson(ctx context.Context, person int64) (string, error) {
	res, err := d.r.st.db.ExecContext(ctx, `DELETE FROM notice_subscriptions WHERE person_id = ?`, person)
	if err != nil {
		return "", fmt.Errorf("delete subscriptions: %w", err)
	}
	n, _ := res.RowsAffected()
	q, err := d.r.st.db.ExecContext(ctx, `UPDATE notice_outbox SET state = 'dropped' WHERE person_id = ? AND state IN ('pending', 'digest')`, person)
	if err != nil {
		return "", fmt.Errorf("drop queued notices: %w", err)
	}
	k, _ := q.RowsAffected()
	return fmt.Sprintf("%d notice subscriptions deleted, %d queued notices cancelled", n, k), nil
}
