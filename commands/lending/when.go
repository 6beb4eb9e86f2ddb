package lending

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Dates and times as people type them in a chat: "Saturday", "sat",
// "tomorrow", "12 Jan", "Jan 12th", "12/1", "10am", "18:30", "noon".
// Dates are read in the bot's time zone and day-first, as in the UK.

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "weds": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

var months = map[string]time.Month{
	"jan": time.January, "january": time.January, "feb": time.February, "february": time.February,
	"mar": time.March, "march": time.March, "apr": time.April, "april": time.April, "may": time.May,
	"jun": time.June, "june": time.June, "jul": time.July, "july": time.July,
	"aug": time.August, "august": time.August, "sep": time.September, "sept": time.September,
	"september": time.September, "oct": time.October, "october": time.October,
	"nov": time.November, "november": time.November, "dec": time.December, "december": time.December,
}

// whenFiller are words allowed around a date or time: "on Saturday at 10am".
var whenFiller = map[string]bool{"on": true, "at": true, "this": true, "the": true, "by": true, "from": true, "next": true}

var errNoWhen = errors.New("no date or time")

// dayParts are the parts of a day people name instead of a time: the
// evening is the default time (-1), the others a time of their own.
var dayParts = map[string]bot.TimeOfDay{
	"night": -1, "evening": -1, "eve": -1, "nite": -1,
	"morning": 10 * 60, "lunchtime": 12 * 60, "afternoon": 14 * 60,
}

// parseWhen reads a date and/or time of day in words. A date without a time
// gets defaultTime (required: when nil, a time must be given); a time
// without a date means the next time the clock shows it. The result is
// after now.
func parseWhen(words []string, now time.Time, loc *time.Location, defaultTime *bot.TimeOfDay) (time.Time, error) {
	var toks []string
	for _, w := range words {
		w = strings.ToLower(strings.Trim(w, ",.!?"))
		if w != "" && !whenFiller[w] {
			toks = append(toks, w)
		}
	}
	if len(toks) == 0 {
		return time.Time{}, errNoWhen
	}
	var tod, partTod *bot.TimeOfDay
	var dayToks []string
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if i+1 < len(toks) && (toks[i+1] == "am" || toks[i+1] == "pm") {
			t += toks[i+1]
			i++
		}
		if part, ok := dayParts[t]; ok {
			// "tomorrow night" is the usual time; "Sat morning" its own.
			if part >= 0 {
				v := part
				partTod = &v
			}
			continue
		}
		if v, ok := parseClock(t); ok {
			if tod != nil {
				return time.Time{}, errNoWhen
			}
			tod = &v
			continue
		}
		dayToks = append(dayToks, t)
	}
	if tod == nil {
		tod = partTod
	}
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	if len(dayToks) == 0 {
		if tod == nil {
			return time.Time{}, errNoWhen
		}
		at := tod.On(today, loc)
		if !at.After(now) {
			at = tod.On(today.AddDate(0, 0, 1), loc)
		}
		return at, nil
	}
	day, ok := parseDay(dayToks, today)
	if !ok {
		return time.Time{}, errNoWhen
	}
	if tod == nil {
		if defaultTime == nil {
			return time.Time{}, errNeedTime
		}
		tod = defaultTime
	}
	at := tod.On(day, loc)
	if !at.After(now) {
		return at, errPast
	}
	return at, nil
}

var (
	errNeedTime = errors.New("needs a time of day")
	errPast     = errors.New("already past")
)

// parseClock reads "10am", "10:30", "6.30pm", "noon", "midday".
func parseClock(s string) (bot.TimeOfDay, bool) {
	switch s {
	case "noon", "midday":
		return 12 * 60, true
	}
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	v, err := bot.ParseTimeOfDay(s)
	return v, err == nil
}

// parseDay reads a date; today is local midnight. Weekdays mean the next
// such day (never today); dates without a year mean the next such date.
func parseDay(toks []string, today time.Time) (time.Time, bool) {
	loc := today.Location()
	switch len(toks) {
	case 1:
		t := toks[0]
		switch t {
		case "today", "tonight":
			return today, true
		case "tomorrow", "tmrw", "tmw", "tomoz":
			return today.AddDate(0, 0, 1), true
		}
		if wd, ok := weekdays[t]; ok {
			ahead := (int(wd) - int(today.Weekday()) + 7) % 7
			if ahead == 0 {
				ahead = 7
			}
			return today.AddDate(0, 0, ahead), true
		}
		return parseNumericDate(t, today)
	case 2, 3:
		// "12 jan", "12th january", "jan 12", "sat 10 jan", "12 jan 2026".
		if _, ok := weekdays[toks[0]]; ok && len(toks) >= 3 || ok && len(toks) == 2 && isDayNumber(toks[1]) {
			return parseDay(toks[1:], today)
		}
		var dayTok, monTok, yearTok string
		switch {
		case months[toks[0]] != 0:
			monTok, dayTok = toks[0], toks[1]
		case len(toks) >= 2 && months[toks[1]] != 0:
			dayTok, monTok = toks[0], toks[1]
		default:
			return time.Time{}, false
		}
		if len(toks) == 3 {
			yearTok = toks[2]
		}
		d, ok := dayNumber(dayTok)
		if !ok {
			return time.Time{}, false
		}
		year := 0
		if yearTok != "" {
			y, err := strconv.Atoi(yearTok)
			if err != nil || y < 2000 || y > 2100 {
				return time.Time{}, false
			}
			year = y
		}
		return buildDate(year, months[monTok], d, today, loc)
	}
	return time.Time{}, false
}

func isDayNumber(s string) bool { _, ok := dayNumber(s); return ok }

// dayNumber reads "12", "12th", "1st".
func dayNumber(s string) (int, bool) {
	s = strings.TrimRight(s, "stndrh")
	d, err := strconv.Atoi(s)
	if err != nil || d < 1 || d > 31 {
		return 0, false
	}
	return d, true
}

// parseNumericDate reads "12/1", "12/01/2026", "2026-01-12".
func parseNumericDate(s string, today time.Time) (time.Time, bool) {
	if t, err := time.ParseInLocation("2006-01-02", s, today.Location()); err == nil {
		return t, true
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 {
		return time.Time{}, false
	}
	d, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	year := 0
	if len(parts) == 3 {
		y, err := strconv.Atoi(parts[2])
		if err != nil {
			return time.Time{}, false
		}
		if y < 100 {
			y += 2000
		}
		if y < 2000 || y > 2100 {
			return time.Time{}, false
		}
		year = y
	}
	return buildDate(year, time.Month(m), d, today, today.Location())
}

// buildDate makes a date, refusing 31 February; without a year it is the
// next such date from today.
func buildDate(year int, m time.Month, d int, today time.Time, loc *time.Location) (time.Time, bool) {
	y := year
	if y == 0 {
		y = today.Year()
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if t.Day() != d {
		return time.Time{}, false
	}
	if year == 0 && t.Before(today) {
		t = time.Date(y+1, m, d, 0, 0, 0, 0, loc)
	}
	return t, true
}

// dueAfter is when a loan of length d made at now is due: whole days land
// on that day at dueTime ("for 3d" on Monday = Thursday evening), shorter
// periods are exact.
func dueAfter(now time.Time, d time.Duration, loc *time.Location, dueTime bot.TimeOfDay) time.Time {
	if d%(24*time.Hour) != 0 {
		return now.Add(d)
	}
	day := now.In(loc).AddDate(0, 0, int(d/(24*time.Hour)))
	return dueTime.On(day, loc)
}

// periodError is the one-line reply for a loan period that does not parse.
func periodError(text string) error {
	return bot.Userf("I can't read %q as a loan period — try for 3d, for 2 weeks, until Saturday or until 12 Jan.", bot.Truncate(text, 40))
}

// formatDay writes "Sat 10 Jan".
func formatDay(t time.Time, loc *time.Location) string { return t.In(loc).Format("Mon 2 Jan") }

// formatWhen writes "Sat 10 Jan 10:00".
func formatWhen(t time.Time, loc *time.Location) string { return t.In(loc).Format("Mon 2 Jan 15:04") }

// formatDue writes a due date, with the time only when it is not the usual one.
func formatDue(t time.Time, loc *time.Location, dueTime bot.TimeOfDay) string {
	lt := t.In(loc)
	if bot.TimeOfDay(lt.Hour()*60+lt.Minute()) == dueTime {
		return formatDay(t, loc)
	}
	return formatWhen(t, loc)
}
