package bot

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// unknownCommand answers a "!word" that names no command, but only when it
// was meant as one: the word alone ("!halp"), or a word close to a real
// command ("!lnd drill", "!my data"). Everyday messages that merely start
// with "!" — "!important: bins tomorrow", "!NB road closed", "!urgent water
// leak" — are plain chatter in a group: no reply, and the listeners (a
// power-cut hint) see them as they would any other message.
func (e *Engine) unknownCommand(ctx context.Context, req *Request) error {
	p := e.prefix()
	// "!my data" for "!mydata": the name split in two by a space.
	if f := req.Fields(); len(f) > 0 && isWord(req.Command) {
		if joined, ok := e.reg.router.Lookup(req.Command + strings.ToLower(f[0])); ok && !joined.Hidden {
			e.obs.CommandHandled("unknown", "unknown", 0)
			return req.Reply(ctx, fmt.Sprintf("Unknown command %s%s — did you mean %s%s%s?", p, req.Command, p, req.Command, strings.ToLower(f[0])))
		}
	}
	if s := e.reg.router.Suggest(req.Command); s != "" && isWord(req.Command) && e.argsFit(s, req.Args) {
		e.obs.CommandHandled("unknown", "unknown", 0)
		return req.Reply(ctx, fmt.Sprintf("Unknown command %s%s — did you mean %s%s? Type %shelp for the list.", p, req.Command, p, s, p))
	}
	if (req.Args == "" && isWord(req.Command)) || !req.Chat.IsGroup {
		// In a direct message everything is said to the bot: an unknown
		// command is always answered there.
		e.obs.CommandHandled("unknown", "unknown", 0)
		return req.Reply(ctx, fmt.Sprintf("Unknown command %s%s. Type %shelp for the list.", p, req.Command, p))
	}
	return e.runListeners(ctx, req)
}

// argsFit reports whether the words after a mistyped name could be what
// the suggested command takes: "!warning ice on the hill" is not "!warnings
// @member", whose argument is a mention.
func (e *Engine) argsFit(name, args string) bool {
	rt, ok := e.reg.router.Lookup(name)
	if !ok || args == "" {
		return ok
	}
	usage := strings.TrimLeft(rt.Usage, "[")
	if strings.HasPrefix(usage, "@") {
		return strings.HasPrefix(args, "@")
	}
	return true
}

// isWord reports whether a typed command name is one word of letters and
// digits: "!important:" or "!NB," is punctuation-led chatter, not a command.
func isWord(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// declined answers a command whose routes all declined the request.
func (e *Engine) declined(ctx context.Context, req *Request, rt *Route) error {
	p := e.prefix()
	e.obs.CommandHandled(rt.Name, "refused", 0)
	switch {
	case rt.Feature != "" && req.Chat.IsGroup && !req.Group.FeatureOn(rt.Feature):
		return req.Reply(ctx, featureOffReply(rt.Feature, p))
	case !req.Chat.IsGroup:
		return req.Reply(ctx, groupOnlyReply(p, req.Command))
	case rt.Scope == DirectOnly:
		return req.Reply(ctx, directOnlyReply(p, req.Command))
	}
	return req.Reply(ctx, fmt.Sprintf("%s%s can't be used like that here. Type %shelp %s for how to use it.", p, req.Command, p, req.Command))
}
