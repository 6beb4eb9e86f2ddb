package inbox

import (
	"context"
	"database/sql"
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
	defer rows.Close()
	var all []exportRow
	for rows.Next() {
		var r exportRow
		var opened, replied, closed sql.NullInt64
		if err := rows.Scan(&r.number, &r.desk, &r.state, &opened, &replied, &closed, &r.by, &r.holder, &r.in, &r.out); err != nil {
			return nil, fmt.Errorf("export tickets: %w", err)
		}
		r.opened, r.replied, r.closed = sqlkit.Time(opened), sqlkit.Time(replied), sqlkit.Time(closed)
		all = append(all, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("export tickets: %w", err)
	}
	return all, nil
}
