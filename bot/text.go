package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CleanText makes user text safe to parse and store: NFC-normalised, with
// invisible formatting characters (zero-width spaces, bidi overrides and
// isolates, BOMs) and control characters other than newline and tab
// removed. Emoji, accents and every script survive, emoji sequences whole:
// joiners, variation selectors and the tag characters of a subdivision flag
// (🏴 + tags + cancel tag, the Welsh and Scottish flags) are kept where they
// build an emoji, and dropped elsewhere.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\u200d' || r == '\ufe0f':
			// Zero-width joiner and variation selector build emoji; keep them.
			b.WriteRune(r)
		case r == blackFlag:
			b.WriteRune(r)
			if n := tagSequence(rs[i+1:]); n > 0 {
				b.WriteString(string(rs[i+1 : i+1+n]))
				i += n
			}
		case unicode.Is(unicode.Cf, r), unicode.IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// cleanMessage cleans every text a message brings in, not only its own:
// a quoted message's text, a pin's name, a file's name and the names in
// its mentions are stored and shown too, and a bidi override there would
// turn "invoice\u202efdp.exe" into "invoiceexe.pdf" on a phone.
func cleanMessage(m *Message) {
	m.Text = CleanText(m.Text)
	if q := m.Quote; q != nil {
		q.Text = CleanText(q.Text)
		q.Sender.Name = CleanText(q.Sender.Name)
		cleanAttached(q.Media, q.Location)
	}
	cleanAttached(m.Media, m.Location)
	m.Sender.Name = CleanText(m.Sender.Name)
	for i := range m.Mentions {
		m.Mentions[i].Name = CleanText(m.Mentions[i].Name)
	}
}

func cleanAttached(md *Media, loc *Location) {
	if md != nil {
		md.FileName = CleanText(md.FileName)
	}
	if loc != nil {
		loc.Name = CleanText(loc.Name)
	}
}

// blackFlag is the base of a subdivision flag's tag sequence.
const blackFlag = '\U0001F3F4'

// tagSequence is the length of an emoji tag sequence at the start of rs:
// tag letters and digits ended by the cancel tag, or 0 when there is none.
func tagSequence(rs []rune) int {
	for i, r := range rs {
		switch {
		case r == 0xE007F:
			if i == 0 {
				return 0
			}
			return i + 1
		case r < 0xE0020 || r > 0xE007E:
			return 0
		}
	}
	return 0
}

// Truncate shortens s to at most n runes, ending with "…" when cut. It
// never cuts an emoji sequence in two (a flag, a family joined with ZWJ, a
// skin tone, a subdivision flag's tags): a sequence that doesn't fit goes
// whole.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	if n <= 1 {
		return string(r[:keepWhole(r, n)])
	}
	return strings.TrimRightFunc(string(r[:keepWhole(r, n-1)]), unicode.IsSpace) + "…"
}

// keepWhole moves a cut at n back to the start of the emoji sequence it
// would split.
func keepWhole(r []rune, n int) int {
	for n > 0 && n < len(r) && (extendsEmoji(r[n]) || r[n-1] == '\u200d' || r[n-1] == blackFlag && isTag(r[n])) {
		n--
	}
	// Regional indicators pair up into flags: an odd run cut in the middle
	// drops its last half.
	run := 0
	for i := n - 1; i >= 0 && isRegional(r[i]); i-- {
		run++
	}
	if run%2 == 1 && n < len(r) && isRegional(r[n]) {
		n--
	}
	return n
}

// extendsEmoji says whether r belongs to the emoji before it: a joiner, a
// variation selector, a skin tone, a keycap frame, a tag.
func extendsEmoji(r rune) bool {
	return r == '\u200d' || r == '\ufe0f' || r == '\ufe0e' || r == '\u20e3' || (r >= 0x1F3FB && r <= 0x1F3FF) || isTag(r)
}

func isTag(r rune) bool { return r >= 0xE0020 && r <= 0xE007F }

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

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
	if r, _ := utf8.DecodeLastRuneInString(t); endsLikeEmoji(r) {
		// "car nearly lost a wheel 😡" ends already: a full stop after an
		// emoji reads as a slip.
		return t
	}
	return t + "."
}

// endsLikeEmoji reports whether r can be the last rune of an emoji: a
// symbol, a variation selector, a skin tone, a tag or a keycap.
func endsLikeEmoji(r rune) bool {
	return unicode.Is(unicode.So, r) || r == 0xFE0F || r == 0x20E3 ||
		(r >= 0x1F3FB && r <= 0x1F3FF) || (r >= 0xE0020 && r <= 0xE007F)
}
