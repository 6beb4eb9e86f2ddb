package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameMentions rewrites each "@447700900123" or "@<lid>" a transport left
// in the text into "@Name", so a mention never carries a phone number into
// what features store, show or send on (a pothole description, an item
// note). It only looks people up: someone merely mentioned is not stored
// (Request.Mentioned does that when a handler needs them), and an unknown
// number becomes "@a neighbour". Tokens that are not numbers (console
// names) are left alone.
func (e *Engine) nameMentions(ctx context.Context, m *Message) error {
	for i, mn := range m.Mentions {
		name := ""
		for _, a := range []Address{mn.Addr, mn.Alt} {
			if a == "" || name != "" {
				continue
			}
			p, err := e.store.PersonByAddr(ctx, a)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return fmt.Errorf("look up mention: %w", err)
			}
			name = p.DisplayName()
		}
		shown := name
		if shown == "" {
			shown = Person{}.DisplayName()
		}
		for _, a := range []Address{mn.Addr, mn.Alt} {
			if u := a.User(); a != "" && allDigits(u) {
				m.Text = replaceMention(m.Text, "@"+u, "@"+shown)
			}
		}
		if name != "" {
			m.Mentions[i].Name = name
		}
	}
	return nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// replaceMention replaces whole "@token" words only, so "@12" does not eat
// into "@123".
func replaceMention(text, token, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, token)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := i + len(token)
		r, _ := utf8.DecodeRuneInString(text[end:])
		if end < len(text) && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteString(text[:end])
			text = text[end:]
			continue
		}
		b.WriteString(text[:i] + with)
		text = text[end:]
	}
}
