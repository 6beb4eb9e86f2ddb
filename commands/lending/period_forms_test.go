package lending

import (
	"errors"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
)

// TestSpokenPeriods reads each British and Welsh form, from Monday 5
// January 2026 09:00 unless a case says otherwise, with the note an
// ambiguous form carries.
func TestSpokenPeriods(t *testing.T) {
	due := bot.TimeOfDay(18 * 60)
	at := func(m time.Month, day, hh int) time.Time { return time.Date(2026, m, day, hh, 0, 0, 0, london) }
	thu := time.Date(2026, 1, 8, 9, 0, 0, 0, london)
	sat := time.Date(2026, 1, 10, 9, 0, 0, 0, london)
	fri := time.Date(2026, 1, 9, 9, 0, 0, 0, london)
	lastDay := time.Date(2026, 1, 31, 19, 0, 0, 0, london)
	cases := []struct {
		in   string
		now  time.Time
		want time.Time
		note string // a substring of the note; "" for none
	}{
		// End of the month: this month's last day, next month's once it has passed.
		{"until the end of the month", mon, at(1, 31, 18), ""},
		{"till end of the month", mon, at(1, 31, 18), ""},
		{"end of the month", mon, at(1, 31, 18), ""},
		{"until end of month", mon, at(1, 31, 18), ""},
		{"until the end of the month", lastDay, at(2, 28, 18), ""},
		{"until end of next month", mon, at(2, 28, 18), ""},
		// A day, a week on.
		{"until Friday week", mon, at(1, 16, 18), ""},
		{"Friday week", mon, at(1, 16, 18), ""},
		{"a week on Friday", mon, at(1, 16, 18), ""},
		{"until a week on Friday", mon, at(1, 16, 18), ""},
		{"a week Friday", mon, at(1, 16, 18), ""},
		{"a week tomorrow", mon, at(1, 13, 18), ""},
		{"tomorrow week", mon, at(1, 13, 18), ""},
		{"a week today", mon, at(1, 12, 18), ""},
		// Next weekend: the weekend after this one, said in the reply.
		{"next weekend", mon, at(1, 18, 18), "not this weekend"},
		{"until next weekend", sat, at(1, 18, 18), "Sun 18 Jan"},
		{"until the weekend after next", mon, at(1, 25, 18), ""},
		// A day of the month.
		{"the 14th", mon, at(1, 14, 18), ""},
		{"until the 14th", mon, at(1, 14, 18), ""},
		{"till the 3rd", mon, at(2, 3, 18), ""},
		{"by the 22nd", mon, at(1, 22, 18), ""},
		{"on the 1st", mon, at(2, 1, 18), ""},
		{"until the 31st", time.Date(2026, 2, 5, 9, 0, 0, 0, london), at(3, 31, 18), ""},
		// Day/month, day first as in the UK.
		{"14/2", mon, at(2, 14, 18), ""},
		{"until 14/2", mon, at(2, 14, 18), ""},
		{"until 14/02/26", mon, at(2, 14, 18), ""},
		// Parts of a day.
		{"tomorrow night", mon, at(1, 6, 18), ""},
		{"until tomorrow evening", mon, at(1, 6, 18), ""},
		{"until Friday night", mon, at(1, 9, 18), ""},
		{"until Saturday morning", mon, at(1, 10, 10), ""},
		{"until Saturday afternoon", mon, at(1, 10, 14), ""},
		{"until tonight", mon, at(1, 5, 18), ""},
		// A length from now, with "in".
		{"in a fortnight", mon, at(1, 19, 18), ""},
		{"in two weeks", mon, at(1, 19, 18), ""},
		{"in 3 days", mon, at(1, 8, 18), ""},
		{"in a month", mon, at(2, 5, 18), ""},
		// A stretch named rather than measured.
		{"for the weekend", mon, at(1, 11, 18), ""},
		{"over the weekend", mon, at(1, 11, 18), ""},
		{"for tonight", mon, at(1, 5, 18), ""},
		{"for the day", mon, at(1, 5, 18), ""},
		{"for the week", mon, at(1, 12, 18), ""},
		{"overnight", mon, at(1, 6, 10), ""},
		{"for the night", mon, at(1, 6, 10), ""},
		// Next Friday: the Friday of next week, and which one was chosen.
		{"next Friday", thu, at(1, 16, 18), "not tomorrow"},
		{"until next Friday", thu, at(1, 16, 18), "Fri 16 Jan"},
		{"next Friday", sat, at(1, 16, 18), "not Fri 23 Jan"},
		{"next Monday", mon, at(1, 12, 18), "not Mon 19 Jan"},
		{"until Friday", fri, at(1, 16, 18), "a week today"},
		{"until Friday", thu, at(1, 9, 18), ""},
		{"until next Friday 10am", thu, at(1, 16, 10), "Fri 16 Jan"},
		{"until next Friday at 6 pm", thu, at(1, 16, 18), "not tomorrow"},
		{"tan ddydd Gwener nesaf", thu, at(1, 16, 18), "not tomorrow"},
		// Welsh: day names after "dydd" or "nos", mutated after "tan".
		{"tan ddydd Gwener", mon, at(1, 9, 18), ""},
		{"tan dydd Gwener", mon, at(1, 9, 18), ""},
		{"tan nos Wener", mon, at(1, 9, 18), ""},
		{"tan ddydd Sadwrn", mon, at(1, 10, 18), ""},
		{"tan ddydd Sul", mon, at(1, 11, 18), ""},
		{"tan ddydd Llun", mon, at(1, 12, 18), "a week today"},
		{"tan ddydd Mawrth", mon, at(1, 6, 18), ""},
		{"tan ddydd Mercher", mon, at(1, 7, 18), ""},
		{"tan ddydd Iau", mon, at(1, 8, 18), ""},
		{"tan Gwener", mon, at(1, 9, 18), ""},
		{"tan yfory", mon, at(1, 6, 18), ""},
		{"erbyn dydd Sadwrn", mon, at(1, 10, 18), ""},
		{"tan wythnos nesaf", mon, at(1, 12, 18), ""},
		{"tan ddiwedd y mis", mon, at(1, 31, 18), ""},
		{"tan y penwythnos", mon, at(1, 11, 18), ""},
		// Welsh lengths after "am" (for), mutated or not.
		{"am wythnos", mon, at(1, 12, 18), ""},
		{"am bythefnos", mon, at(1, 19, 18), ""},
		{"am dri diwrnod", mon, at(1, 8, 18), ""},
		{"am ddau ddiwrnod", mon, at(1, 7, 18), ""},
		{"am 3 diwrnod", mon, at(1, 8, 18), ""},
		{"am fis", mon, at(2, 5, 18), ""},
		{"am ddwy wythnos", mon, at(1, 19, 18), ""},
	}
	for _, c := range cases {
		r, err := readPeriodWords(strings.Fields(c.in), c.now, c.now, london, due)
		if err != nil || !r.at.Equal(c.want) {
			t.Errorf("%s on %s: got %s, %v; want %s", c.in, c.now.Format("Mon 2 Jan"), r.at.Format("Mon 2 Jan 15:04"), err, c.want.Format("Mon 2 Jan 15:04"))
			continue
		}
		switch {
		case c.note == "" && r.note != "":
			t.Errorf("%s: unexpected note %q", c.in, r.note)
		case c.note != "" && !strings.Contains(r.note, c.note):
			t.Errorf("%s: note %q, want one with %q", c.in, r.note, c.note)
		}
	}
}

// TestSpokenPeriodsRefused checks forms that must not read as a date.
func TestSpokenPeriodsRefused(t *testing.T) {
	due := bot.TimeOfDay(18 * 60)
	for _, in := range []string{"until the 32nd", "the 14", "until end of the", "a week on", "Blursday week", "am", "tan", "next weekday", "in ages", "until the 0th"} {
		if r, err := readPeriodWords(strings.Fields(in), mon, mon, london, due); err == nil {
			t.Errorf("%q read as %s; want it refused", in, r.at)
		} else if !errors.Is(err, errNoWhen) && !errors.Is(err, errPast) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// TestLocateSpokenPeriods finds the spoken forms after an item, and asks
// about leftover period words rather than reading a part of them.
func TestLocateSpokenPeriods(t *testing.T) {
	due := bot.TimeOfDay(18 * 60)
	cases := []struct{ in, item, period, odd string }{
		{"ladder till end of the month", "ladder", "till end of the month", ""},
		{"ladder Friday week", "ladder", "Friday week", ""},
		{"ladder a week on Friday", "ladder", "a week on Friday", ""},
		{"ladder next weekend", "ladder", "next weekend", ""},
		{"ladder the 14th", "ladder", "the 14th", ""},
		{"ladder 14/2", "ladder", "14/2", ""},
		{"ladder tomorrow night", "ladder", "tomorrow night", ""},
		{"ladder in a fortnight", "ladder", "in a fortnight", ""},
		{"ysgol tan ddydd Gwener", "ysgol", "tan ddydd Gwener", ""},
		{"berfa am wythnos", "berfa", "am wythnos", ""},
		{"ladder next Friday", "ladder", "next Friday", ""},
		{"ladder in the shed", "ladder in the shed", "", ""},
		{"ladder for the weekend", "ladder", "for the weekend", ""},
		{"ladder overnight", "ladder", "overnight", ""},
		{"bag for life", "bag", "", "for life"},
		// Only "month" reads: the rest is asked about, not dropped.
		{"ladder till end of teh month", "ladder", "", "till end of teh month"},
		{"ladder until the end of time", "ladder", "", "until the end of time"},
	}
	for _, c := range cases {
		sp := findPeriod(strings.Fields(c.in), mon, london, due)
		if strings.Join(sp.item, " ") != c.item || strings.Join(sp.period, " ") != c.period || sp.odd != c.odd {
			t.Errorf("findPeriod(%q) = item %q, period %q, odd %q; want %q, %q, %q", c.in, sp.item, sp.period, sp.odd, c.item, c.period, c.odd)
		}
	}
}
