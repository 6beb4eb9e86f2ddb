package bot

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90m", 90 * time.Minute, true},
		{"2d", 48 * time.Hour, true},
		{"1w", 7 * 24 * time.Hour, true},
		{"1w2d", 9 * 24 * time.Hour, true},
		{"3 days", 72 * time.Hour, true},
		{"2 weeks", 14 * 24 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"1.5h", 90 * time.Minute, true},
		{" 15 MIN ", 15 * time.Minute, true},
		{"", 0, false},
		{"0m", 0, false},
		{"-3d", 0, false},
		{"3", 0, false},
		{"3 fortnights", 0, false},
		{"soon", 0, false},
		{"99999w", 0, false},
		{"99999999999999999999d99999999999999999999d2d", 0, false}, // no wrap-around
		{"106751d106751d3d", 0, false},
		{"3000d3000d", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := map[time.Duration]string{
		45 * time.Minute:               "45 minutes",
		time.Minute:                    "1 minute",
		2 * time.Hour:                  "2 hours",
		2*time.Hour + 15*time.Minute:   "2h 15m",
		3 * 24 * time.Hour:             "3 days",
		26 * time.Hour:                 "1 day 2 hours",
		-90 * time.Minute:              "1h 30m",
		13*time.Hour + 20*time.Second:  "13 hours",
		24*time.Hour + 59*time.Second:  "1 day",
		12*time.Hour + 30*time.Minute:  "12h 30m",
		0:                              "0 minutes",
		7*24*time.Hour + 5*time.Minute: "7 days",
	}
	for d, want := range tests {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"21:00", "21:00", true},
		{"9:30", "09:30", true},
		{"8am", "08:00", true},
		{"6.30pm", "18:30", true},
		{"12am", "00:00", true},
		{"12pm", "12:00", true},
		{"24:00", "", false},
		{"7", "", false},
		{"13pm", "", false},
		{"noon", "", false},
		{"10:60", "", false},
	}
	for _, tt := range tests {
		got, err := ParseTimeOfDay(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got.String() != tt.want) {
			t.Errorf("ParseTimeOfDay(%q) = %v, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestQuietHours(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	q := QuietHours{Start: 21 * 60, End: 8 * 60, Loc: london}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, london)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		now, next string
	}{
		{"2026-01-05 20:59", "2026-01-05 20:59"},
		{"2026-01-05 21:00", "2026-01-06 08:00"},
		{"2026-01-05 23:30", "2026-01-06 08:00"},
		{"2026-01-06 03:00", "2026-01-06 08:00"},
		{"2026-01-06 08:00", "2026-01-06 08:00"},
		// Summer time: local hours, not UTC.
		{"2026-07-01 21:30", "2026-07-02 08:00"},
		{"2026-07-01 07:59", "2026-07-01 08:00"},
	}
	for _, tt := range tests {
		if got := q.NextAllowed(at(tt.now)); !got.Equal(at(tt.next)) {
			t.Errorf("NextAllowed(%s) = %s, want %s", tt.now, got.In(london).Format("2006-01-02 15:04"), tt.next)
		}
	}
	day := QuietHours{Start: 13 * 60, End: 14 * 60, Loc: london}
	if !day.Contains(at("2026-01-05 13:30")) || day.Contains(at("2026-01-05 14:00")) {
		t.Error("daytime window wrong")
	}
	if (QuietHours{Start: 60, End: 60}).Contains(at("2026-01-05 01:00")) {
		t.Error("equal start and end must mean no quiet hours")
	}
}

func TestDurationTextRoundTrip(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("2d")); err != nil || d.D() != 48*time.Hour {
		t.Fatalf("got %v, %v", d.D(), err)
	}
	if err := d.UnmarshalText([]byte("tomorrow")); err == nil {
		t.Fatal("want error for a non-duration")
	}
}
