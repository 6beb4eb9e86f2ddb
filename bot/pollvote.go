package bot

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
)

func (e *Engine) dispatchPollVote(ctx context.Context, req *Request) error {
	v := req.Msg.PollVote
	poll, err := e.store.Poll(ctx, req.Chat.ID, v.PollID)
	if errors.Is(err, ErrNotFound) {
		return nil // a vote on a poll the bot did not send, or one purged
	}
	if err != nil {
		return fmt.Errorf("load poll: %w", err)
	}
	votes := append([]string(nil), v.Options...)
	for _, h := range v.OptionHashes {
		for _, opt := range poll.Options {
			sum := sha256.Sum256([]byte(opt))
			if string(sum[:]) == string(h) {
				votes = append(votes, opt)
			}
		}
	}
	fn, ok := e.reg.polls[poll.Kind]
	if !ok {
		return nil
	}
	req.Poll, req.Votes = &poll, votes
	if err := e.callSafely(ctx, fn, req); err != nil {
		if msg, ok := UserMessage(err); ok {
			return req.Reply(ctx, msg)
		}
		if storeErr := e.checkUnit(ctx); storeErr != nil {
			return storeErr
		}
		// A vote the feature could not take is logged; the message still
		// counts as handled (a redelivery would fail the same way).
		e.log.Error("poll vote failed", KeyKind, poll.Kind, KeyChat, req.Chat.ID, KeyErr, err)
	}
	return nil
}
