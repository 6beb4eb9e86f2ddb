package power

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
)

func (s *store) alertsOn(ctx context.Context, chat bot.ChatID) (bool, error) {
	var on int
	err := s.db.QueryRowContext(ctx, `SELECT alerts FROM power_groups WHERE chat = ?`, string(chat)).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load alerts setting: %w", err)
	}
	return on == 1, nil
}

func (s *store) setAlerts(ctx context.Context, chat bot.ChatID, on bool) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO power_groups (chat, alerts) VALUES (?, ?)
		ON CONFLICT (chat) DO UPDATE SET alerts = excluded.alerts`, string(chat), boolInt(on)); err != nil {
		return fmt.Errorf("save alerts setting: %w", err)
	}
	return nil
}

func (s *store) alertChats(ctx context.Context) ([]bot.ChatID, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT chat FROM power_groups WHERE alerts = 1 ORDER BY chat`)
	if err != nil {
		return nil, fmt.Errorf("alert groups: %w", err)
	}
	defer rows.Close()
	var out []bot.ChatID
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, bot.ChatID(c))
	}
	return out, rows.Err()
}

// posted returns the estimate last posted for an incident, and whether it
// was posted at all.
func (s *store) posted(ctx context.Context, chat bot.ChatID, ref, kind string) (time.Time, bool, error) {
	var eta int64
	err := s.db.QueryRowContext(ctx, `SELECT eta FROM power_posted WHERE chat = ? AND ref = ? AND kind = ?`, string(chat), ref, kind).Scan(&eta)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("posted incident: %w", err)
	}
	if eta == 0 {
		return time.Time{}, true, nil
	}
	return time.UnixMilli(eta).UTC(), true, nil
}

// postedOn reports whether planned work was already in a morning message
// within the last 20 hours (so a restart's rerun repeats nothing).
func (s *store) postedOn(ctx context.Context, chat bot.ChatID, ref string, now time.Time) (bool, time.Time, error) {
	var at int64
	err := s.db.QueryRowContext(ctx, `SELECT posted_at FROM power_posted WHERE chat = ? AND ref = ? AND kind = 'planned'`, string(chat), ref).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("posted planned work: %w", err)
	}
	t := time.UnixMilli(at).UTC()
	return now.Sub(t) < 20*time.Hour, t, nil
}

func (s *store) markPosted(ctx context.Context, chat bot.ChatID, ref, kind string, eta, now time.Time) error {
	var e int64
	if !eta.IsZero() {
		e = ms(eta)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO power_posted (chat, ref, kind, eta, posted_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (chat, ref, kind) DO UPDATE SET eta = excluded.eta, posted_at = excluded.posted_at`,
		string(chat), ref, kind, e, ms(now)); err != nil {
		return fmt.Errorf("record posted incident: %w", err)
	}
	return nil
}

func (s *store) purgePosted(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM power_posted WHERE posted_at < ?`, ms(before)); err != nil {
		return fmt.Errorf("purge posted incidents: %w", err)
	}
	return nil
}
