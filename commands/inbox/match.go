package inbox

import (
	"neighbourbot/bot"
	"strings"
	"unicode"
)

// words folds text into lower-case words without accents or punctuation,
// so keywords match "Bin!", "bins" and "BIN" alike.
func words(s string) []string {
	// The bot's one folding (bot.Fold), then letters and digits only.
	s = bot.Fold(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

// matches reports whether keyword (a word or phrase) occurs in the text's
// words as whole words; a word also matches its plural ("bin" in "bins").
func matches(text []string, keyword string) bool {
	kw := words(keyword)
	if len(kw) == 0 {
		return false
	}
	for i := 0; i+len(kw) <= len(text); i++ {
		ok := true
		for j, k := range kw {
			w := text[i+j]
			if w != k && w != k+"s" && w != k+"es" {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// matchAny returns the index of the first keyword list with a match, or -1.
func matchAny(text string, lists [][]string) int {
	ws := words(text)
	for i, list := range lists {
		for _, k := range list {
			if matches(ws, k) {
				return i
			}
		}
	}
	return -1
}

// thanks reports whether a message only thanks or acknowledges ("thanks!",
// "ok cheers", "👍"), after a self-help answer.
func thanks(text string) bool {
	ws := words(text)
	if len(ws) == 0 {
		t := strings.TrimSpace(text)
		return t != "" && !strings.ContainsFunc(t, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) })
	}
	if len(ws) > 5 {
		return false
	}
	ok := map[string]bool{"thanks": true, "thank": true, "you": true, "ta": true, "cheers": true, "ok": true, "okay": true,
		"great": true, "brilliant": true, "perfect": true, "that": true, "helped": true, "sorted": true, "thx": true,
		"many": true, "so": true, "lovely": true, "done": true, "will": true, "do": true, "got": true, "it": true, "fab": true, "much": true}
	for _, w := range ws {
		if !ok[w] {
			return false
		}
	}
	return true
}
