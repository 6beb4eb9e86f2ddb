package bot

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
	"unicode"
)

// directFallback returns the direct listener that answers a direct message
// that is not a command and that nothing else took, so nobody who writes to
// the bot is met with silence. Wiring registers it after every feature:
// listeners run in the order they were added, and a yes/no answer, or a
// direct listener that replies through the request or calls Request.Take
// (the council inbox, which collects such messages), keeps it quiet.
//
// A message the fallback already answered for the same person within the
// hour (the same words) is not answered again, and nobody gets more than
// fallbackPerHour answers an hour: another account's auto-reply ("Thanks
// for your message!") answered by this one would otherwise make two
// machines talk to each other for ever, which is what gets numbers banned.
// Messages are handled one at a time, so the record needs no lock; a
// restart forgets it, which is harmless.
func (e *Engine) directFallback() HandlerFunc {
	type answered struct {
		at   time.Time
		text uint64 // a hash of the words: what people write privately is not kept
	}
	recent := map[int64][]answered{}
	return func(ctx context.Context, req *Request) error {
		m := req.Msg
		now := e.now()
		words := strings.Join(plainWords(m.Text), " ")
		h := fnv.New64a()
		h.Write([]byte(words))
		text := h.Sum64()
		var kept []answered
		repeat := false
		for _, a := range recent[req.Sender.ID] {
			if now.Sub(a.at) < time.Hour {
				kept = append(kept, a)
				repeat = repeat || (a.text == text && words != "")
			}
		}
		recent[req.Sender.ID] = kept
		if repeat || len(kept) >= fallbackPerHour {
			e.log.Debug("direct message left unanswered: a repeat, or the fallback limit reached", "person", req.Sender.ID)
			return nil
		}
		if len(recent) > 10000 {
			clear(recent) // a bound on memory; only loop protection is lost
		}
		recent[req.Sender.ID] = append(kept, answered{now, text})
		return req.Reply(ctx, e.directAnswer(req))
	}
}

// fallbackPerHour bounds the fallback answers one person gets in an hour.
const fallbackPerHour = 20

// directAnswer is one short line: what the bot understood, or where to
// start.
func (e *Engine) directAnswer(req *Request) string {
	p := e.prefix()
	m := req.Msg
	words := plainWords(m.Text)
	if len(words) == 0 {
		if m.Media != nil || m.Location != nil {
			return fmt.Sprintf("I can't do anything with that on its own here. I understand commands that start with %s: type %shelp for the list.", p, p)
		}
		return fmt.Sprintf("I understand commands that start with %s: type %shelp for the list.", p, p)
	}
	// "mine", "help me", "forgetme yes": a command without its "!".
	for _, w := range words[:min(2, len(words))] {
		if rt, ok := e.reg.router.Lookup(w); ok && !rt.Hidden {
			if rt.Scope == GroupOnly {
				return fmt.Sprintf("Commands start with %s: %s%s works in your group — type it there.", p, p, rt.Name)
			}
			cmd := p + strings.Join(words, " ")
			if RuneLen(cmd) > 40 || words[0] != w {
				cmd = p + rt.Name
			}
			return fmt.Sprintf("Commands start with %s — did you mean %s? Type %shelp for the list.", p, cmd, p)
		}
	}
	if yesNoWords[strings.Join(words, " ")] != "" {
		return fmt.Sprintf("I'm not waiting for a yes or no from you just now. Type %shelp to see what I can do.", p)
	}
	return fmt.Sprintf("Thanks for your message — I can message you privately now (reminders and replies). I only understand commands here, starting with %s: type %shelp for the list.", p, p)
}

// plainWords lower-cases text into its words, without punctuation or
// emoji: "Yes!! 👍" → ["yes"].
func plainWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
}

// yesNoWords maps what people answer a yes/no question with onto "yes" or
// "no".
var yesNoWords = map[string]string{
	"yes": "yes", "y": "yes", "yes please": "yes", "yep": "yes", "yeah": "yes", "yea": "yes", "ok": "yes", "okay": "yes",
	"sure": "yes", "confirm": "yes", "go ahead": "yes", "do it": "yes", "please do": "yes",
	"no": "no", "n": "no", "nope": "no", "no thanks": "no", "no thank you": "no", "nah": "no", "cancel": "no",
	"don't": "no", "stop": "no", "keep it": "no",
}

// YesNo reads a bare answer to a yes/no question: "yes", "Yes!", "yep 👍"
// give "yes"; "no", "nope", "cancel" give "no"; anything else "".
func YesNo(text string) string {
	return yesNoWords[strings.Join(plainWords(text), " ")]
}
