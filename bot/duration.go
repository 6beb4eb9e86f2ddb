package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ParseDuration reads the durations people type and config files use:
// Go's forms ("90m", "1h30m") plus days and weeks ("2d", "1w", "3 days",
// "2 weeks", "1w2d"). It refuses zero, negative and absurd (over ten years)
// values so a typo cannot schedule something for the year 3000.
func ParseDuration(s string) (time.Duration, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	if in == "" {
		return 0, fmt.Errorf("empty duration")
	}
	var total time.Duration
	rest := strings.ReplaceAll(in, " ", "")
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("duration %q: expected a number", s)
		}
		num, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("duration %q: %w", s, err)
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && unicode.IsLetter(rune(rest[j])) {
			j++
		}
		unit := rest[:j]
		rest = rest[j:]
		var mult time.Duration
		switch unit {
		case "s", "sec", "secs", "second", "seconds":
			mult = time.Second
		case "m", "min", "mins", "minute", "minutes":
			mult = time.Minute
		case "h", "hr", "hrs", "hour", "hours":
			mult = time.Hour
		case "d", "day", "days":
			mult = 24 * time.Hour
		case "w", "wk", "wks", "week", "weeks":
			mult = 7 * 24 * time.Hour
		case "ms":
			mult = time.Millisecond
		case "":
			return 0, fmt.Errorf("duration %q: missing unit (try 30m, 2h, 3d or 1w)", s)
		default:
			return 0, fmt.Errorf("duration %q: unknown unit %q (try 30m, 2h, 3d or 1w)", s, unit)
		}
		// Bound each part before adding so huge numbers cannot wrap
		// around into a small, plausible duration.
		const limit = 10 * 365 * 24 * time.Hour
		if num*float64(mult) > float64(limit) {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
		total += time.Duration(num * float64(mult))
		if total > limit {
			return 0, fmt.Errorf("duration %q is too long", s)
		}
	}
	if total <= 0 {
		return 0, fmt.Errorf("duration %q must be positive", s)
	}
	if total > 10*365*24*time.Hour {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return total, nil
}

// FormatDuration writes d the way people say it: "3 days", "2h 15m", "45 minutes".
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case days > 0 && hours > 0:
		return plural(days, "day") + " " + plural(hours, "hour")
	case days > 0:
		return plural(days, "day")
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case hours > 0:
		return plural(hours, "hour")
	default:
		return plural(mins, "minute")
	}
}

// Duration is a config value written as "90m", "2d" or "1w".
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler for the TOML decoder.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration back in Go's form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// D returns the standard library value.
func (d Duration) D() time.Duration { return time.Duration(d) }

// TimeOfDay is a wall-clock time such as "21:00", in minutes after midnight.
type TimeOfDay int

// ParseTimeOfDay reads "21:00", "9:30", "8am", "6.30pm".
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	in := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	pm, am := strings.HasSuffix(in, "pm"), strings.HasSuffix(in, "am")
	if pm || am {
		in = in[:len(in)-2]
	}
	in = strings.ReplaceAll(in, ".", ":")
	h, m := 0, 0
	var err error
	if i := strings.IndexByte(in, ':'); i >= 0 {
		if h, err = strconv.Atoi(in[:i]); err == nil {
			m, err = strconv.Atoi(in[i+1:])
		}
	} else {
		h, err = strconv.Atoi(in)
		if err == nil && !pm && !am {
			err = fmt.Errorf("no minutes")
		}
	}
	if err != nil || m < 0 || m > 59 || h < 0 || h > 23 || ((pm || am) && (h < 1 || h > 12)) {
		return 0, fmt.Errorf("time %q: use 24-hour HH:MM like 21:00", s)
	}
	if pm && h != 12 {
		h += 12
	}
	if am && h == 12 {
		h = 0
	}
	return TimeOfDay(h*60 + m), nil
}

// String writes HH:MM.
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *TimeOfDay) UnmarshalText(b []byte) error {
	v, err := ParseTimeOfDay(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// MarshalText writes HH:MM.
func (t TimeOfDay) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// On returns the instant this time of day falls on the local date of day.
func (t TimeOfDay) On(day time.Time, loc *time.Location) time.Time {
	d := day.In(loc)
	return time.Date(d.Year(), d.Month(), d.Day(), int(t)/60, int(t)%60, 0, 0, loc)
}

// QuietHours is a nightly window in which the bot holds non-urgent messages.
// Start == End means no quiet hours.
type QuietHours struct {
	Start, End TimeOfDay
	Loc        *time.Location
}

func (q QuietHours) loc() *time.Location {
	if q.Loc == nil {
		return time.UTC
	}
	return q.Loc
}

// Contains reports whether t falls inside the quiet window.
func (q QuietHours) Contains(t time.Time) bool {
	if q.Start == q.End {
		return false
	}
	lt := t.In(q.loc())
	m := TimeOfDay(lt.Hour()*60 + lt.Minute())
	if q.Start < q.End {
		return m >= q.Start && m < q.End
	}
	return m >= q.Start || m < q.End
}

// NextAllowed returns t when it is outside quiet hours, otherwise the end of
// the quiet window that contains t.
func (q QuietHours) NextAllowed(t time.Time) time.Time {
	if !q.Contains(t) {
		return t
	}
	end := q.End.On(t, q.loc())
	if !end.After(t) {
		end = q.End.On(t.In(q.loc()).AddDate(0, 0, 1), q.loc())
	}
	return end
}
