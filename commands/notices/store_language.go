package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlkit"
)

// The language of notices (migration 008): a notice's Welsh text, each
// group's choice, and the language each delivery went out in.

// saveWelsh stores a new notice's Welsh text and its source's Welsh name,
// in the notice's own transaction; nothing is written for a notice with
// neither.
func (s store) saveWelsh(ctx context.Context, n *Notice) error {
	if !n.HasWelsh() && n.SourceNameCy == "" {
		return nil
	}
	if _, err := s.q().ExecContext(ctx, `UPDATE notices SET title_cy = ?, body_cy = ?, source_name_cy = ? WHERE id = ?`,
		n.TitleCy, n.BodyCy, n.SourceNameCy, n.ID); err != nil {
		return fmt.Errorf("save the Welsh text: %w", err)
	}
	return nil
}

// groupLanguage is what the group chose to read notices in (English
// unless its admins chose otherwise).
func (s store) groupLanguage(ctx context.Context, chat bot.ChatID) (Language, error) {
	var lang string
	err := s.q().QueryRowContext(ctx, `SELECT language FROM notice_groups WHERE chat = ?`, string(chat)).Scan(&lang)
	if errors.Is(err, sql.ErrNoRows) {
		return LangEnglish, nil
	}
	if err != nil {
		return "", fmt.Errorf("load the group's language: %w", err)
	}
	return languageOf(lang), nil
}

// languageOf reads a stored language; anything unknown is English.
func languageOf(s string) Language {
	switch Language(s) {
	case LangWelsh, LangBoth:
		return Language(s)
	}
	return LangEnglish
}

// setGroupLanguage records the group's choice; the rest of its notice
// settings stay as they are (a group not yet known gets the defaults).
func (s store) setGroupLanguage(ctx context.Context, chat bot.ChatID, lang Language, now time.Time) error {
	_, err := s.q().ExecContext(ctx, `INSERT INTO notice_groups (chat, language, updated_at) VALUES (?, ?, ?)
		ON CONFLICT(chat) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at`, string(chat), string(lang), sqlkit.Millis(now))
	if err != nil {
		return fmt.Errorf("save the group's language: %w", err)
	}
	return nil
}

// groupLanguages is the choice of every group that made one other than
// English; a group not in the map reads English.
func (s store) groupLanguages(ctx context.Context) (map[bot.ChatID]Language, error) {
	rows, err := s.q().QueryContext(ctx, `SELECT chat, language FROM notice_groups WHERE language <> 'en'`)
	if err != nil {
		return nil, fmt.Errorf("list the groups' languages: %w", err)
	}
	type choice struct {
		chat bot.ChatID
		lang Language
	}
	list, err := sqlkit.ScanAll(rows, func(r sqlkit.Scanner) (choice, error) {
		var chat, lang string
		if err := r.Scan(&chat, &lang); err != nil {
			return choice{}, fmt.Errorf("scan a group's language: %w", err)
		}
		return choice{bot.ChatID(chat), languageOf(lang)}, nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[bot.ChatID]Language, len(list))
	for _, c := range list {
		out[c.chat] = c.lang
	}
	return out, nil
}

// subscriberLanguage is what a resident chose to get notices in by
// direct message (English unless they chose otherwise).
func (s store) subscriberLanguage(ctx context.Context, person int64) (Language, error) {
	var lang string
	err := s.q().QueryRowContext(ctx, `SELECT language FROM notice_subscriber_language WHERE person_id = ?`, person).Scan(&lang)
	if errors.Is(err, sql.ErrNoRows) {
		return LangEnglish, nil
	}
	if err != nil {
		return "", fmt.Errorf("load a subscriber's language: %w", err)
	}
	return languageOf(lang), nil
}

// setSubscriberLanguage records a resident's choice; English is no row.
func (s store) setSubscriberLanguage(ctx context.Context, person int64, lang Language, now time.Time) error {
	var err error
	if lang == LangEnglish {
		_, err = s.forgetSubscriberLanguage(ctx, person)
		return err
	}
	_, err = s.q().ExecContext(ctx, `INSERT INTO notice_subscriber_language (person_id, language, updated_at) VALUES (?, ?, ?)
		ON CONFLICT(person_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at`, person, string(lang), sqlkit.Millis(now))
	if err != nil {
		return fmt.Errorf("save a subscriber's language: %w", err)
	}
	return nil
}

// forgetSubscriberLanguage deletes a resident's choice (for !forgetme);
// deleted says whether there was one.
func (s store) forgetSubscriberLanguage(ctx context.Context, person int64) (deleted bool, err error) {
	res, err := s.q().ExecContext(ctx, `DELETE FROM notice_subscriber_language WHERE person_id = ?`, person)
	if err != nil {
		return false, fmt.Errorf("delete a subscriber's language: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// GroupLanguage is what a group chose to read notices in, for the staff
// page's list of groups.
func GroupLanguage(ctx context.Context, core bot.Core, chat bot.ChatID) (Language, error) {
	return storeOf(core).groupLanguage(ctx, chat)
}
