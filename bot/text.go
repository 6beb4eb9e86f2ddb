package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CleanText makes user text safe to parse and store: NFC-normalised, with
// invisible formatting characters (zero-width spaces, bidi overrides, BOMs)
// and control characters other than newline and tab removed. Emoji, accents
// and every script survive.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\u200d' || r == '\ufe0f':
			// Zero-width joiner and variation selector build emoji; keep them.
			b.WriteRune(r)
		case unicode.Is(unicode.Cf, r), unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// Truncate shortens s to at most n runes, ending with "…" when cut.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	if n <= 1 {
		return string(r[:n])
	}
	return strings.TrimRightFunc(string(r[:n-1]), unicode.IsSpace) + "…"
}

// RuneLen counts the characters a person typed.
func RuneLen(s string) int { return utf8.RuneCountInString(s) }

// SplitNote splits "hedge trimmer — petrol, bring it back clean" into the
// subject and the note after a dash (—, –, or " - ").
func SplitNote(s string) (subject, note string) {
	for _, sep := range []string{"—", "–", " - ", " -- "} {
		if i := strings.Index(s, sep); i >= 0 {
			return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+len(sep):])
		}
	}
	return strings.TrimSpace(s), ""
}

// ParseOnOff reads the on/off words people use: on/yes/true/enable and
// off/no/false/disable.
func ParseOnOff(s string) (on bool, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "yes", "true", "enable", "enabled", "1":
		return true, true
	case "off", "no", "false", "disable", "disabled", "0":
		return false, true
	}
	return false, false
}

// AtSentenceStart is a person's display name for the start of a sentence:
// the stand-in for someone the bot cannot name, "a neighbour", becomes
// "A neighbour" there ("A neighbour, type !returned ladder …"), while a
// real name is left exactly as the person wrote it.
func AtSentenceStart(name string) string {
	if strings.HasPrefix(name, "a ") {
		return "A" + name[1:]
	}
	return name
}

// EndSentence ends text a person typed with a full stop, unless it already
// ends with one, "!", "?" or "…": "deep!" stays "deep!", not "deep!.".
func EndSentence(text string) string {
	t := strings.TrimRightFunc(text, unicode.IsSpace)
	if t == "" || strings.HasSuffix(t, "…") || strings.ContainsAny(t[len(t)-1:], ".!?") {
		return t
	}
	return t + "."
}
