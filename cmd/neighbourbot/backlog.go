package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"neighbourbot/bot"
)

// backlogNotice tells a chat, once per outage, that commands sent there
// while the bot was offline were too old to act on. The line goes through
// the engine's send path like every other message (pacing, the group's
// on/off switch), from the engine's worker and in one unit of work.
type backlogNotice struct {
	engine *bot.Engine // its worker runs post
	kit    bot.Kit
	loc    *time.Location
}

// IsCommand reports whether text would be parsed as a command.
func (n *backlogNotice) IsCommand(text string) bool {
	_, _, ok := n.kit.Reg.Router().Parse(bot.CleanText(text))
	return ok
}

// SkippedCommands queues the notice and waits until it is committed.
func (n *backlogNotice) SkippedCommands(ctx context.Context, chat bot.Chat, offline, cutoff, online time.Time) error {
	text := backlogNoticeText(offline, cutoff, online, n.loc)
	done := make(chan error, 1)
	if err := n.engine.Enqueue(ctx, func(ctx context.Context) { done <- n.post(ctx, chat, text) }); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (n *backlogNotice) post(ctx context.Context, chat bot.Chat, text string) error {
	return n.kit.Core.Atomic(ctx, func(ctx context.Context) error {
		if chat.IsGroup {
			// Only where the bot is switched on: elsewhere it was never
			// going to answer those commands anyway.
			gs, err := n.kit.Core.GroupSettings(ctx, chat.ID)
			if err != nil {
				return fmt.Errorf("group settings: %w", err)
			}
			if !gs.Enabled {
				return nil
			}
		}
		_, err := n.kit.Out.Send(ctx, bot.OutMessage{Chat: chat.ID, Text: text})
		if errors.Is(err, bot.ErrGroupOff) {
			return nil
		}
		return err
	})
}

// backlogNoticeText is the one line: "I was offline 14:02–15:40 and ignored
// commands sent before 15:30 — please send them again." The start is left
// out when unknown (the process itself was not running) or later than the
// cut-off (the commands were held back by WhatsApp, not by the outage).
func backlogNoticeText(offline, cutoff, online time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	online = online.In(loc)
	at := func(t time.Time) string {
		t = t.In(loc)
		if y, m, d := t.Date(); y == online.Year() && m == online.Month() && d == online.Day() {
			return t.Format("15:04")
		}
		return t.Format("Mon 2 Jan 15:04")
	}
	span := "until " + at(online)
	if !offline.IsZero() && !offline.After(cutoff) {
		span = at(offline) + "–" + at(online)
	}
	return fmt.Sprintf("I was offline %s and ignored commands sent before %s — please send them again.", span, at(cutoff))
}
