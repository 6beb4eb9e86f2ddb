package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"neighbourbot/bot/sqlkit"
	"strings"
	"time"
)

var _ interface {
	DepartedPeople(context.Context, time.Time) ([]int64, error)
	DeletePersonIfUnreferenced(context.Context, int64) (bool, error)
} = (*Store)(nil)

// DepartedPeople lists people last seen before the cutoff who were members
// of at least one group and have left every one (the last of them before
// the cutoff). People who only ever wrote privately are not listed: the
// bot keeps what lets it answer them. The newest person is never listed:
// SQLite gives a new row the highest id plus one, so deleting the highest
// could hand a departed person's id to a newcomer.
func (s *Store) DepartedPeople(ctx context.Context, before time.Time) ([]int64, error) {
	rows, err := s.conn().QueryContext(ctx, `SELECT p.id FROM people p
		WHERE p.last_seen_at < ?
		AND EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = p.id)
		AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.person_id = p.id AND (m.present = 1 OR m.since >= ?))
		AND p.id < (SELECT MAX(id) FROM people)
		ORDER BY p.id`, sqlkit.Millis(before), sqlkit.Millis(before))
	if err != nil {
		return nil, fmt.Errorf("departed people: %w", err)
	}
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (int64, error) {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("departed people: %w", err)
		}
		return id, nil
	})
}

// DeletePersonIfUnreferenced deletes the person with their addresses and
// memberships, unless another table's foreign key still points at them
// (every table referring to people(id) is found from the schema, so a
// feature's new table is covered without being listed here).
func (s *Store) DeletePersonIfUnreferenced(ctx context.Context, person int64) (bool, error) {
	tx, err := s.conn().BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	refs, err := s.peopleReferences(ctx, tx)
	if err != nil {
		return false, err
	}
	for _, r := range refs {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM "`+r.table+`" WHERE "`+r.column+`" = ? LIMIT 1`, person).Scan(&one)
		if err == nil {
			return false, nil
		}
		if err != sql.ErrNoRows {
			return false, fmt.Errorf("check %s.%s: %w", r.table, r.column, err)
		}
	}
	for _, q := range []string{`DELETE FROM memberships WHERE person_id = ?`, `DELETE FROM person_addresses WHERE person_id = ?`, `DELETE FROM people WHERE id = ?`} {
		if _, err := tx.ExecContext(ctx, q, person); err != nil {
			return false, fmt.Errorf("delete person: %w", err)
		}
	}
	return true, tx.Commit()
}

type reference struct{ table, column string }

// peopleReferences lists the columns with a foreign key to people, other
// than the addresses and memberships that go with the person.
func (s *Store) peopleReferences(ctx context.Context, tx interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}) ([]reference, error) {
	rows, err := tx.QueryContext(ctx, s.peopleRefsSQL())
	if err != nil {
		return nil, fmt.Errorf("find references to people: %w", err)
	}
	defer rows.Close()
	var out []reference
	for rows.Next() {
		var r reference
		if err := rows.Scan(&r.table, &r.column); err != nil {
			return nil, err
		}
		if strings.ContainsAny(r.table+r.column, `"`) || r.table == "person_addresses" || r.table == "memberships" {
			continue
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
