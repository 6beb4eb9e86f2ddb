package moderation

import (
	"strings"
	"testing"
)

func TestFold(t *testing.T) {
	tests := map[string]string{
		"CAFÉ":         "cafe",
		"Crème Brûlée": "creme brulee",
		"ｆｒｅｅ":         "free",
		"Straße":       "strasse",
		"ﬁne":          "fine",
		"Łódź":         "lodz",
		"İstanbul":     "istanbul",
		"plain text":   "plain text",
		"🙂 ok":         "🙂 ok",
	}
	for in, want := range tests {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBlocklistMatching(t *testing.T) {
	m := compileBlocklist([]blockEntry{
		{Pattern: "casino"},
		{Pattern: "free money"},
		{Pattern: "Café"},
		{Pattern: "ass"},
		{Pattern: "f*ck"},
		{Pattern: `c[a@]sh\s*prize`, IsRegex: true},
		{Pattern: `\bv[i1]agra\b`, IsRegex: true},
	})
	tests := []struct {
		text, want string
	}{
		{"Win at the CASINO tonight", "casino"},
		{"casino!", "casino"},
		{"(casino)", "casino"},
		{"Cásino", "casino"},
		{"ｃａｓｉｎｏ", "casino"},
		{"\u0441\u0430sino night", "casino"}, // Cyrillic с and а
		{"get FREE   money now", "free money"},
		{"free\nmoney", "free money"},
		{"coffee at the cafe", "Café"},
		{"CAFÉ open", "Café"},
		{"what the f*ck", "f*ck"},
		{"win a CASH PRIZE", `/c[a@]sh\s*prize/`},
		{"c@shprize", `/c[a@]sh\s*prize/`},
		{"cheap viagra", `/\bv[i1]agra\b/`},
		// Whole words only: no hit inside other words.
		{"casinos are closed", ""},
		{"my class passed the assessment", ""},
		{"free for money", ""},
		{"freemoney", ""},
		{"cafeteria", ""},
		{"f*cking", ""},
		{"hello neighbours", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := m.match(tt.text); got != tt.want {
			t.Errorf("match(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if got := compileBlocklist(nil).match("casino"); got != "" {
		t.Errorf("empty blocklist matched %q", got)
	}
}

func TestParseBlockEntries(t *testing.T) {
	good := []struct {
		in   string
		want []string
	}{
		{"casino", []string{"casino"}},
		{"casino, free  money ,bingo", []string{"casino", "free money", "bingo"}},
		{"/c[a@]sh/", []string{"/c[a@]sh/"}},
		{"f*ck", []string{"f*ck"}},
		{"casino, /c[a@]sh ?prize/", []string{"casino", "/c[a@]sh ?prize/"}},
		{"/a{1,3}b/", []string{"/a{1,3}b/"}},
	}
	for _, tt := range good {
		entries, err := parseBlockEntries(tt.in)
		if err != nil {
			t.Errorf("parseBlockEntries(%q): %v", tt.in, err)
			continue
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.String())
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("parseBlockEntries(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	bad := map[string]string{
		"/(/":                                "that pattern isn't valid: a bracket isn't closed",
		"/a)/":                               "a closing bracket has no opening one",
		"/[ab/":                              "a [ isn't closed with ]",
		"/*a/":                               "a *, + or ? has nothing before it to repeat",
		"/x**/":                              "two repeat signs (*, +, ?) follow each other",
		`/a\qb/`:                             "a backslash is followed by a letter I don't know",
		"/[z-a]/":                            "a range in [ ] runs backwards",
		"/(?<x/":                             "a bracket starting (? isn't a kind I know",
		"/a*/":                               "matches empty text",
		"/./":                                "also matches everyday messages like “ok thanks”",
		`/\w/`:                               "also matches everyday messages like “ok thanks”",
		"/[a-z]/":                            "also matches everyday messages like “ok thanks”",
		"/.*a/":                              "also matches everyday messages like “ok thanks”",
		`/\d/`:                               "also matches everyday messages like “see you at 10”",
		"/HELLO/":                            "also matches everyday messages like “hello”",
		"/ládder/":                           "also matches everyday messages like “can anyone lend me a ladder”",
		"casino, /late$/":                    "also matches everyday messages like “bins are late”",
		"//":                                 "empty",
		"/" + strings.Repeat("a", 201) + "/": "at most 200",
		"/a{1001}/":                          "a count in { } is more than 1000",
		strings.Repeat("x", 61):              "too long",
		"***":                                "no letters",
		" , ":                                "nothing to add",
	}
	for in, want := range bad {
		_, err := parseBlockEntries(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseBlockEntries(%q) error = %v, want one containing %q", truncate(in, 30), err, want)
		}
	}
}

// TestRegexLettersFold checks that a pattern's letters are folded like the
// message they are matched against, so accents and case in either side do
// not matter, while a negated class keeps excluding what it names.
func TestRegexLettersFold(t *testing.T) {
	tests := []struct {
		pattern string
		text    string
		want    bool
	}{
		{"café", "Cafe", true},
		{"café", "CAFÉ open", true},
		{"café", "the café", true},
		{"café", "coffee", false},
		{`\x{e9}clair`, "Eclair", true},
		{"straße", "Strasse closed", true},
		{"ÉTÉ", "été", true},
		{"[éè]t[ée]", "ete", true},
		{"[éè]t[ée]", "ata", false},
		{"x[^e]y", "xey", false},
		{"x[^e]y", "xéy", false},
		{"x[^e]y", "xay", true},
		{"[^a-z]casino", "1casino", true},
		{"[^a-z]casino", "acasino", false},
		// A negated class keeps excluding the plain letter of an accented
		// one it names: folding must not add it back.
		{"gr[^eé]y", "grey", false},
		{"gr[^eé]y", "gray", true},
		{"[^a-zé]x", "ex", false},
		// A combining accent on its own folds away, as in messages.
		{`ca\x{301}+sino`, "casino", true},
		{`ca\x{301}+sino`, "caasino", false},
	}
	for _, tt := range tests {
		m := compileBlocklist([]blockEntry{{Pattern: tt.pattern, IsRegex: true}})
		if got := m.match(tt.text) != ""; got != tt.want {
			t.Errorf("/%s/ on %q matched %v, want %v", tt.pattern, tt.text, got, tt.want)
		}
	}
}

// TestBroadStoredPatternIsSkipped checks that a pattern stored before such
// patterns were refused does not catch anything, while the rest of the
// list still works.
func TestBroadStoredPatternIsSkipped(t *testing.T) {
	m := compileBlocklist([]blockEntry{{Pattern: ".", IsRegex: true}, {Pattern: "casino"}})
	if got := m.match("ok thanks"); got != "" {
		t.Errorf("a stored /./ matched ordinary chatter: %q", got)
	}
	if got := m.match("casino night"); got != "casino" {
		t.Errorf("match(casino night) = %q, want casino", got)
	}
}
