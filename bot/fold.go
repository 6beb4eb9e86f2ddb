package bot

import (
	"unicode"
	"unicode/utf8"

	"go.mau.fi/util/confusable"
	"golang.org/x/text/unicode/norm"
)

// The bot's one accent and case folding: the blocklist, item and errand
// matching, keyword rules and every other "same word?" test use it, so a
// word that matches in one place matches everywhere.

// specialFolds are letters that carry no combining mark to strip but that
// people type in place of plain Latin letters.
var specialFolds = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i",
}

// AppendFold appends s lower-cased with accents removed and compatibility
// forms (fullwidth letters, ligatures) replaced by their plain letters, so
// "CAFÉ", "café" and "ｃａｆｅ" all fold to "cafe".
func AppendFold(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		dst = appendFoldedRune(dst, r)
	}
	return dst
}

// appendFoldedRune folds one rune: lower case, no accents, compatibility
// forms spelled plainly, and what is still not ASCII to its Unicode TR39
// prototype (confusables.txt, via go.mau.fi/util's generated table), so
// look-alikes from other scripts meet the Latin letters they imitate:
// Cyrillic "lаdder" is "ladder", Greek "ΒΟΒ" is "bob". ASCII is left as it
// is (TR39 would also fold "m" to "rn" and "1" to "l", which matter for
// spoofing, not for a neighbour's typing), so plain words and the keys
// stored from them do not change.
func appendFoldedRune(dst []byte, r rune) []byte {
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	if norm.NFKD.IsNormal(buf[:n]) && !unicode.Is(unicode.Mn, r) {
		return appendBaseRune(dst, r)
	}
	var dec [64]byte
	for _, d := range string(norm.NFKD.Append(dec[:0], buf[:n]...)) {
		if !unicode.Is(unicode.Mn, d) {
			dst = appendBaseRune(dst, d)
		}
	}
	return dst
}

// appendBaseRune folds a rune without marks: the special letters first (ß
// is "ss", not its look-alike β), then a look-alike's prototype, folded
// plainly, then lower case.
func appendBaseRune(dst []byte, d rune) []byte {
	ld := unicode.ToLower(d)
	if rep, ok := specialFolds[ld]; ok {
		return append(dst, rep...)
	}
	if d >= utf8.RuneSelf {
		proto := confusable.GetReplacement(d)
		if proto == "" {
			proto = confusable.GetReplacement(ld)
		}
		if proto != "" {
			for _, p := range norm.NFKD.String(proto) {
				if unicode.Is(unicode.Mn, p) {
					continue
				}
				lp := unicode.ToLower(p)
				if rep, ok := specialFolds[lp]; ok {
					dst = append(dst, rep...)
				} else {
					dst = utf8.AppendRune(dst, lp)
				}
			}
			return dst
		}
	}
	return utf8.AppendRune(dst, ld)
}

// Fold returns s lower-cased with accents removed and compatibility forms
// replaced (AppendFold): "Café", "CAFE" and "ｃａｆé" are all "cafe".
func Fold(s string) string { return string(AppendFold(nil, s)) }

// UnmixScripts writes a name that mixes Latin letters with look-alikes from
// other scripts ("lаdder" with a Cyrillic а, "ЅТЕР ladder") in Latin
// letters, by their TR39 prototypes, so it reads and types as it looks. A
// name in one script (a Ukrainian "драбина") is left as it is.
func UnmixScripts(s string) string {
	latin, other := false, false
	for _, r := range s {
		switch {
		case !unicode.IsLetter(r):
		case unicode.Is(unicode.Latin, r):
			latin = true
		default:
			other = true
		}
	}
	if !latin || !other {
		return s
	}
	var b []byte
	for _, r := range s {
		if p := confusable.GetReplacement(r); r >= utf8.RuneSelf && unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) && asciiLetters(p) {
			b = append(b, p...)
			continue
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

func asciiLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return s != ""
}
