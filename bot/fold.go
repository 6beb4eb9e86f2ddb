package bot

import (
	"unicode"
	"unicode/utf8"

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

func appendFoldedRune(dst []byte, r rune) []byte {
	r = unicode.ToLower(r)
	if rep, ok := specialFolds[r]; ok {
		return append(dst, rep...)
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	if norm.NFKD.IsNormal(buf[:n]) && !unicode.Is(unicode.Mn, r) {
		return append(dst, buf[:n]...)
	}
	var dec [64]byte
	for _, d := range string(norm.NFKD.Append(dec[:0], buf[:n]...)) {
		if unicode.Is(unicode.Mn, d) {
			continue
		}
		d = unicode.ToLower(d)
		if rep, ok := specialFolds[d]; ok {
			dst = append(dst, rep...)
			continue
		}
		dst = utf8.AppendRune(dst, d)
	}
	return dst
}

// Fold returns s lower-cased with accents removed and compatibility forms
// replaced (AppendFold): "Café", "CAFE" and "ｃａｆé" are all "cafe".
func Fold(s string) string { return string(AppendFold(nil, s)) }
