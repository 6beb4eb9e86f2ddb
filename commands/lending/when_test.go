package lending

import (
	"errors"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
)

// Monday 5 January 2026, 09:00 London (= UTC in winter).
var mon = time.Date(2026, 1, 5, 9, 0, 0, 0, london)

func TestParsePeriod(t *testing.T) {
	due := bot.TimeOfDay(18 * 60)
	at := func(day int, hh, mm int) time.Time { return time.Date(2026, 1, day, hh, mm, 0, 0, london) }
	cases := []struct {
		in   string
		want time.Time
		err  error
	}{
		{"for 3d", at(8, 18, 0), nil},
		{"for 3 days", at(8, 18, 0), nil},
		{"for 2 weeks", at(19, 18, 0), nil},
		{"for a week", at(12, 18, 0), nil},
		{"for a fortnight", at(19, 18, 0), nil},
		{"for 36h", at(6, 21, 0), nil},
		{"3d", at(8, 18, 0), nil},
		{"until Saturday", at(10, 18, 0), nil},
		{"until sat", at(10, 18, 0), nil},
		{"until Monday", at(12, 18, 0), nil}, // today is Monday: next week's
		{"till Sat 7am", at(10, 7, 0), nil},
		{"until Saturday at 10.30am", at(10, 10, 30), nil},
		{"until today", at(5, 18, 0), nil},
		{"until tomorrow", at(6, 18, 0), nil},
		{"until 12 Jan", at(12, 18, 0), nil},
		{"until 12th January", at(12, 18, 0), nil},
		{"until Jan 12", at(12, 18, 0), nil},
		{"until 12/1", at(12, 18, 0), nil},
		{"until 2026-01-12", at(12, 18, 0), nil},
		{"until 3 Jan", time.Date(2027, 1, 3, 18, 0, 0, 0, london), nil}, // already gone this year
		{"until 3 Jan 2026", time.Time{}, errPast},
		{"until today 7am", time.Time{}, errPast},
		{"until Blursday", time.Time{}, errNoWhen},
		{"until 31 Feb", time.Time{}, errNoWhen},
		{"until", time.Time{}, errNoWhen},
		{"for ages", time.Time{}, errNoWhen},
		{"for 2 years", time.Time{}, errNoWhen},
		// Without "for" or "until", and in words.
		{"3 days", at(8, 18, 0), nil},
		{"2 weeks", at(19, 18, 0), nil},
		{"two weeks", at(19, 18, 0), nil},
		{"a fortnight", at(19, 18, 0), nil},
		{"fortnight", at(19, 18, 0), nil},
		{"a week", at(12, 18, 0), nil},
		{"another week", at(12, 18, 0), nil},
		{"for another 3 days", at(8, 18, 0), nil},
		{"a couple of days", at(7, 18, 0), nil},
		{"for a month", time.Date(2026, 2, 5, 18, 0, 0, 0, london), nil},
		{"for 3 nights", at(8, 18, 0), nil},
		{"tomorrow", at(6, 18, 0), nil},
		{"Saturday", at(10, 18, 0), nil},
		{"sat", at(10, 18, 0), nil},
		{"next week", at(12, 18, 0), nil},
		{"until next week", at(12, 18, 0), nil},
		{"until the weekend", at(11, 18, 0), nil},
		{"by Friday", at(9, 18, 0), nil},
		{"by 3 days", at(8, 18, 0), nil},
		{"12 Jan", at(12, 18, 0), nil},
		{"(3 days)", at(8, 18, 0), nil},
		{"3 dayz", time.Time{}, errNoWhen},
		{"for a few days", time.Time{}, errNoWhen},
	}
	for _, c := range cases {
		got, err := parsePeriod(strings.Fields(c.in), mon, mon, london, due)
		if !errors.Is(err, c.err) || (c.err == nil && !got.Equal(c.want)) {
			t.Errorf("parsePeriod(%q) = %v, %v; want %v, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestParseWhenForErrands(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
		err  error
	}{
		{"Saturday 10am", time.Date(2026, 1, 10, 10, 0, 0, 0, london), nil},
		{"on Sat at 10:00", time.Date(2026, 1, 10, 10, 0, 0, 0, london), nil},
		{"10am Saturday", time.Date(2026, 1, 10, 10, 0, 0, 0, london), nil},
		{"tomorrow 2 pm", time.Date(2026, 1, 6, 14, 0, 0, 0, london), nil},
		{"noon", time.Date(2026, 1, 5, 12, 0, 0, 0, london), nil},
		{"8am", time.Date(2026, 1, 6, 8, 0, 0, 0, london), nil}, // today's 8am has gone
		{"Saturday", time.Time{}, errNeedTime},
		{"10", time.Time{}, errNoWhen},
		{"tip", time.Time{}, errNoWhen},
		{"10am 11am", time.Time{}, errNoWhen},
	}
	for _, c := range cases {
		got, err := parseWhen(strings.Fields(c.in), mon, london, nil)
		if !errors.Is(err, c.err) || (c.err == nil && !got.Equal(c.want)) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v, %v", c.in, got, err, c.want, c.err)
		}
	}
}

func TestReminderStagesAndQuietHours(t *testing.T) {
	f := &Feature{cfg: DefaultConfig(), loc: london, quiet: bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: london}}
	loan := Loan{LentAt: mon, DueAt: time.Date(2026, 1, 10, 7, 0, 0, 0, london)}
	steps := []struct {
		after       time.Time
		stage       string
		n           int
		nominal, at time.Time
	}{
		{mon, stageBefore, 0, time.Date(2026, 1, 9, 7, 0, 0, 0, london), time.Date(2026, 1, 9, 8, 0, 0, 0, london)},
		{time.Date(2026, 1, 9, 8, 0, 0, 0, london), stageDue, 0, loan.DueAt, time.Date(2026, 1, 10, 8, 0, 0, 0, london)},
		{time.Date(2026, 1, 10, 8, 0, 0, 0, london), stageOverdue, 1, time.Date(2026, 1, 12, 7, 0, 0, 0, london), time.Date(2026, 1, 12, 8, 0, 0, 0, london)},
		{time.Date(2026, 1, 12, 8, 0, 0, 0, london), stageOverdue, 2, time.Date(2026, 1, 14, 7, 0, 0, 0, london), time.Date(2026, 1, 14, 8, 0, 0, 0, london)},
	}
	for _, s := range steps {
		stage, n, nominal := f.nextStage(loan, s.after)
		if stage != s.stage || n != s.n || !nominal.Equal(s.nominal) || !f.quiet.NextAllowed(nominal).Equal(s.at) {
			t.Errorf("after %v: got %s %d at %v (sent %v); want %s %d at %v (sent %v)", s.after, stage, n, nominal,
				f.quiet.NextAllowed(nominal), s.stage, s.n, s.nominal, s.at)
		}
	}
	short := Loan{LentAt: mon, DueAt: mon.Add(24 * time.Hour)}
	if stage, _, _ := f.nextStage(short, mon); stage != stageDue {
		t.Errorf("one-day loan: first stage %s, want due", stage)
	}
}

func TestErrandSummaryTime(t *testing.T) {
	f := &Feature{cfg: DefaultConfig(), loc: london, quiet: bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: london}}
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 1, day, hh, mm, 0, 0, london) }
	cases := []struct{ start, now, want time.Time }{
		{at(10, 10, 0), mon, at(10, 9, 0)},       // an hour before
		{at(10, 8, 30), mon, at(10, 8, 0)},       // 07:30 is quiet: at 08:00, still before the start
		{at(10, 7, 30), mon, at(9, 20, 59)},      // 06:30 is quiet and it starts before 08:00: the evening before
		{at(5, 9, 40), mon, at(5, 9, 20)},        // short notice: halfway
		{at(6, 7, 0), at(5, 23, 0), at(6, 3, 0)}, // offered in the night for the early morning: halfway
	}
	for _, c := range cases {
		if got := f.summaryAt(c.start, c.now); !got.Equal(c.want) {
			t.Errorf("summaryAt(start %v, now %v) = %v, want %v", c.start, c.now, got, c.want)
		}
	}
}

// TestLocatePeriod: the period is found in any position, the rest is the
// item, and what looks like a period but is not one is a question naming
// what was not understood (and a guess, where there is one).
func TestLocatePeriod(t *testing.T) {
	due := bot.TimeOfDay(18 * 60)
	cases := []struct {
		in, item, period string
		question         string // a substring of the question; "" for none
	}{
		{"ladder for 3d", "ladder", "for 3d", ""},
		{"ladder 3d", "ladder", "3d", ""},
		{"ladder 3 days", "ladder", "3 days", ""},
		{"3 days ladder", "ladder", "3 days", ""},
		{"2 weeks step ladder", "step ladder", "2 weeks", ""},
		{"ladder a fortnight", "ladder", "a fortnight", ""},
		{"ladder for 3 days please", "ladder please", "for 3 days", ""},
		{"ladder tomorrow", "ladder", "tomorrow", ""},
		{"hedge trimmer until next week", "hedge trimmer", "until next week", ""},
		{"hedge trimmer until sat 10 jan at 10am", "hedge trimmer", "until sat 10 jan at 10am", ""},
		{"drill by Friday", "drill", "by Friday", ""},
		{"drill Friday", "drill", "Friday", ""},
		{"ladder", "ladder", "", ""},
		{"sat nav", "sat nav", "", ""},               // a bare date only at the end
		{"drill by bosch", "drill by bosch", "", ""}, // "by" with no date
		{"2m ladder", "2m ladder", "", ""},
		{"3 step ladder", "3 step ladder", "", ""},
		{"ladder 3 dayz", "", "", `"3 dayz" as a loan period — did you mean for 3 days?`},
		{"ladder 2 wekks", "", "", "did you mean for 2 weeks?"},
		{"ladder until satruday", "", "", "did you mean until Saturday?"},
		{"ladder tomorow", "", "", "did you mean until tomorrow?"},
		{"ladder for ages", "", "", `"for ages" as a loan period — try`},
		{"ladder for a fortnight and a bit", "", "", `"for a fortnight and a bit"`},
		{"ladder 3 days or so", "", "", `"3 days or so"`},
		{"ladder a few days", "", "", `"a few days"`},
		{"ladder 3", "", "", "did you mean for 3 days?"},
		{"ladder 2m", "", "", `"2m"`},
		{"ladder next tuesdy", "", "", `"next tuesdy"`},
		{"ladder frday", "", "", "did you mean until Friday?"},
		{"ladder Mona", "ladder Mona", "", ""}, // a name typed without the @
		{"day bag", "day bag", "", ""},
		{"two weeks drill", "drill", "two weeks", ""},
		{"ladder Fred", "ladder Fred", "", ""},
	}
	for _, c := range cases {
		item, period, err := locatePeriod(strings.Fields(c.in), mon, london, due)
		if c.question != "" {
			if err == nil || !strings.Contains(err.Error(), c.question) {
				t.Errorf("locatePeriod(%q) = %q, %q, %v; want a question with %q", c.in, item, period, err, c.question)
			}
			continue
		}
		if err != nil || strings.Join(item, " ") != c.item || strings.Join(period, " ") != c.period {
			t.Errorf("locatePeriod(%q) = %q, %q, %v; want %q, %q", c.in, item, period, err, c.item, c.period)
		}
	}
}
