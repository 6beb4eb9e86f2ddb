package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
)

// Handlers, listeners and inspectors each run in a savepoint of the
// message's unit of work: one that fails or panics leaves nothing of what
// it wrote or queued, and the message still counts as handled — unless the
// store itself can no longer commit, when the whole message fails so that
// it comes again.

// callSafely runs a handler in a savepoint of the unit of work, turning a
// panic into an error so one broken handler never takes the bot down; a
// handler that fails leaves nothing of what it wrote or queued. A user
// error (bot.Userf) is an answer, not a failure: what the handler did
// before giving it stays.
func (e *Engine) callSafely(ctx context.Context, h HandlerFunc, req *Request) error {
	var answer error
	err := e.store.Atomic(ctx, func(ctx context.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				e.log.Error("handler panicked", KeyCommand, req.Command, "panic", r, "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		err = h(ctx, req)
		if _, ok := UserMessage(err); ok {
			answer = err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return answer
}

func (e *Engine) safeInspect(ctx context.Context, fn InspectFunc, req *Request) (handled bool, err error) {
	err = e.store.Atomic(ctx, func(ctx context.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				e.log.Error("moderation check panicked", "panic", r, "stack", string(debug.Stack()))
				handled, err = false, fmt.Errorf("panic: %v", r)
			}
		}()
		handled, err = fn(ctx, req)
		return err
	})
	return handled, err
}

// replyInternal logs a handler's failure and answers with the standard
// apology. When the failure was the store's (the unit of work can no longer
// commit), it returns the error instead, so the message is not marked
// handled and comes again.
func (e *Engine) replyInternal(ctx context.Context, req *Request, err error) error {
	if storeErr := e.checkUnit(ctx); storeErr != nil {
		return errors.Join(err, storeErr)
	}
	e.log.Error("command failed", KeyCommand, req.Command, KeyChat, req.Chat.ID, KeyMsg, req.Msg.ID, KeyErr, err)
	if rerr := req.Reply(ctx, InternalErrorReply); rerr != nil {
		return errors.Join(err, rerr)
	}
	return nil
}

// checkUnit reports whether the unit of work of ctx can still commit,
// after a handler failed: a handler's own bug is answered and the message
// counts as handled, but a store that cannot write must fail the whole
// message so that it is delivered again.
func (e *Engine) checkUnit(ctx context.Context) error {
	return e.store.Atomic(ctx, func(context.Context) error { return nil })
}
