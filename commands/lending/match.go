package lending

import (
	"strings"
	"unicode"

	"neighbourbot/bot"
)

// The item matcher decides whether what someone asks for ("a ladder") is
// what someone listed ("Step ladders"). It is deliberately forgiving about
// the things people get wrong in a chat and strict about the near misses
// that would mention the wrong neighbour:
//
//   - Case, accents and punctuation are ignored: "Step-Ladder" = "step ladder",
//     "café" = "cafe".
//   - Filler words are ignored: "a", "the", "my", "some", "anyone's" …
//   - Words are reduced to a rough stem on both sides, so plurals and
//     "-ing" forms meet: ladders/ladder, boxes/box, hedges/hedge,
//     batteries/battery, knives/knife, mowing/mow.
//   - Word order does not matter: "trimmer hedge" = "hedge trimmer", and a
//     compound may be one word or two: "wheel barrow" = "wheelbarrow".
//   - One side may be more specific than the other: every word of the
//     shorter description must match a word of the longer one, so "ladder"
//     finds "step ladder" and "power drill" finds "drill". Two compound
//     names also match when their last word (the thing itself in English:
//     step LADDER, extension LADDER) is the same.
//   - Typos are forgiven by edit distance scaled to the word's length:
//     none for words of four letters or fewer, one edit from five letters,
//     two from eight; and a typo never changes the first letter.
//
// So "ladder"/"leader" (two edits), "saw"/"sew" (short word) and
// "drill"/"grill" (first letter) do not match, while "ladder"/"ladderr" and
// "wheelbarrow"/"wheelbarow" do. The cost of the rule is that a typo in a
// very short word ("dril") is not forgiven: a wrong mention is worse than
// asking someone to retype.

// itemWords is an item description reduced for matching.
type itemWords struct {
	stems []string
}

// fillerWords carry no meaning for matching what is lent.
var fillerWords = map[string]bool{
	"a": true, "an": true, "the": true, "some": true, "any": true, "my": true, "your": true,
	"our": true, "his": true, "her": true, "their": true, "of": true, "for": true, "to": true,
	"with": true, "and": true, "or": true, "please": true, "pls": true, "anyone": true,
	"someone": true, "somebody": true, "got": true, "have": true, "has": true, "i": true,
	"me": true, "can": true, "could": true, "borrow": true, "need": true, "want": true,
	"s": true, "in": true, "on": true, "one": true, "pair": true, "set": true,
}

// parseItem reduces a description to its meaningful stems.
func parseItem(s string) itemWords {
	var w itemWords
	for _, tok := range strings.FieldsFunc(foldText(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	}) {
		if fillerWords[tok] {
			continue
		}
		w.stems = append(w.stems, stem(tok))
	}
	return w
}

// empty reports whether nothing meaningful was said ("!borrow a").
func (w itemWords) empty() bool { return len(w.stems) == 0 }

// key is a canonical form for spotting duplicates: stems in order.
func (w itemWords) key() string { return strings.Join(w.stems, " ") }

// foldText is the bot's one folding (bot.Fold): lower case, no accents,
// compatibility forms and letters like ß and ø spelled plainly.
func foldText(s string) string { return bot.Fold(s) }

// stem strips English plural and -ing endings. It only needs to send both
// spellings of a word to the same string, not to produce a real word.
func stem(w string) string {
	cut := func(n int) string { r := []rune(w); return string(r[:len(r)-n]) }
	n := len([]rune(w))
	has := func(suffix string) bool { return strings.HasSuffix(w, suffix) }
	switch {
	case n > 4 && has("ies"):
		w = cut(3) + "y"
	case n > 4 && (has("sses") || has("xes") || has("ches") || has("shes") || has("zes")):
		w = cut(2)
	case n > 3 && has("s") && !has("ss") && !has("us") && !has("is"):
		w = cut(1)
	}
	if n = len([]rune(w)); n > 5 && has("ing") {
		w = cut(3)
		// digging → digg → dig, cutting → cut
		if m := []rune(w); len(m) > 2 && m[len(m)-1] == m[len(m)-2] && !strings.ContainsRune("aeiouls", m[len(m)-1]) {
			w = string(m[:len(m)-1])
		}
	}
	// hedge/hedging, knife/knives, glove/gloves and shelf/shelves meet
	// without a final e and with f written as v.
	if len([]rune(w)) > 3 && has("e") {
		w = cut(1)
	}
	if len([]rune(w)) > 3 && has("f") {
		w = cut(1) + "v"
	}
	return w
}

// typoAllowance is how many edits a pair of words may differ by, scaled by
// the shorter word's length.
func typoAllowance(a, b string) int {
	n := min(len([]rune(a)), len([]rune(b)))
	switch {
	case n >= 8:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// wordCost says how far apart two stems are: 0 for equal, the edit distance
// for a forgiven typo, and ok=false when they are different words.
func wordCost(a, b string) (cost int, ok bool) {
	if a == b {
		return 0, true
	}
	allow := typoAllowance(a, b)
	if allow == 0 {
		return 0, false
	}
	ra, rb := []rune(a), []rune(b)
	if ra[0] != rb[0] {
		return 0, false
	}
	if d := len(ra) - len(rb); d > allow || -d > allow {
		return 0, false
	}
	d := bot.Levenshtein(a, b)
	return d, d <= allow
}

// covered reports whether every word of small matches some word of big, and
// the total typo cost of doing so.
func covered(small, big []string) (cost int, ok bool) {
	for _, s := range small {
		best, found := 0, false
		for _, b := range big {
			if c, ok := wordCost(s, b); ok && (!found || c < best) {
				best, found = c, true
			}
		}
		if !found {
			return 0, false
		}
		cost += best
	}
	return cost, true
}

// matchItems scores how well a request matches a listed item: 0 means no
// match; higher is better (1 is an exact match of every word).
func matchItems(want, listed itemWords) float64 {
	if want.empty() || listed.empty() {
		return 0
	}
	q, l := want.stems, listed.stems
	var cost int
	var ok bool
	small, big := q, l
	if len(small) > len(big) {
		small, big = big, small
	}
	cost, ok = covered(small, big)
	if !ok && (len(q) > 1 || len(l) > 1) {
		// A compound written as one word or two: wheel barrow / wheelbarrow.
		if c, same := wordCost(strings.Join(q, ""), strings.Join(l, "")); same {
			return 0.9 / float64(1+c)
		}
	}
	if !ok {
		// Different compounds of the same thing: step ladder / extension ladder.
		c, headOK := wordCost(q[len(q)-1], l[len(l)-1])
		if !headOK || len(q) == 1 || len(l) == 1 {
			return 0
		}
		// A loose match: rank it below any subset match.
		return 0.3 / float64(1+c)
	}
	// Rank exact above more-specific, and clean spellings above typos.
	score := float64(len(small)) / float64(len(big))
	return 0.4 + 0.6*score/float64(1+cost)
}

// looseMatch is the score below which a match is only two compounds of the
// same head (step ladder / extension ladder).
const looseMatch = 0.4

// matchRequest is matchItems for what someone asks for and who is told
// about it: a loose match does not count, since an "extension lead" is not
// "jump leads" and a wrong mention is worse than none. (An owner naming
// their own listing or loan still gets the loose match.)
func matchRequest(want, listed itemWords) float64 {
	if s := matchItems(want, listed); s >= looseMatch {
		return s
	}
	return 0
}

// typable is a name as people should type it in a command: the words the
// matcher reads, without the emoji and other symbols a name may carry for
// show ("🪜 ladder" → "ladder"). The matcher ignores those anyway, and
// nobody should have to find an emoji on their keyboard to return a
// ladder; the name shown elsewhere keeps them.
func typable(name string) string {
	// A name listed before notes were split off ("ladder (3 metres)") is
	// typed by its first noun phrase alone.
	if short, _ := splitItem(name); short != "" {
		name = short
	}
	var words []string
	for _, w := range strings.Fields(name) {
		var b strings.Builder
		readable, dropped := false, false
		for _, r := range w {
			switch {
			case unicode.IsLetter(r) || unicode.IsNumber(r):
				b.WriteRune(r)
				readable = true
			case unicode.IsPunct(r):
				b.WriteRune(r)
			case (unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)) && !unicode.Is(unicode.Variation_Selector, r) && readable:
				b.WriteRune(r) // an accent or vowel sign on a letter
			default:
				// Emoji, other symbols, skin tones, joiners, variation
				// selectors and keycap frames.
				dropped = true
			}
		}
		// A word that was only symbols goes; "&" on its own stays.
		if readable || (!dropped && b.Len() > 0) {
			words = append(words, b.String())
		}
	}
	if len(words) == 0 {
		return name
	}
	return strings.Join(words, " ")
}
