package lending

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Loan periods as people type them after !lent and !extend, in any
// position: "for 3d", "3 days", "two weeks", "a fortnight", "another
// week", "until Saturday", "by Friday", "tomorrow", "next week", "12 Jan".
// Anything that looks like a period but is not understood ("3 dayz",
// "for ages", "satruday") is a question to the sender, never a silent
// default.

// periodKeywords start a period.
var periodKeywords = map[string]bool{"for": true, "in": true, "over": true, "overnight": true, "until": true, "till": true, "til": true, "untill": true, "by": true, "another": true}

// untilWords start a date: "until Saturday".
var untilWords = map[string]bool{"until": true, "till": true, "til": true, "untill": true}

// numberWords are the quantities people spell out.
var numberWords = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2,
}

// periodUnits are the units of a loan's length, in days (months are
// calendar months, marked by -1; hours by 0).
var periodUnits = map[string]int{
	"day": 1, "days": 1, "night": 1, "nights": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7,
	"fortnight": 14, "fortnights": 14, "month": -1, "months": -1, "hour": 0, "hours": 0, "hr": 0, "hrs": 0,
}

// periodToken tidies a word for reading a period.
func periodToken(w string) string {
	return strings.ToLower(strings.Trim(w, ",.!?;:()[]\"'“”"))
}

// periodTokens tidies the words of a period, Welsh read as English.
func periodTokens(words []string) []string {
	var toks []string
	for _, w := range words {
		if t := periodToken(w); t != "" {
			toks = append(toks, t)
		}
	}
	return translateWelsh(toks)
}

// startsWithQuantity says whether a word is a number: "3", "3d", "two".
func startsWithQuantity(w string) bool {
	if _, ok := numberWords[w]; ok && w != "a" && w != "an" {
		return true
	}
	return w != "" && w[0] >= '0' && w[0] <= '9'
}

func isUnit(w string) bool { _, ok := periodUnits[w]; return ok }

// loanLength is a length of time: a duration, or calendar months.
type loanLength struct {
	d      time.Duration
	months int
}

// parseLength reads a length: "3d", "3 days", "2 weeks", "two weeks", "a
// fortnight", "fortnight", "a couple of days", "36h", "a month".
func parseLength(toks []string) (loanLength, bool) {
	if len(toks) == 0 {
		return loanLength{}, false
	}
	if d, err := bot.ParseDuration(strings.Join(toks, "")); err == nil {
		return loanLength{d: d}, true
	}
	n := 1
	rest := toks
	if len(rest) > 1 {
		if v, ok := numberWords[rest[0]]; ok {
			n, rest = v, rest[1:]
		} else if v, err := strconv.Atoi(rest[0]); err == nil && v > 0 && v < 1000 {
			n, rest = v, rest[1:]
		}
		if len(rest) > 1 && rest[0] == "couple" {
			n, rest = 2, rest[1:]
		}
		if len(rest) > 1 && rest[0] == "of" {
			rest = rest[1:]
		}
	}
	if len(rest) != 1 || len(rest) == len(toks) && strings.HasSuffix(rest[0], "s") {
		// "days" alone is no length; "a few days" is not one either.
		return loanLength{}, false
	}
	unit, ok := periodUnits[rest[0]]
	switch {
	case !ok:
		return loanLength{}, false
	case unit < 0:
		return loanLength{months: n}, true
	case unit == 0:
		return loanLength{d: time.Duration(n) * time.Hour}, true
	}
	return loanLength{d: time.Duration(n*unit) * 24 * time.Hour}, true
}

// parseUntil reads a day (and maybe a time) a loan runs to: everything
// parseWhen reads, plus "next week", "next month", "the weekend" and the
// spoken forms of parseSpoken.
func parseUntil(toks []string, now time.Time, loc *time.Location, dueTime bot.TimeOfDay) (periodReading, error) {
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	phrase := strings.Join(toks, " ")
	switch strings.TrimPrefix(strings.TrimPrefix(phrase, "the "), "this ") {
	case "next week":
		return periodReading{at: dueTime.On(today.AddDate(0, 0, 7), loc)}, nil
	case "next month":
		return periodReading{at: dueTime.On(today.AddDate(0, 1, 0), loc)}, nil
	case "weekend", "end of the week", "end of week":
		ahead := (7 - int(today.Weekday())) % 7
		if ahead == 0 {
			ahead = 7
		}
		return periodReading{at: dueTime.On(today.AddDate(0, 0, ahead), loc)}, nil
	}
	if r, ok := parseSpoken(toks, now, loc, dueTime); ok {
		if !r.at.After(now) {
			return r, errPast
		}
		return r, nil
	}
	at, err := parseWhen(toks, now, loc, &dueTime)
	return periodReading{at: at}, err
}

// parsePeriod reads a loan period (the whole of words): "for 3d", "for 2
// weeks", "3d", "another week", "until Saturday", "by Friday", "till 12 Jan
// 10am", "tomorrow", "next week", "in a fortnight", "end of the month",
// "tan ddydd Gwener". A length counts from base; a date is checked against
// now. It is the parser's stable entry point.
func parsePeriod(words []string, now, base time.Time, loc *time.Location, dueTime bot.TimeOfDay) (time.Time, error) {
	r, err := readPeriodWords(words, now, base, loc, dueTime)
	return r.at, err
}

// readPeriodWords is parsePeriod with the note that says which date an
// ambiguous period was taken as.
func readPeriodWords(words []string, now, base time.Time, loc *time.Location, dueTime bot.TimeOfDay) (periodReading, error) {
	toks := periodTokens(words)
	if len(toks) == 0 {
		return periodReading{}, errNoWhen
	}
	switch {
	case untilWords[toks[0]]:
		return parseUntil(toks[1:], now, loc, dueTime)
	case toks[0] == "by":
		// "by Friday" is a date, "by 3 days" (for !extend) a length.
		if r, err := parseUntil(toks[1:], now, loc, dueTime); err == nil || errors.Is(err, errPast) {
			return r, err
		}
		toks = toks[1:]
	case toks[0] == "for" || toks[0] == "another" || toks[0] == "in":
		kw := toks[0]
		toks = toks[1:]
		if len(toks) > 0 && toks[0] == "another" {
			toks = toks[1:]
		}
		if l, ok := parseLength(toks); ok {
			return periodReading{at: l.after(base, loc, dueTime)}, nil
		}
		if kw == "for" {
			return forSpan(toks, now, loc, dueTime)
		}
		return periodReading{}, errNoWhen
	case toks[0] == "over" || toks[0] == "overnight":
		return forSpan(toks, now, loc, dueTime)
	}
	if l, ok := parseLength(toks); ok {
		return periodReading{at: l.after(base, loc, dueTime)}, nil
	}
	return parseUntil(toks, now, loc, dueTime)
}

// forSpan reads a stretch of time named rather than measured: "for the
// weekend" and "over the weekend" (until Sunday), "for tonight", "for
// today" and "for the day" (this evening), "for the week" (a week),
// "overnight" and "for the night" (tomorrow morning, 10:00).
func forSpan(toks []string, now time.Time, loc *time.Location, dueTime bot.TimeOfDay) (periodReading, error) {
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	var at time.Time
	switch strings.Join(dropLeading(toks, "over", "the", "this"), " ") {
	case "weekend":
		return parseUntil([]string{"weekend"}, now, loc, dueTime)
	case "tonight", "today", "day", "evening":
		at = dueTime.On(today, loc)
	case "week":
		at = dueTime.On(today.AddDate(0, 0, 7), loc)
	case "overnight", "night":
		at = bot.TimeOfDay(10*60).On(today.AddDate(0, 0, 1), loc)
	default:
		return periodReading{}, errNoWhen
	}
	if !at.After(now) {
		return periodReading{at: at}, errPast
	}
	return periodReading{at: at}, nil
}

func (l loanLength) after(base time.Time, loc *time.Location, dueTime bot.TimeOfDay) time.Time {
	if l.months > 0 {
		return dueTime.On(base.In(loc).AddDate(0, l.months, 0), loc)
	}
	return dueAfter(base, l.d, loc, dueTime)
}

// vagueTail are words that make the period before them vague.
var vagueTail = map[string]bool{"and": true, "or": true, "plus": true, "ish": true, "maybe": true, "roughly": true, "give": true}

// maxPeriodWords bounds a period phrase: "until sat 10 jan at 10am".
const maxPeriodWords = 7

// locatePeriod finds the loan period among the words of !lent or !extend
// (mentions already taken out), wherever it stands: "ladder for 3d", "3d
// ladder", "ladder tomorrow", "ladder until next week". It returns the
// other words (the item) and the period's words, nil when there is none.
// A period without a keyword must stand at the start or the end, and a
// bare date ("sat") only at the end, so "sat nav" stays an item. Words
// that look like a period but do not read as one get a question as a
// user error.
func locatePeriod(words []string, now time.Time, loc *time.Location, dueTime bot.TimeOfDay) (item, period []string, err error) {
	sp := findPeriod(words, now, loc, dueTime)
	if sp.odd != "" {
		return nil, nil, periodQuestion(sp.odd, sp.guess)
	}
	return sp.item, sp.period, nil
}

// periodSpan is what findPeriod found: the item's words and the period's
// (nil when there is none), or the words that look like a period but do
// not read as one (odd), with the item left when they are taken out.
type periodSpan struct {
	item, period []string
	odd, guess   string
}

// findPeriod is locatePeriod without the question, so that !lent can ask
// it and wait for the answer.
func findPeriod(words []string, now time.Time, loc *time.Location, dueTime bot.TimeOfDay) periodSpan {
	bi, bj := bestPeriod(words, now, loc, dueTime)
	if bi >= 0 && bj < len(words) && vagueTail[periodToken(words[bj])] {
		// "for a fortnight and a bit", "3 days or so": not one date.
		return periodSpan{item: words[:bi], odd: strings.Join(words[bi:], " ")}
	}
	rest := words
	if bi >= 0 {
		rest = append(append([]string{}, words[:bi]...), words[bj:]...)
	}
	// Words left that still look like a period ("ladder till end of teh
	// month" where only "month" read) are asked about, never dropped.
	if from, to, guess := oddPeriod(rest); from >= 0 {
		if f, t, g := oddPeriod(words); bi >= 0 && f >= 0 {
			// The odd words and the period read are one phrase.
			rest, from, to, guess = words, f, t, g
		}
		item := append(append([]string{}, rest[:from]...), rest[to:]...)
		return periodSpan{item: item, odd: strings.Join(rest[from:to], " "), guess: guess}
	}
	if bi >= 0 {
		return periodSpan{item: rest, period: words[bi:bj]}
	}
	return periodSpan{item: words}
}

// bestPeriod finds the longest run of words that reads as a period where
// a period may stand, or -1, -1.
func bestPeriod(words []string, now time.Time, loc *time.Location, dueTime bot.TimeOfDay) (int, int) {
	n := len(words)
	bi, bj := -1, -1
	for i := 0; i < n; i++ {
		for j := min(n, i+maxPeriodWords); j > i && j-i > bj-bi; j-- {
			if !mayStand(words, i, j) {
				continue
			}
			if _, err := parsePeriod(words[i:j], now, now, loc, dueTime); err == nil || errors.Is(err, errPast) {
				bi, bj = i, j
				break
			}
		}
	}
	return bi, bj
}

// mayStand says whether words[i:j] may be a period where it stands: with a
// keyword anywhere; without one only at the start or the end, and a bare
// date only at the end, so "sat nav" stays an item.
func mayStand(words []string, i, j int) bool {
	n := len(words)
	toks := periodTokens(words[i:j])
	if len(toks) == 0 {
		return false
	}
	if periodKeywords[toks[0]] {
		return true
	}
	if i != 0 && j != n {
		return false
	}
	if j != n && !startsWithQuantity(toks[0]) {
		return false // "day bag" is a bag; "3 days ladder" a period
	}
	if l, ok := parseLength(toks); ok {
		// A bare "2m" is more likely metres or a slip than a two-minute
		// loan: it is asked about.
		return l.months != 0 || l.d >= time.Hour
	}
	return j == n
}

// periodQuestion asks about a period that was not understood.
func periodQuestion(text, guess string) error {
	if guess == "" {
		return periodError(text)
	}
	return bot.Userf("I can't read %q as a loan period — did you mean %s? Type it again with for 3d, for 2 weeks, until Saturday or until 12 Jan.", bot.Truncate(text, 40), guess)
}

// nearUnits and nearDays are the words a misspelt period is near.
var nearUnits = []string{"days", "weeks", "fortnight", "months", "hours", "nights"}

var nearDays = []string{"tomorrow", "today", "tonight", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekend", "fortnight"}

// near says whether w is a slip for one of the words: the same first
// letter and one or two edits, scaled to the length.
func near(w string, words []string) string {
	if len(w) < 3 {
		return ""
	}
	for _, c := range words {
		allow := 1
		if len(w) >= 7 {
			allow = 2
		}
		if w[0] == c[0] && w != c && bot.Levenshtein(w, c) <= allow {
			return c
		}
		if len(w) >= 4 && strings.HasPrefix(c, w) {
			return c // "fortn", "satur"
		}
	}
	return ""
}

// periodLike finds words that look like a period but do not read as one,
// and a guess at what was meant ("" when there is none). Only called on
// words where no period was found.
func periodLike(words []string) (text, guess string) {
	from, to, guess := oddPeriod(words)
	if from < 0 {
		return "", ""
	}
	return strings.Join(words[from:to], " "), guess
}

// oddPeriod is periodLike with the odd words' place: words[from:to], from
// -1 when there are none.
func oddPeriod(words []string) (from, to int, guess string) {
	toks := make([]string, len(words))
	for i, w := range words {
		toks[i] = periodToken(w)
	}
	n := len(toks)
	for i, t := range toks {
		quantity, isNumber := numberWords[t], false
		if v, err := strconv.Atoi(t); err == nil && v > 0 {
			quantity, isNumber = v, true
		}
		if t == "few" || t == "several" || t == "couple" {
			quantity = -1
		}
		switch {
		case untilWords[t] && i+1 < n:
			return i, n, dayGuess("until", toks[i+1:])
		case t == "for" && i+1 < n && i > 0:
			return i, n, lengthGuess("for", toks[i+1:])
		case t == "for" && i+1 < n:
			if g := lengthGuess("for", toks[i+1:]); g != "" {
				return i, min(n, i+3), g
			}
		case quantity != 0 && i+1 < n && (isUnit(toks[i+1]) || near(toks[i+1], nearUnits) != ""):
			if _, ok := parseLength(toks[i : i+2]); ok {
				// Read, but not alone: "3 days or so" in mid-sentence.
				return i, n, ""
			}
			if quantity < 0 {
				from := i
				if i > 0 && toks[i-1] == "a" {
					from-- // "a few days"
				}
				return from, i + 2, ""
			}
			return i, i + 2, lengthGuess("for", toks[i:i+2])
		case isNumber && i == n-1:
			return i, i + 1, fmt.Sprintf("for %d days", quantity)
		}
		// "3dayz", "2m" typed as one word.
		if digits := strings.TrimRight(t, "abcdefghijklmnopqrstuvwxyz"); digits != "" && digits != t && i == n-1 {
			if v, err := strconv.Atoi(digits); err == nil && v > 0 {
				unit := t[len(digits):]
				if isUnit(unit) || near(unit, nearUnits) != "" || unit == "m" || unit == "min" || unit == "mins" || unit == "s" {
					return i, i + 1, fmt.Sprintf("for %d days", v)
				}
			}
		}
	}
	if n > 0 {
		last := toks[n-1]
		if n > 1 && toks[n-2] == "next" {
			return n - 2, n, dayGuess("until next", toks[n-1:])
		}
		// Only longer words: "Mona" typed for @Mona is a name, not Monday.
		if _, isDay := weekdays[last]; !isDay && len(last) >= 5 && near(last, nearDays) != "" {
			return n - 1, n, "until " + capitalise(near(last, nearDays))
		}
	}
	return -1, -1, ""
}

// lengthGuess guesses the length meant by "3 dayz" or "2 wekks".
func lengthGuess(kw string, toks []string) string {
	if len(toks) < 2 {
		return ""
	}
	q := toks[0]
	v, ok := numberWords[q]
	if n, err := strconv.Atoi(q); err == nil && n > 0 {
		v, ok = n, true
	}
	if !ok {
		return ""
	}
	unit := near(toks[1], nearUnits)
	if unit == "" {
		return ""
	}
	if v == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return fmt.Sprintf("%s %s %s", kw, q, unit)
}

// dayGuess guesses the day meant by "until satruday".
func dayGuess(kw string, toks []string) string {
	for _, t := range toks {
		if d := near(t, nearDays); d != "" {
			return kw + " " + capitalise(d)
		}
	}
	return ""
}

// capitalise writes a day's name as a name: "Saturday", but "tomorrow".
func capitalise(s string) string {
	if _, day := weekdays[s]; !day {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
