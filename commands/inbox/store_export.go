package inbox

import (
	"context"
	"fmt"
	"neighbourbot/bot/sqlkit"
)

// exportRows reads every numbered ticket, in number order.
func (s *store) exportRows(ctx context.Context) ([]exportRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.number, t.desk, t.state, t.opened_at, t.first_reply_at, t.closed_at, t.closed_by,
		t.assignee_name,
		(SELECT COUNT(*) FROM inbox_messages m WHERE m.ticket_id = t.id AND m.direction = 'in'),
		(SELECT COUNT(*) FROM inbox_messages m WHERE m.ticket_id = t.id AND m.direction = 'out')
		FROM inbox_tickets t WHERE t.number IS NOT NULL ORDER BY t.number`)
	if err != nil {
		return nil, fmt.Errorf("export tickets: %w", err)
	}
	all, err := sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (exportRow, error) {
		var r exportRow
		err := rows.Scan(&r.number, &r.desk, &r.state, sqlkit.TimeCol(&r.opened), sqlkit.TimeCol(&r.replied), sqlkit.TimeCol(&r.closed),
			&r.by, &r.holder, &r.in, &r.out)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("export tickets: %w", err)
	}
	return all, nil
}
