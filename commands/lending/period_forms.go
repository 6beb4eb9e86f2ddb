package lending

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Periods as people in Britain and Wales say them, beyond a plain length or
// date: "end of the month", "Friday week" / "a week on Friday", "next
// weekend", "the 14th", "in a fortnight", and the Welsh forms ("tan ddydd
// Gwener", "am wythnos", "erbyn yfory"). Welsh words are read by turning
// them into the English ones the rest of the parser knows, mutations
// included (dydd → ddydd, Gwener → Wener, pythefnos → bythefnos).

// welshWords are single Welsh words and their English readings.
var welshWords = map[string]string{
	"tan": "until", "hyd": "until", "erbyn": "by",
	"yfory": "tomorrow", "fory": "tomorrow", "heddiw": "today", "heno": "tonight",
	"wythnos": "week", "wythnosau": "weeks", "pythefnos": "fortnight", "bythefnos": "fortnight",
	"diwrnod": "day", "ddiwrnod": "day", "niwrnod": "day", "diwrnodau": "days", "dyddiau": "days", "ddyddiau": "days",
	"mis": "month", "fis": "month", "misoedd": "months", "penwythnos": "weekend", "y": "the", "yr": "the",
	"un": "one", "dau": "two", "ddau": "two", "dwy": "two", "ddwy": "two", "tri": "three", "dri": "three",
	"tair": "three", "dair": "three", "pedwar": "four", "bedwar": "four", "pump": "five", "bump": "five",
	"chwech": "six", "saith": "seven", "wyth": "eight", "naw": "nine", "deg": "ten", "ddeg": "ten",
}

// welshDays are the Welsh day names, radical and mutated; "mawrth" is also
// March, so it is a day only after "dydd" or "nos".
var welshDays = map[string]string{
	"llun": "monday", "mawrth": "tuesday", "fawrth": "tuesday", "mercher": "wednesday", "fercher": "wednesday",
	"iau": "thursday", "gwener": "friday", "wener": "friday", "sadwrn": "saturday", "sul": "sunday",
}

// welshDayWords come before a day name: "dydd Gwener", "nos Wener".
var welshDayWords = map[string]bool{"dydd": true, "ddydd": true, "nos": true}

// translateWelsh reads Welsh period words as English, leaving other words
// alone. "am" (for) counts only as the first word, so "10 am" stays a time.
func translateWelsh(toks []string) []string {
	out := make([]string, 0, len(toks))
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t == "am" && i == 0 && len(toks) > 1:
			out = append(out, "for")
		case welshDayWords[t] && i+1 < len(toks) && welshDays[toks[i+1]] != "":
			if i+2 < len(toks) && (toks[i+2] == "nesaf" || toks[i+2] == "nesa") {
				// "dydd Gwener nesaf": next Friday.
				out = append(out, "next", welshDays[toks[i+1]])
				i += 2
				continue
			}
			out = append(out, welshDays[toks[i+1]])
			i++
		case welshDays[t] != "" && t != "mawrth" && t != "fawrth":
			out = append(out, welshDays[t])
		case (t == "diwedd" || t == "ddiwedd") && i+2 < len(toks) && toks[i+1] == "y":
			// "diwedd y mis", "diwedd yr wythnos"
			out = append(out, "end", "of", "the", welshWordOr(toks[i+2]))
			i += 2
		case (t == "diwedd" || t == "ddiwedd") && i+2 < len(toks) && toks[i+1] == "yr":
			out = append(out, "end", "of", "the", welshWordOr(toks[i+2]))
			i += 2
		case i+1 < len(toks) && (toks[i+1] == "nesaf" || toks[i+1] == "nesa"):
			// "wythnos nesaf", "dydd Gwener nesaf": next comes after.
			out = append(out, "next", welshWordOr(t))
			i++
		default:
			out = append(out, welshWordOr(t))
		}
	}
	return out
}

func welshWordOr(t string) string {
	if e, ok := welshWords[t]; ok {
		return e
	}
	return t
}

// periodReading is a period read as a date, with a note for the reply when
// the words could have meant another date ("next Friday" on a Thursday).
type periodReading struct {
	at   time.Time
	note string
}

// parseSpoken reads the spoken forms above (toks already tidied, without
// "until"); ok is false for anything else, which the caller reads as a
// plain date.
func parseSpoken(toks []string, now time.Time, loc *time.Location, dueTime bot.TimeOfDay) (periodReading, bool) {
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	toks = dropLeading(toks, "the", "this", "on")
	phrase := strings.Join(toks, " ")
	on := func(day time.Time) time.Time { return dueTime.On(day, loc) }
	switch phrase {
	case "end of the month", "end of month", "month end", "the month end", "end of this month":
		end := time.Date(today.Year(), today.Month()+1, 0, 0, 0, 0, 0, loc)
		if !on(end).After(now) {
			end = time.Date(today.Year(), today.Month()+2, 0, 0, 0, 0, 0, loc)
		}
		return periodReading{at: on(end)}, true
	case "end of next month", "end of the next month":
		return periodReading{at: on(time.Date(today.Year(), today.Month()+2, 0, 0, 0, 0, 0, loc))}, true
	case "next weekend", "weekend after next":
		sunday := today.AddDate(0, 0, (7-int(today.Weekday()))%7)
		at := on(sunday.AddDate(0, 0, 7))
		if phrase == "weekend after next" {
			return periodReading{at: on(sunday.AddDate(0, 0, 14))}, true
		}
		return periodReading{at: at, note: fmt.Sprintf("next weekend: I've taken that as %s, not this weekend", formatDay(at, loc))}, true
	}
	if r, ok := weekOn(toks, today, on); ok {
		return r, true
	}
	if r, ok := nextWeekday(toks, today, on, loc); ok {
		return r, true
	}
	if len(toks) == 1 {
		if d, ok := ordinalDay(toks[0], today); ok {
			return periodReading{at: on(d)}, true
		}
	}
	return periodReading{}, false
}

func dropLeading(toks []string, words ...string) []string {
	for len(toks) > 0 && slices.Contains(words, toks[0]) {
		toks = toks[1:]
	}
	return toks
}

// weekOn reads "Friday week", "a week on Friday", "a week Friday",
// "tomorrow week", "a week tomorrow", "a week today": the day, a week on.
func weekOn(toks []string, today time.Time, on func(time.Time) time.Time) (periodReading, bool) {
	var day string
	switch {
	case len(toks) == 2 && toks[1] == "week":
		day = toks[0]
	case len(toks) >= 3 && toks[0] == "a" && toks[1] == "week":
		rest := toks[2:]
		if rest[0] == "on" || rest[0] == "from" {
			rest = rest[1:]
		}
		if len(rest) != 1 {
			return periodReading{}, false
		}
		day = rest[0]
	default:
		return periodReading{}, false
	}
	var d time.Time
	switch day {
	case "today":
		d = today
	case "tomorrow", "tmrw", "tomoz":
		d = today.AddDate(0, 0, 1)
	default:
		wd, ok := weekdays[day]
		if !ok {
			return periodReading{}, false
		}
		d = today.AddDate(0, 0, daysAhead(today, wd))
	}
	return periodReading{at: on(d.AddDate(0, 0, 7))}, true
}

// daysAhead is how many days until the next such weekday, never today.
func daysAhead(today time.Time, wd time.Weekday) int {
	ahead := (int(wd) - int(today.Weekday()) + 7) % 7
	if ahead == 0 {
		ahead = 7
	}
	return ahead
}

// nextWeekday reads "next Friday" as the Friday of next week (weeks run
// Monday to Sunday), and a bare weekday that is today ("Friday" on a
// Friday) as a week today. Either could have meant another date, so the
// reading carries a note naming the date chosen and the one not.
func nextWeekday(toks []string, today time.Time, on func(time.Time) time.Time, loc *time.Location) (periodReading, bool) {
	if len(toks) == 1 {
		wd, ok := weekdays[toks[0]]
		if !ok || wd != today.Weekday() {
			return periodReading{}, false
		}
		at := on(today.AddDate(0, 0, 7))
		return periodReading{at: at, note: fmt.Sprintf("%s: I've taken that as %s, a week today", capitalise(toks[0]), formatDay(at, loc))}, true
	}
	if len(toks) < 2 || toks[0] != "next" {
		return periodReading{}, false
	}
	wd, ok := weekdays[toks[1]]
	if !ok {
		return periodReading{}, false
	}
	if len(toks) > 2 {
		// "next Friday 10am", "next Friday at 6pm".
		tod, ok := clockOf(toks[2:])
		if !ok {
			return periodReading{}, false
		}
		on = func(day time.Time) time.Time { return tod.On(day, loc) }
	}
	coming := today.AddDate(0, 0, daysAhead(today, wd))
	chosen, other := coming, coming.AddDate(0, 0, 7)
	if mondayWeek(coming) == mondayWeek(today) {
		chosen, other = other, coming
	}
	at := on(chosen)
	otherName := formatDay(other, loc)
	if other.Equal(today.AddDate(0, 0, 1)) {
		otherName = "tomorrow"
	}
	return periodReading{at: at, note: fmt.Sprintf("next %s: I've taken that as %s, not %s", capitalise(fullDay(wd)), formatDay(at, loc), otherName)}, true
}

// mondayWeek is the Monday that starts d's week.
func mondayWeek(d time.Time) time.Time {
	back := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -back)
}

func fullDay(wd time.Weekday) string { return strings.ToLower(wd.String()) }

// ordinalDay reads "14th", "1st", "22nd": the next day of that number,
// this month if it is still to come, else the next month that has one.
func ordinalDay(t string, today time.Time) (time.Time, bool) {
	if len(t) < 3 {
		return time.Time{}, false
	}
	suffix := t[len(t)-2:]
	if suffix != "st" && suffix != "nd" && suffix != "rd" && suffix != "th" {
		return time.Time{}, false
	}
	d, ok := dayNumber(t)
	if !ok {
		return time.Time{}, false
	}
	for m := 0; m < 3; m++ {
		c := time.Date(today.Year(), today.Month()+time.Month(m), d, 0, 0, 0, 0, today.Location())
		if c.Day() == d && c.After(today) {
			return c, true
		}
	}
	return time.Time{}, false
}

// clockOf reads a time of day alone: "10am", "at 6 pm", "18:30".
func clockOf(toks []string) (bot.TimeOfDay, bool) {
	toks = dropLeading(toks, "at")
	t := strings.Join(toks, "")
	if len(toks) == 0 || len(toks) > 2 {
		return 0, false
	}
	return parseClock(t)
}
