package bot

import (
	"strings"
	"testing"
)

func TestCleanText(t *testing.T) {
	tests := map[string]string{
		"  !lend ladder  ":             "!lend ladder",
		"!lend\u200b ladder":           "!lend ladder",
		"\u202e!lend ladder":           "!lend ladder",
		"\ufeff!help":                  "!help",
		"cafe\u0301":                   "café", // NFC
		"👨‍👩‍👧 family":                 "👨‍👩‍👧 family",
		"line1\nline2\ttab":            "line1\nline2\ttab",
		"bell\x07":                     "bell",
		string([]byte{0xff, 'a', 'b'}): "\ufffdab",
		"Łódź ünïcödé 日本語":             "Łódź ünïcödé 日本語",
		// A subdivision flag keeps its tags; stray tags go.
		"🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F Cymru": "🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F Cymru",
		"🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F":       "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",
		"🏴 flag":                     "🏴 flag",
		"🏴\U000E0067\U000E0062 open": "🏴 open", // no cancel tag: not a sequence
		"a\U000E0067\U000E007Fb":     "ab",
		"🇬🇧 👍🏽 1️⃣":                  "🇬🇧 👍🏽 1️⃣",
		// Bidi overrides, embeddings, isolates and marks all go.
		"\u202aa\u202bb\u202cc\u202dd\u202ee\u2066f\u2067g\u2068h\u2069i\u200ej\u200fk\u061cl": "abcdefghijkl",
	}
	for in, want := range tests {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	if got := Truncate("hello world", 5); got != "hell…" {
		t.Errorf("got %q", got)
	}
	if got := Truncate("日本語テキスト", 3); got != "日本…" {
		t.Errorf("got %q", got)
	}
	if got := Truncate("short", 10); got != "short" {
		t.Errorf("got %q", got)
	}
	// Emoji sequences are never cut in two.
	wales := "🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F"
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"ab" + wales + "cd", 5, "ab…"},
		{"ab👨\u200d👩\u200d👧xyz", 5, "ab…"},
		{"ab👍🏽xyz", 4, "ab…"},
		{"ab🇬🇧🇫🇷xyz", 5, "ab🇬🇧…"},
		{"ab🇬🇧🇫🇷xyz", 7, "ab🇬🇧🇫🇷…"},
		{"ab1️⃣xyz", 4, "ab…"},
		{"ab" + wales + "cd", 10, "ab" + wales + "…"},
	} {
		if got := Truncate(c.in, c.n); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

func TestSplitNote(t *testing.T) {
	tests := []struct{ in, subject, note string }{
		{"hedge trimmer — petrol, bring it back clean", "hedge trimmer", "petrol, bring it back clean"},
		{"ladder – 3m", "ladder", "3m"},
		{"drill - cordless", "drill", "cordless"},
		{"step-ladder", "step-ladder", ""},
		{"ladder", "ladder", ""},
	}
	for _, tt := range tests {
		s, n := SplitNote(tt.in)
		if s != tt.subject || n != tt.note {
			t.Errorf("SplitNote(%q) = %q, %q", tt.in, s, n)
		}
	}
}

func TestParseOnOff(t *testing.T) {
	for _, s := range []string{"on", "YES", "true", "enable"} {
		if on, ok := ParseOnOff(s); !on || !ok {
			t.Errorf("%q should be on", s)
		}
	}
	for _, s := range []string{"off", "No", "false", "disable"} {
		if on, ok := ParseOnOff(s); on || !ok {
			t.Errorf("%q should be off", s)
		}
	}
	if _, ok := ParseOnOff("maybe"); ok {
		t.Error("maybe is neither")
	}
}

func TestPersonDisplayNameHidesPhoneNumbers(t *testing.T) {
	tests := map[string]string{
		"Alice":                "Alice",
		"+44 7700 900123":      "a neighbour",
		"447700900123":         "a neighbour",
		"":                     "a neighbour",
		"Flat 12":              "Flat 12",
		"(01743) 123-456":      "a neighbour",
		strings.Repeat(" ", 3): "a neighbour",
	}
	for name, want := range tests {
		if got := (Person{Name: name}).DisplayName(); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestAddress(t *testing.T) {
	a := Address("447700900123@s.whatsapp.net")
	if a.User() != "447700900123" || !a.IsPhone() {
		t.Errorf("phone address misread: %q %v", a.User(), a.IsPhone())
	}
	l := Address("123456789@lid")
	if l.User() != "123456789" || l.IsPhone() {
		t.Error("lid address misread")
	}
}

func TestAreas(t *testing.T) {
	norm := []struct{ in, want string }{
		{"sy3 7", "SY3 7"},
		{"SY3  7", "SY3 7"},
		{"sy37ab", "SY3 7AB"},
		{"SY3 7AB", "SY3 7AB"},
		{"sy3", "SY3"},
		{"SY", "SY"},
		{"SW1A 1", "SW1A 1"},
		{"ec1a1bb", "EC1A 1BB"},
		{"B33", "B33"},
	}
	for _, tt := range norm {
		if got, ok := NormalizeArea(tt.in); !ok || got != tt.want {
			t.Errorf("NormalizeArea(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"", "hello", "12345", "SY3 7 AB X", "SY 7", "S!3"} {
		if got, ok := NormalizeArea(bad); ok {
			t.Errorf("NormalizeArea(%q) = %q, want rejection", bad, got)
		}
	}
	covers := []struct {
		a, b string
		want bool
	}{
		{"SY3", "SY3 7", true},
		{"SY3 7", "SY3", true},
		{"SY3 7", "SY3 7AB", true},
		{"SY3 7", "SY3 8", false},
		{"SY3", "SY31", false},
		{"SY3", "SY31 1", false},
		{"SY", "SY3 7AB", true},
		{"SY", "S1 1AA", false},
		{"SY3 7", "sy3 7ab", true},
		{"SY3", "not a postcode", false},
	}
	for _, tt := range covers {
		if got := AreaCovers(tt.a, tt.b); got != tt.want {
			t.Errorf("AreaCovers(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestAtSentenceStart(t *testing.T) {
	for in, want := range map[string]string{
		"a neighbour": "A neighbour", "Bob": "Bob", "alice": "alice", "a former member": "A former member", "": "",
	} {
		if got := AtSentenceStart(in); got != want {
			t.Errorf("AtSentenceStart(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEndSentence(t *testing.T) {
	for in, want := range map[string]string{
		"deep": "deep.", "deep!": "deep!", "deep?": "deep?", "deep.": "deep.", "outside no. 4…": "outside no. 4…",
		"fixed ": "fixed.", "🕳️": "🕳️", "": "",
		// An emoji ends a sentence as it is: no full stop after it.
		"car nearly lost a wheel 😡": "car nearly lost a wheel 😡", "by the park 👍🏽": "by the park 👍🏽",
		"from Wales 🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F": "from Wales 🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F",
		"5 pm (roughly)": "5 pm (roughly).",
	} {
		if got := EndSentence(in); got != want {
			t.Errorf("EndSentence(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCleanMessage: every text a message brings in loses its bidi
// controls, not only the message's own.
func TestCleanMessage(t *testing.T) {
	rlo := "\u202e"
	m := &Message{Text: "hi" + rlo, Sender: Sender{Name: "Bob" + rlo},
		Quote:    &Quote{Text: "quoted" + rlo, Sender: Sender{Name: "Al" + rlo}, Media: &Media{FileName: "q" + rlo + "fdp.exe"}},
		Media:    &Media{FileName: "invoice" + rlo + "fdp.exe"},
		Location: &Location{Name: "Elm" + rlo + " Road"},
		Mentions: []Sender{{Name: "Sue" + rlo}}}
	cleanMessage(m)
	for _, s := range []string{m.Text, m.Sender.Name, m.Quote.Text, m.Quote.Sender.Name, m.Quote.Media.FileName, m.Media.FileName, m.Location.Name, m.Mentions[0].Name} {
		if strings.Contains(s, rlo) {
			t.Errorf("%q kept its override", s)
		}
	}
}
