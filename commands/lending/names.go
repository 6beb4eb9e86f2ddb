package lending

import (
	"strings"
	"unicode"

	"neighbourbot/bot"
)

// Item names as people type them: "!lend drill, bits included", "!lend
// ladder (3 metres)", "!lend bike with child seat — ask first". The name
// is the first noun phrase; whatever follows a comma, colon, semicolon,
// bracket, dash, "with"/"including"/"plus", or a measurement after the
// name ("ladder 3m") is a note. Names compare case- and accent-folded
// (the matcher's stems), so "Drill" repeats "drill".

// noteWords start a note inside an item phrase.
var noteWords = map[string]bool{"with": true, "including": true, "incl": true, "inc": true, "plus": true, "w/": true}

// measureUnits after a number start a note: "ladder 3 metres".
var measureUnits = map[string]bool{
	"m": true, "metre": true, "metres": true, "meter": true, "meters": true, "cm": true, "mm": true, "ft": true,
	"foot": true, "feet": true, "inch": true, "inches": true, "in": true, "kg": true, "l": true, "litre": true,
	"litres": true, "liter": true, "liters": true, "rung": true, "rungs": true, "tread": true, "treads": true,
}

// splitItem splits an item phrase into its name and a note.
func splitItem(s string) (name, note string) {
	subject, dashNote := bot.SplitNote(s)
	name, inner := splitPhrase(subject)
	switch {
	case inner == "":
		return name, dashNote
	case dashNote == "":
		return name, inner
	}
	return name, inner + " — " + dashNote
}

// splitPhrase cuts a phrase at the first mark or word that starts a note,
// keeping at least one word of name.
func splitPhrase(s string) (name, note string) {
	s = strings.TrimSpace(s)
	runes := []rune(s)
	for i, r := range runes {
		if i == 0 {
			continue
		}
		switch r {
		case ',', ';', ':':
			// "1,000 piece puzzle", "3:1 mixer" keep their digits.
			if i+1 < len(runes) && unicode.IsDigit(runes[i-1]) && unicode.IsDigit(runes[i+1]) {
				continue
			}
		case '(', '[', '/':
			if r == '/' && (i+1 >= len(runes) || runes[i+1] != ' ') {
				continue
			}
		default:
			continue
		}
		if head := strings.TrimSpace(string(runes[:i])); hasLetters(head) {
			return head, tidyNote(string(runes[i+1:]))
		}
	}
	words := strings.Fields(s)
	for i := 1; i < len(words); i++ {
		w := strings.ToLower(strings.Trim(words[i], ".,"))
		measure := startsWithDigit(w) && (measureUnits[strings.TrimLeft(w, "0123456789.")] ||
			i+1 < len(words) && measureUnits[strings.ToLower(strings.Trim(words[i+1], ".,"))])
		if noteWords[w] || measure {
			if head := strings.Join(words[:i], " "); hasLetters(head) {
				return head, tidyNote(strings.Join(words[i:], " "))
			}
		}
	}
	return s, ""
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func hasLetters(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// tidyNote drops the brackets and separators left around a note.
func tidyNote(s string) string {
	s = strings.NewReplacer("(", "", ")", "", "[", "", "]", "").Replace(s)
	s = strings.Trim(strings.Join(strings.Fields(s), " "), " ,;:")
	return s
}

// determiners come before an item's name and are not part of it.
var determiners = map[string]bool{"a": true, "an": true, "the": true, "my": true, "your": true, "our": true,
	"his": true, "her": true, "their": true, "some": true, "any": true, "this": true, "that": true, "yer": true}

// stripDeterminers takes the articles and possessives off the front of a
// name: "the ladder" → "ladder", "Bob's ladder" → "ladder" with possessor
// "Bob", "a neighbour's drill" → "drill". The name is kept whole when
// nothing would be left.
func stripDeterminers(name string) (rest, possessor string) {
	words := strings.Fields(name)
	i := 0
	for ; i < len(words)-1; i++ {
		w := strings.ToLower(words[i])
		if determiners[w] {
			continue
		}
		if p, ok := possessive(words[i]); ok && possessor == "" {
			possessor = p
			continue
		}
		break
	}
	return strings.Join(words[i:], " "), possessor
}

// possessive reads "Bob's", "Bob’s", "James'".
func possessive(w string) (string, bool) {
	for _, suffix := range []string{"'s", "’s", "'S", "’S", "s'", "s’"} {
		if strings.HasSuffix(w, suffix) && len(w) > len(suffix) {
			owner := strings.TrimSuffix(w, suffix)
			if strings.HasPrefix(suffix, "s") {
				owner += "s"
			}
			return owner, true
		}
	}
	return "", false
}

// namesPerson says whether a typed name is a person's full or first name,
// ignoring case and accents.
func namesPerson(typed string, p bot.Person) bool {
	t := foldText(strings.Join(strings.Fields(typed), " "))
	full := foldText(strings.Join(strings.Fields(p.DisplayName()), " "))
	if t == "" || full == "" {
		return false
	}
	return t == full || strings.Fields(full)[0] == t
}
