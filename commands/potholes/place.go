package potholes

import (
	"regexp"
	"strings"
	"unicode"

	"neighbourbot/bot"
)

// placeToken is one word of a description as written, with its position.
var placeToken = regexp.MustCompile(`[\p{L}\p{N}][\p{L}\p{N}'’-]*`)

// fullPostcode finds a full UK postcode written anywhere ("sy3 7fa",
// "SY37FA"); NormalizeArea then checks it is a real one.
var fullPostcode = regexp.MustCompile(`(?i)\b([a-z]{1,2}[0-9][a-z0-9]?)\s*([0-9][a-z]{2})\b`)

// placeIn is the place a resident named in a description, as they wrote
// it, for a council that has no pin: the street with its house number
// ("12 Elm Rd", "Belle Vue Road") and any full postcode ("SY3 7FA"),
// joined by ", ". It is "" when they named neither: then nothing is sent
// as the address rather than the whole description.
func placeIn(text string) string {
	var parts []string
	if s := streetIn(text); s != "" {
		parts = append(parts, s)
	}
	if m := fullPostcode.FindStringSubmatch(text); m != nil {
		if pc, ok := bot.NormalizeArea(m[1] + " " + m[2]); ok {
			parts = append(parts, pc)
		}
	}
	return strings.Join(parts, ", ")
}

// streetIn finds the first street named in text: up to three name words
// before a street suffix ("Castle Street", "Belle Vue Road"), the capitalised
// ones when the resident capitalised the name, and a house number just
// before it.
func streetIn(text string) string {
	locs := placeToken.FindAllStringIndex(text, -1)
	word := func(i int) string { return text[locs[i][0]:locs[i][1]] }
	// joined says tokens i and i+1 are separated by spaces alone (a comma
	// or full stop ends a place).
	joined := func(i int) bool { return strings.TrimSpace(text[locs[i][1]:locs[i+1][0]]) == "" }
	for i := 1; i < len(locs); i++ {
		if _, ok := streetSuffixes[bot.Fold(word(i))]; !ok || !joined(i-1) {
			continue
		}
		capital := startsUpper(word(i - 1))
		first := i
		for j := i - 1; j >= 0 && i-j <= 3; j-- {
			w := bot.Fold(word(j))
			if stopWords[w] || faultWords[w] || isNumber(w) || categoryWord(w) || (capital && !startsUpper(word(j))) {
				break
			}
			first = j
			if j == 0 || !joined(j-1) {
				break
			}
		}
		if first == i {
			continue // "the road", "on Street": no name
		}
		if first > 0 && joined(first-1) && houseNumber(word(first-1)) {
			first--
		}
		return text[locs[first][0]:locs[i][1]]
	}
	return ""
}

// houseNumber reports whether w is a house number: "12", "12a".
func houseNumber(w string) bool {
	n := strings.TrimRightFunc(w, unicode.IsLetter)
	return isNumber(n) && len(w)-len(n) <= 1 && len(n) <= 4
}

func startsUpper(w string) bool {
	for _, r := range w {
		return unicode.IsUpper(r)
	}
	return false
}

// categoryWord reports whether w names a fault category ("pothole",
// "streetlight"), which is never part of a street's name.
func categoryWord(w string) bool {
	for cat, spellings := range categorySpellings {
		if w == cat || w == cat+"s" {
			return true
		}
		for _, sp := range spellings {
			for _, x := range strings.Fields(sp) {
				if w == x {
					return true
				}
			}
		}
	}
	return false
}
