package bot

import "context"

type multipleKey struct{}

// WithMultipleChoice makes the polls sent with ctx multiple-answer polls:
// each voter may tick several options, and PollVote carries them all.
func WithMultipleChoice(ctx context.Context) context.Context {
	return context.WithValue(ctx, multipleKey{}, true)
}

func multipleChoice(ctx context.Context) bool {
	v, _ := ctx.Value(multipleKey{}).(bool)
	return v
}
