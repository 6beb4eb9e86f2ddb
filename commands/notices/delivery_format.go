package notices

import (
	"strings"
	"unicode"
)

// maxBodyRunes keeps a relayed notice readable in a chat; the link carries
// the rest.
const maxBodyRunes = 1500

// formatNotice writes the message residents see: bold title, body, link
// and the source. orig is the title of the notice an update or
// cancellation refers to ("" when unknown).
func formatNotice(n *Notice, orig string) string {
	var b strings.Builder
	writeBlock(&b, n, orig, englishWords, maxBodyRunes)
	writeTail(&b, n, LangEnglish)
	return b.String()
}

// asSeenBy is n as a recipient reads it: an update reaching someone who
// saw none of what it corrects (the original was withdrawn, or never went
// to them) reads as a notice of its own, without "Update:".
func asSeenBy(n *Notice, quotes bool) *Notice {
	if n.MsgType != MsgUpdate || quotes {
		return n
	}
	fresh := *n
	fresh.MsgType = MsgAlert
	return &fresh
}

// titleLine returns the bold heading of a notice and, for a cancellation
// whose own title does not say so, the line that follows it.
//
// A cancellation's title is the council's new headline, often the opposite
// of the original ("Belle Vue Road stays open"): putting "Cancelled:" in
// front of it would read as if the road were closed after all. So the
// heading names what is cancelled — the original's title — and the new
// headline follows. A title that already says "cancelled" or "update" gets
// no second prefix ("Gritting cancelled", not "Cancelled: Gritting
// cancelled").
func titleLine(n *Notice, orig string) (head, next string) {
	return titleLineIn(n, orig, englishWords)
}

// titleLineIn is titleLine in wording w.
func titleLineIn(n *Notice, orig string, w wording) (head, next string) {
	title := strings.ReplaceAll(n.Title, "*", "")
	orig = strings.ReplaceAll(orig, "*", "")
	prefix := ""
	switch n.Urgency {
	case UrgencyEmergency:
		prefix = w.emergency
	case UrgencyUrgent:
		prefix = w.urgent
	}
	switch n.MsgType {
	case MsgUpdate:
		if !saysAlready(title, w.updateWords) {
			prefix += w.update
		}
	case MsgCancel:
		switch {
		case saysAlready(title, w.cancelWords):
		case orig != "" && !strings.EqualFold(strings.TrimSpace(orig), strings.TrimSpace(title)):
			return prefix + w.cancelled + orig, title
		default:
			prefix += w.cancelled
		}
	}
	return prefix + title, ""
}

var (
	cancelWords = []string{"cancel", "cancelled", "canceled", "cancellation", "called off", "withdrawn", "no longer"}
	updateWords = []string{"update", "updated", "correction", "corrected", "change", "changed"}
)

// saysAlready reports whether a title already carries one of the words
// (as whole words, any case), so no prefix repeats it.
func saysAlready(title string, words []string) bool {
	t := " " + strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return ' '
	}, title) + " "
	t = strings.Join(strings.Fields(t), " ")
	t = " " + t + " "
	for _, w := range words {
		if strings.Contains(t, " "+w+" ") {
			return true
		}
	}
	return false
}
