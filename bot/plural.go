package bot

import "strconv"

// Plural writes a count for a reply: "1 warning", "3 warnings" — one when n
// is 1, many otherwise (0 included).
func Plural[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}

// Count is Plural for a regular English noun: "1 reply", "2 replies",
// "3 days", "4 photos".
func Count[N ~int | ~int64](n N, noun string) string {
	return Plural(n, noun, PluralNoun(noun))
}

// PluralNoun is the regular plural of an English noun: a consonant and y
// becomes -ies ("reply" → "replies", but "day" → "days"); ch, sh, s, x and z
// take -es; everything else takes -s.
func PluralNoun(noun string) string {
	n := len(noun)
	switch {
	case n >= 2 && noun[n-1] == 'y' && !isVowel(noun[n-2]):
		return noun[:n-1] + "ies"
	case hasAnySuffix(noun, "ch", "sh", "s", "x", "z"):
		return noun + "es"
	}
	return noun + "s"
}

func isVowel(b byte) bool {
	switch b {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

func hasAnySuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if len(s) >= len(x) && s[len(s)-len(x):] == x {
			return true
		}
	}
	return false
}
