package lending

import (
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
)

// FuzzParsePeriod: any loan period or date a resident types is read as a
// time after now or refused — never a panic.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"for 3d", "for 2 weeks", "until Saturday", "by Friday", "till 12 Jan 10am", "tomorrow", "next week",
		"in a fortnight", "end of the month", "tan ddydd Gwener", "for the weekend", "31/02", "99999 days", "until 25:61"} {
		f.Add(s)
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Fields(s)
		if at, err := parsePeriod(words, now, now, loc, bot.TimeOfDay(18*60)); err == nil && !at.After(now) {
			t.Fatalf("parsePeriod(%q) = %v, not after %v", s, at, now)
		}
		if at, err := parseWhen(words, now, loc, nil); err == nil && !at.After(now) {
			t.Fatalf("parseWhen(%q) = %v, not after %v", s, at, now)
		}
	})
}
