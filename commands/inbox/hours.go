package inbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// window is one opening period on a weekday, in minutes after midnight.
type window struct {
	day        time.Weekday
	start, end int
}

// Hours is parsed office hours: when staff answer.
type Hours struct {
	windows []window // empty: always open
	text    string   // as residents read it: "Mon–Fri 9am–5pm"
}

var dayNames = map[string]time.Weekday{
	"mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday, "thu": time.Thursday,
	"fri": time.Friday, "sat": time.Saturday, "sun": time.Sunday,
}

// ParseHours reads "Mon-Fri 09:00-17:00" or several such parts separated
// by commas ("Mon-Thu 09:00-17:00, Fri 09:00-16:30", "Sat 10:00-12:00").
// Empty means always open.
func ParseHours(s string) (Hours, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Hours{}, nil
	}
	var h Hours
	var shown []string
	for _, part := range strings.Split(s, ",") {
		f := strings.Fields(strings.ReplaceAll(strings.TrimSpace(part), "–", "-"))
		if len(f) != 2 {
			return Hours{}, fmt.Errorf("%q: write days then times, e.g. Mon-Fri 09:00-17:00", strings.TrimSpace(part))
		}
		days, err := parseDays(f[0])
		if err != nil {
			return Hours{}, err
		}
		a, b, ok := strings.Cut(f[1], "-")
		start, err1 := parseClock(a)
		end, err2 := parseClock(b)
		if !ok || err1 != nil || err2 != nil {
			return Hours{}, fmt.Errorf("%q: times are written 09:00-17:00", f[1])
		}
		if end <= start {
			return Hours{}, fmt.Errorf("%q: the closing time must be after the opening time", f[1])
		}
		for _, d := range days {
			h.windows = append(h.windows, window{d, start, end})
		}
		shown = append(shown, showDays(f[0])+" "+showClock(start)+"–"+showClock(end))
	}
	h.text = strings.Join(shown, ", ")
	return h, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	a, b, isRange := strings.Cut(strings.ToLower(s), "-")
	from, ok1 := dayNames[a]
	if !isRange {
		if !ok1 {
			return nil, fmt.Errorf("%q is not a day (Mon, Tue, … Sun)", s)
		}
		return []time.Weekday{from}, nil
	}
	to, ok2 := dayNames[b]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%q is not a range of days like Mon-Fri", s)
	}
	var out []time.Weekday
	for d := from; ; d = (d + 1) % 7 {
		out = append(out, d)
		if d == to {
			return out, nil
		}
	}
}

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) || len(mm) != 2 {
		return 0, errors.New("bad time")
	}
	return h*60 + m, nil
}

func showDays(s string) string {
	a, b, isRange := strings.Cut(strings.ToLower(s), "-")
	if !isRange {
		return titleDay(a)
	}
	return titleDay(a) + "–" + titleDay(b)
}

func titleDay(d string) string { return strings.ToUpper(d[:1]) + d[1:] }

// showClock writes 540 as "9am", 1050 as "5:30pm", 720 as "12pm".
func showClock(min int) string {
	h, m := min/60, min%60
	suffix := "am"
	if h >= 12 && h < 24 {
		suffix = "pm"
	}
	h12 := h % 12
	if h12 == 0 {
		h12 = 12
	}
	if m == 0 {
		return fmt.Sprintf("%d%s", h12, suffix)
	}
	return fmt.Sprintf("%d:%02d%s", h12, m, suffix)
}

// Text is the hours as residents read them ("Mon–Fri 9am–5pm"); "" when
// always open.
func (h Hours) Text() string { return h.text }

// calendar decides whether the office is open: office hours less closed
// days and bank holidays.
type calendar struct {
	hours    Hours
	loc      *time.Location
	closed   map[string]string // date → why ("a bank holiday (Good Friday)")
	holidays bool              // bank holidays are known (a copy was read)
}

// open reports whether staff are in at t.
func (c calendar) open(t time.Time) bool {
	if len(c.hours.windows) == 0 {
		return true
	}
	lt := t.In(c.loc)
	if _, closed := c.closed[lt.Format(time.DateOnly)]; closed {
		return false
	}
	min := lt.Hour()*60 + lt.Minute()
	for _, w := range c.hours.windows {
		if w.day == lt.Weekday() && min >= w.start && min < w.end {
			return true
		}
	}
	return false
}

// workingTime is how much of [from, to) the office was open: office hours
// on days that were not closed days or bank holidays. Always open (no
// hours) counts every minute.
func (c calendar) workingTime(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	if len(c.hours.windows) == 0 {
		return to.Sub(from)
	}
	lf := from.In(c.loc)
	var total time.Duration
	for day := time.Date(lf.Year(), lf.Month(), lf.Day(), 0, 0, 0, 0, c.loc); day.Before(to); day = day.AddDate(0, 0, 1) {
		if _, closed := c.closed[day.Format(time.DateOnly)]; closed {
			continue
		}
		end := from // the latest minute counted so far, so overlapping windows count once
		for _, w := range c.dayWindows(day.Weekday()) {
			s := time.Date(day.Year(), day.Month(), day.Day(), w.start/60, w.start%60, 0, 0, c.loc)
			e := time.Date(day.Year(), day.Month(), day.Day(), w.end/60, w.end%60, 0, 0, c.loc)
			if s.Before(end) {
				s = end
			}
			if e.After(to) {
				e = to
			}
			if e.After(s) {
				total += e.Sub(s)
				end = e
			}
		}
	}
	return total
}

// dayWindows are the hours' windows on weekday d, earliest first.
func (c calendar) dayWindows(d time.Weekday) []window {
	var out []window
	for _, w := range c.hours.windows {
		if w.day == d {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// closedReason says why a day the hours would open is closed ("Good
// Friday, a bank holiday"); "" when it is not a closed day.
func (c calendar) closedReason(t time.Time) string {
	return c.closed[t.In(c.loc).Format(time.DateOnly)]
}

// closedDay reports whether t falls on a closed day or bank holiday.
func (c calendar) closedDay(t time.Time) bool {
	_, ok := c.closed[t.In(c.loc).Format(time.DateOnly)]
	return ok
}

// nextOpen is the next time after t the office opens; ok is false when it
// never does within a year (or is always open).
func (c calendar) nextOpen(t time.Time) (time.Time, bool) {
	if len(c.hours.windows) == 0 {
		return time.Time{}, false
	}
	lt := t.In(c.loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, c.loc)
	for i := 0; i < 370; i++ {
		d := day.AddDate(0, 0, i)
		if _, closed := c.closed[d.Format(time.DateOnly)]; closed {
			continue
		}
		starts := []int{}
		for _, w := range c.hours.windows {
			if w.day == d.Weekday() {
				starts = append(starts, w.start)
			}
		}
		sort.Ints(starts)
		for _, s := range starts {
			at := time.Date(d.Year(), d.Month(), d.Day(), s/60, s%60, 0, 0, c.loc)
			if at.After(t) {
				return at, true
			}
		}
	}
	return time.Time{}, false
}

// whenOpen writes the next opening for a resident: "at 9am", "tomorrow
// (Tue 6 Jan) at 9am", "on Mon 12 Jan at 9am".
func (c calendar) whenOpen(now, at time.Time) string {
	ln, la := now.In(c.loc), at.In(c.loc)
	clock := showClock(la.Hour()*60 + la.Minute())
	switch {
	case ln.Format(time.DateOnly) == la.Format(time.DateOnly):
		return "today at " + clock
	case ln.AddDate(0, 0, 1).Format(time.DateOnly) == la.Format(time.DateOnly):
		return "tomorrow at " + clock
	}
	return "on " + la.Format("Mon 2 Jan") + " at " + clock
}

// bankHolidays is GOV.UK's bank-holidays.json.
type bankHolidays map[string]struct {
	Division string `json:"division"`
	Events   []struct {
		Title string `json:"title"`
		Date  string `json:"date"`
	} `json:"events"`
}

// parseBankHolidays reads GOV.UK's file and returns one division's days
// (date → title). A file without that division, or with a bad date, is
// refused, so a broken download never replaces a good copy.
func parseBankHolidays(data []byte, division string) (map[string]string, error) {
	var bh bankHolidays
	if err := json.Unmarshal(data, &bh); err != nil {
		return nil, fmt.Errorf("bank holidays: %w", err)
	}
	div, ok := bh[division]
	if !ok || len(div.Events) == 0 {
		return nil, fmt.Errorf("bank holidays: no %q division in the file", division)
	}
	out := make(map[string]string, len(div.Events))
	for _, ev := range div.Events {
		if _, err := time.Parse(time.DateOnly, ev.Date); err != nil {
			return nil, fmt.Errorf("bank holidays: bad date %q", ev.Date)
		}
		out[ev.Date] = strings.TrimSpace(ev.Title)
	}
	return out, nil
}
