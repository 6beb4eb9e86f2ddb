package bot

import "regexp"

var (
	// typedMention is "@" with a phone number typed after it —
	// "@+447700900123", "@07700 900123", "@+44 (0)7700-900123" — rather than
	// someone picked from the phone's list, which WhatsApp sends as a
	// mention the engine turns into "@Name".
	typedMention = regexp.MustCompile(`@\s?\+?\(?\d[\d\s().-]{4,}\d`)
	// typedNumber is a phone number written out in a message: UK national
	// ("07700 900123", "01743-123456") or international ("+44 7700 900123").
	// Dates, prices and report numbers have too few digits or other
	// separators.
	typedNumber = regexp.MustCompile(`(?:^|[^\d/.:])(?:\+\d{1,3}[\s-]?(?:\(0\)\s?)?\d|0\d)(?:[\s-]?\d){8,11}(?:$|[^\d/.:])`)
)

// TypedPhoneReply answers a command that carries a typed phone number,
// or returns "" when it carries none. The reply says what to do instead
// and repeats nothing of the number.
func TypedPhoneReply(text string) string { return typedPhoneReply(text, false) }

func typedPhoneReply(text string, mentionsOnly bool) string {
	for _, m := range typedMention.FindAllString(text, -1) {
		if digitCount(m) >= 6 {
			return "I won't repeat a phone number, so I haven't done that. To name someone, mention them with @ from your phone's list (type @ and pick their name)."
		}
	}
	if !mentionsOnly && typedNumber.MatchString(text) {
		return "I won't repeat a phone number, so I haven't done that. Please send it again without the number — to name someone, mention them with @ from your phone's list."
	}
	return ""
}

func digitCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

// HasTypedPhone reports whether text carries a phone number a person
// typed — after an "@" or written out.
func HasTypedPhone(text string) bool { return TypedPhoneReply(text) != "" }
