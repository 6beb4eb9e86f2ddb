package power

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"neighbourbot/bot/sqlkit"
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
	return sqlkit.ScanAll(rows, func(rows sqlkit.Scanner) (bot.ChatID, error) {
		var c string
		if err := rows.Scan(&c); err != nil {
			return "", err
		}
		return bot.ChatID(c), nil
	})
}

// posted returns the estimate last posted for an incident, and whether it
// was posted at all.
func (s *store) posted(ctx context.Context, chat bot.ChatID, ref, kind string) (time.Time, bool, error) {
	// eta was declared NOT NULL DEFAULT 0, 0 being "none given": NULLIF
	// reads it as the zero time, like a NULL elsewhere.
	var eta time.Time
	err := s.db.QueryRowContext(ctx, `SELECT NULLIF(eta, 0) FROM power_posted WHERE chat = ? AND ref = ? AND kind = ?`, string(chat), ref, kind).Scan(sqlkit.TimeCol(&eta))
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("posted incident: %w", err)
	}
	return eta, true, nil
}

// postedOn reports whether planned work was already in a morning message
// within the last 20 hours (so a restart's rerun repeats nothing).
func (s *store) postedOn(ctx context.Context, chat bot.ChatID, ref string, now time.Time) (bool, time.Time, error) {
	var t time.Time
	err := s.db.QueryRowContext(ctx, `SELECT posted_at FROM power_posted WHERE chat = ? AND ref = ? AND kind = 'planned'`, string(chat), ref).Scan(sqlkit.TimeCol(&t))
	if errors.Is(err, sql.ErrNoRows) {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("posted planned work: %w", err)
	}
	return now.Sub(t) < 20*time.Hour, t, nil
}

func (s *store) markPosted(ctx context.Context, chat bot.ChatID, ref, kind string, eta, now time.Time) error {
	// eta is NOT NULL DEFAULT 0: "none given" stays 0 there (see posted).
	e := int64(0)
	if !eta.IsZero() {
		e = eta.UnixMilli()
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO power_posted (chat, ref, kind, eta, posted_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (chat, ref, kind) DO UPDATE SET eta = excluded.eta, posted_at = excluded.posted_at`,
		string(chat), ref, kind, e, sqlkit.Millis(now)); err != nil {
		return fmt.Errorf("record posted incident: %w", err)
	}
	return nil
}

func (s *store) purgePosted(ctx context.Context, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM power_posted WHERE posted_at < ?`, sqlkit.Millis(before)); err != nil {
		return fmt.Errorf("purge posted incidents: %w", err)
	}
	return nil
}
