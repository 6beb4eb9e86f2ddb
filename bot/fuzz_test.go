package bot

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzRouterParse: any text is a command with a lower-case name and its
// arguments, or chatter — never a panic, and a name is never empty.
func FuzzRouterParse(f *testing.F) {
	for _, s := range []string{"!lend ladder", "! help", "!!!", "!5", "  !Lend  ladder — bring it back", "!\u00a0help", "!é x", "\xff!x"} {
		f.Add(s)
	}
	r := NewRouter("!")
	r.Handle(Route{Name: "help", Help: "help", Handler: func(context.Context, *Request) error { return nil }})
	f.Fuzz(func(t *testing.T, text string) {
		name, _, ok := r.Parse(text)
		if ok && (name == "" || (utf8.ValidString(name) && name != strings.ToLower(name))) {
			t.Fatalf("Parse(%q) gave name %q", text, name)
		}
	})
}

// FuzzParseDuration: any period a person types is a positive duration or
// an error.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"2h", "30m", "1d", "1h30m", "2 weeks", "0", "-1h", "9999999999d", "1.5h", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err == nil && d <= 0 {
			t.Fatalf("ParseDuration(%q) = %v", s, d)
		}
	})
}

// FuzzParseTimeOfDay: any time of day typed or configured is within the
// day or an error.
func FuzzParseTimeOfDay(f *testing.F) {
	for _, s := range []string{"09:00", "9am", "21:30", "24:00", "noon", "7.30pm", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tod, err := ParseTimeOfDay(s)
		if err == nil && (tod < 0 || time.Duration(tod)*time.Minute >= 24*time.Hour) {
			t.Fatalf("ParseTimeOfDay(%q) = %d", s, tod)
		}
	})
}
