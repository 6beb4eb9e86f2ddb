package moderation

import (
	"context"

	"neighbourbot/bot"
)

// Blocked reports whether text hits the group's blocklist, read from the
// database: for features that keep what residents write (consultation
// comments), so a blocked word is refused even where the message itself
// was not moderated (an admin's, or one the inspector let through).
func Blocked(ctx context.Context, db bot.DB, chat bot.ChatID, text string) (bool, error) {
	entries, err := store{db: db}.blocklist(ctx, chat)
	if err != nil || len(entries) == 0 {
		return false, err
	}
	return compileBlocklist(entries).match(text) != "", nil
}
