package bot

import (
	"context"
	"errors"
	"fmt"
)

// Middleware wraps a command handler, in the manner of net/http's and
// telebot's middleware: it may answer in place of next (a gate) or run
// something around it. It reads what it needs of the command from
// req.Route, which the router sets before any handler runs.
type Middleware func(next HandlerFunc) HandlerFunc

// chain wraps h in mws, the first outermost: chain(h, a, b) runs a, then
// b, then h.
func chain(h HandlerFunc, mws []Middleware) HandlerFunc {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// refusal is a gate's answer: the command is not run, the person gets the
// text, and the command counts as refused rather than failed or answered.
type refusal string

func (r refusal) Error() string { return string(r) }

// refused returns a gate's refusal text, if err is one.
func refused(err error) (string, bool) {
	var r refusal
	if errors.As(err, &r) {
		return string(r), true
	}
	return "", false
}

// gates are the checks every command passes before its handler, in this
// order: a feature switched off in the group is the first thing to say
// (the command is not there for anyone); then where the command may be
// used; then who may use it, the only gate that may cost a look at the
// group's participants.
func (e *Engine) gates() []Middleware {
	return []Middleware{requireFeatureOn(e.reg.router.prefix), requireScope(e.reg.router.prefix), requireAdmin(e.reg.router.prefix)}
}

// requireFeatureOn refuses a command of a feature family the group has
// switched off.
func requireFeatureOn(prefix string) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(ctx context.Context, req *Request) error {
			if f := req.Route.Feature; f != "" && req.Chat.IsGroup && !req.Group.FeatureOn(f) {
				return refusal(featureOffReply(f, prefix))
			}
			return next(ctx, req)
		}
	}
}

// requireScope refuses a group command in a direct message and a personal
// one in a group.
func requireScope(prefix string) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(ctx context.Context, req *Request) error {
			switch rt := req.Route; {
			case rt.Scope == GroupOnly && !req.Chat.IsGroup:
				return refusal(groupOnlyReply(prefix, rt.Name))
			case rt.Scope == DirectOnly && req.Chat.IsGroup:
				return refusal(directOnlyReply(prefix, rt.Name))
			}
			return next(ctx, req)
		}
	}
}

// requireAdmin refuses an admin command to someone who neither administers
// the group nor owns the bot. The answer is kept on the request, so a
// handler asking again costs nothing.
func requireAdmin(prefix string) Middleware {
	return func(next HandlerFunc) HandlerFunc {
		return func(ctx context.Context, req *Request) error {
			if !req.Route.AdminOnly {
				return next(ctx, req)
			}
			admin, err := req.IsAdmin(ctx)
			if err != nil {
				return fmt.Errorf("admin check: %w", err)
			}
			if !admin {
				return refusal(fmt.Sprintf("Sorry, only group admins can use %s%s.", prefix, req.Route.Name))
			}
			return next(ctx, req)
		}
	}
}

// groupOnlyReply and directOnlyReply are the answers to a command typed in
// the wrong kind of chat, shared by the scope gate and by the engine's
// answer to a command whose routes all declined.
func groupOnlyReply(prefix, name string) string {
	return fmt.Sprintf("%s%s only works inside a group — type it there.", prefix, name)
}

func directOnlyReply(prefix, name string) string {
	return fmt.Sprintf("%s%s is personal — send it to me in a direct message.", prefix, name)
}
