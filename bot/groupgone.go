package bot

import (
	"context"
	"fmt"
	"time"
)

// botMembership records the bot itself being removed from or added back
// to a group that had switched it on. While removed, the group is skipped
// by fan-outs (EnabledGroups), its queued sends are dropped without asking
// the transport (ErrGroupGone) and its jobs are parked; added back,
// everything goes on as before, and the group is told once.
func (e *Engine) botMembership(ctx context.Context, ch GroupChange) error {
	gs, err := e.store.GroupSettings(ctx, ch.Chat.ID)
	if err != nil {
		return fmt.Errorf("group settings: %w", err)
	}
	if !gs.Enabled {
		return nil // the bot keeps nothing about groups that have not opted in
	}
	removed := ch.Kind == BotRemoved
	var at time.Time // zero: added back
	if removed {
		if at = ch.Time; at.IsZero() {
			at = e.now()
		}
	}
	changed, err := e.store.SetGroupRemoved(ctx, ch.Chat.ID, at)
	if err != nil || !changed {
		// WhatsApp tells of a return twice (the join and "added to a
		// group"): the second does nothing.
		return err
	}
	if removed {
		e.obs.BotMembership("removed")
		e.log.Warn("the bot was removed from a group that had switched it on; its posts wait until it is added back", KeyChat, ch.Chat.ID)
		return nil
	}
	e.obs.BotMembership("added")
	e.log.Info("the bot was added back to a group", KeyChat, ch.Chat.ID)
	_, err = e.out.queueSend(WithPriority(ctx, PriorityNormal), OutMessage{Chat: ch.Chat.ID, Text: backInGroupText(e.prefix())})
	return err
}

// backInGroupText tells a group, and so its admins, that the bot is back
// with everything as before.
func backInGroupText(p string) string {
	return fmt.Sprintf("Thanks for adding me back. Everything is as it was: reminders and posts for this group carry on. Admins can switch me off with %sbot off.", p)
}
