package bot

import (
	"context"
	"fmt"
)

// HandleGroupChange processes a membership event synchronously, in one
// unit of work; an error means nothing was committed.
func (e *Engine) HandleGroupChange(ctx context.Context, ch GroupChange) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.store.Atomic(ctx, func(ctx context.Context) error { return e.handleGroupChange(ctx, ch) })
	if err != nil {
		e.health.failed("handle group change", err)
		return err
	}
	e.health.ok()
	e.afterUnit(ctx)
	return nil
}

func (e *Engine) handleGroupChange(ctx context.Context, ch GroupChange) error {
	if ch.Kind == BotRemoved || ch.Kind == BotAdded {
		return e.botMembership(ctx, ch) // groupgone.go
	}
	now := e.now()
	gs, err := e.store.GroupSettings(ctx, ch.Chat.ID)
	if err != nil {
		return fmt.Errorf("group settings: %w", err)
	}
	if !gs.Enabled {
		return nil // the bot keeps nothing about groups that have not opted in
	}
	people := make([]Person, 0, len(ch.Members))
	for _, m := range ch.Members {
		p, err := e.store.ResolvePerson(ctx, m, now)
		if err != nil {
			return fmt.Errorf("resolve member: %w", err)
		}
		people = append(people, p)
		switch ch.Kind {
		case MemberJoined:
			err = e.store.SetMember(ctx, ch.Chat.ID, p.ID, true, now)
		case MemberLeft:
			err = e.store.SetMember(ctx, ch.Chat.ID, p.ID, false, now)
		}
		if err != nil {
			return fmt.Errorf("record membership: %w", err)
		}
	}
	for _, h := range e.reg.groupHandlers {
		err := e.store.Atomic(ctx, func(ctx context.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					e.log.Error("group change handler panicked", "panic", r)
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			return h(ctx, ch, people)
		})
		if err != nil {
			if storeErr := e.checkUnit(ctx); storeErr != nil {
				return storeErr
			}
			e.log.Error("group change handler", KeyChat, ch.Chat.ID, KeyErr, err)
		}
	}
	return nil
}
