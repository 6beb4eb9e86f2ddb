package moderation

import (
	"cmp"
	"errors"
	"fmt"
	"neighbourbot/bot"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Limits on blocklist entries: short enough that a list stays readable and
// a regular expression stays cheap (RE2 runs in time linear in the input,
// so no pattern can stall the bot, but a huge one still costs memory).
const (
	maxBlockEntries  = 200
	maxBlockWordLen  = 60
	maxBlockRegexLen = 200
)

// foldBufs recycles folding buffers so checking a message allocates nothing.
var foldBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// appendFolded is bot.AppendFold: the bot's one accent and case folding.
func appendFolded(dst []byte, s string) []byte { return bot.AppendFold(dst, s) }

// fold returns the folded form of s.
func fold(s string) string { return bot.Fold(s) }

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// span is a word's byte range in folded text.
type span struct{ start, end int }

// appendWords appends the spans of the words (runs of letters and digits) in b.
func appendWords(dst []span, b []byte) []span {
	start := -1
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(b[i:])
		}
		word := r < utf8.RuneSelf && ('a' <= r && r <= 'z' || '0' <= r && r <= '9') || r >= utf8.RuneSelf && isWordRune(r)
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			dst = append(dst, span{start, i})
			start = -1
		}
		i += size
	}
	if start >= 0 {
		dst = append(dst, span{start, len(b)})
	}
	return dst
}

// blockMatcher finds blocklist hits in a message. Words and phrases match on
// whole words of the folded text through a map keyed on their first word;
// entries with punctuation inside and /regular expressions/ run as RE2
// expressions over the folded text.
type blockMatcher struct {
	phrases map[string][][]string // first word → remaining words of each phrase
	display map[string]string     // folded phrase → entry as typed, for reasons
	regexes []*regexp.Regexp
	regexOf []string
	empty   bool
}

// compileBlocklist builds a matcher. Patterns that no longer pass
// validateBlockRegex are skipped: none should fail to compile (they are
// checked when added), but one added before the bot refused patterns that
// catch ordinary chatter must not go on catching every message.
func compileBlocklist(entries []blockEntry) *blockMatcher {
	m := &blockMatcher{phrases: map[string][][]string{}, display: map[string]string{}}
	for _, e := range entries {
		if e.IsRegex {
			if validateBlockRegex(e.Pattern) != nil {
				continue
			}
			re, err := compileBlockRegex(e.Pattern)
			if err != nil {
				continue
			}
			m.regexes = append(m.regexes, re)
			m.regexOf = append(m.regexOf, e.String())
			continue
		}
		f := fold(e.Pattern)
		words := strings.Fields(f)
		if len(words) == 0 {
			continue
		}
		if strings.Join(words, " ") != wordsOnly(f) {
			// Punctuation inside the entry ("f*ck", "c@sh"): match it
			// literally, bounded by non-word characters.
			re := regexp.MustCompile(`(?:^|[^\p{L}\p{N}])` + regexp.QuoteMeta(strings.Join(words, " ")) + `(?:$|[^\p{L}\p{N}])`)
			m.regexes = append(m.regexes, re)
			m.regexOf = append(m.regexOf, e.Pattern)
			continue
		}
		m.phrases[words[0]] = append(m.phrases[words[0]], words[1:])
		m.display[strings.Join(words, " ")] = e.Pattern
	}
	m.empty = len(m.phrases) == 0 && len(m.regexes) == 0
	return m
}

// wordsOnly joins the words of folded text with single spaces.
func wordsOnly(f string) string {
	var parts []string
	b := []byte(f)
	for _, sp := range appendWords(nil, b) {
		parts = append(parts, f[sp.start:sp.end])
	}
	return strings.Join(parts, " ")
}

// compileBlockRegex compiles an admin's /pattern/ for matching folded
// text. Messages are folded (lower case, accents removed) before matching,
// so the pattern's own letters are folded the same way: /café/ is matched as
// /cafe/ and catches "Cafe" and "CAFÉ".
func compileBlockRegex(pattern string) (*regexp.Regexp, error) {
	tree, err := syntax.Parse(pattern, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil, err
	}
	foldRegexp(tree)
	return regexp.Compile(tree.String())
}

// maxFoldedClassRange bounds the character-class ranges whose letters are
// folded one by one. Wider ranges come from negated classes ([^e] is
// everything but e) or from spans like [\x{80}-\x{10FFFF}]; adding folded
// letters to those would change what they exclude.
const maxFoldedClassRange = 256

// foldRegexp folds the literal letters of a parsed pattern in place, and
// adds to small character classes the folded form of each accented letter
// in them ([éè] also matches e).
func foldRegexp(re *syntax.Regexp) {
	switch re.Op {
	case syntax.OpLiteral:
		folded := make([]rune, 0, len(re.Rune))
		for _, r := range re.Rune {
			folded = append(folded, []rune(fold(string(r)))...)
		}
		re.Rune = folded
		if len(folded) == 0 {
			// Only combining marks, which folding strips from messages too:
			// what is left must match nothing, not vanish from the
			// printed pattern (`a\x{301}+` is not `a+`).
			re.Op, re.Rune = syntax.OpEmptyMatch, nil
		}
	case syntax.OpCharClass:
		re.Rune = foldClass(re.Rune)
	}
	for _, sub := range re.Sub {
		foldRegexp(sub)
	}
}

// foldClass returns class ranges (lo, hi pairs) with the one-letter folded
// form of each non-ASCII letter in a small range added, sorted and merged.
func foldClass(ranges []rune) []rune {
	// A class reaching the last rune is a negation the parser already
	// turned into its complement ([^é] is everything but é): adding plain
	// letters for the accented ones in it would let back in what the admin
	// excluded ([^eé] must not match "e").
	if len(ranges) > 0 && ranges[len(ranges)-1] == unicode.MaxRune {
		return ranges
	}
	out := append([]rune(nil), ranges...)
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		if hi-lo >= maxFoldedClassRange || hi < utf8.RuneSelf {
			continue
		}
		for r := max(lo, utf8.RuneSelf); r <= hi; r++ {
			f := []rune(fold(string(r)))
			if len(f) == 1 && f[0] != r {
				out = append(out, f[0], f[0])
			}
		}
	}
	if len(out) == len(ranges) {
		return ranges
	}
	pairs := make([][2]rune, 0, len(out)/2)
	for i := 0; i+1 < len(out); i += 2 {
		pairs = append(pairs, [2]rune{out[i], out[i+1]})
	}
	slices.SortFunc(pairs, func(a, b [2]rune) int { return cmp.Compare(a[0], b[0]) })
	merged := out[:0]
	for _, p := range pairs {
		if n := len(merged); n > 0 && p[0] <= merged[n-1]+1 {
			merged[n-1] = max(merged[n-1], p[1])
			continue
		}
		merged = append(merged, p[0], p[1])
	}
	return merged
}

// ordinaryMessages are everyday sentences, already folded, that no
// blocklist pattern may match: a pattern that does (/./, /\w/, /[a-z]/,
// /.*a/) would catch nearly everything anyone writes, commands included.
var ordinaryMessages = []string{
	"ok thanks",
	"see you at 10",
	"hello",
	"can anyone lend me a ladder",
	"bins are late",
}

// validateBlockRegex checks an admin's pattern and says what is wrong in
// words a group admin can act on.
func validateBlockRegex(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("the pattern between the slashes is empty")
	}
	if len(pattern) > maxBlockRegexLen {
		return fmt.Errorf("that pattern is %d characters; at most %d, please", len(pattern), maxBlockRegexLen)
	}
	re, err := compileBlockRegex(pattern)
	if err != nil {
		return patternError{"that pattern isn't valid: " + regexProblem(err)}
	}
	if re.MatchString("") {
		return fmt.Errorf("that pattern matches empty text, so it would catch every message")
	}
	for _, msg := range ordinaryMessages {
		if re.MatchString(msg) {
			return patternError{fmt.Sprintf("that pattern also matches everyday messages like “%s”, so it would catch nearly every message; make it more specific", msg)}
		}
	}
	return nil
}

// patternError is a /pattern/ that does not compile or catches ordinary
// chatter, described in plain words (not the regexp package's, which quote
// the bot's own flags). !block adds an example to it.
type patternError struct{ msg string }

func (e patternError) Error() string { return e.msg }

// regexProblem says in plain words what is wrong with a pattern.
func regexProblem(err error) string {
	var se *syntax.Error
	if !errors.As(err, &se) {
		return "I can't read it"
	}
	switch se.Code {
	case syntax.ErrMissingParen:
		return "a bracket isn't closed"
	case syntax.ErrUnexpectedParen:
		return "a closing bracket has no opening one"
	case syntax.ErrMissingBracket:
		return "a [ isn't closed with ]"
	case syntax.ErrMissingRepeatArgument:
		return "a *, + or ? has nothing before it to repeat"
	case syntax.ErrInvalidRepeatOp:
		return "two repeat signs (*, +, ?) follow each other"
	case syntax.ErrInvalidRepeatSize:
		return "a count in { } is more than 1000 or runs backwards"
	case syntax.ErrInvalidEscape:
		return "a backslash is followed by a letter I don't know (write \\. for a full stop)"
	case syntax.ErrTrailingBackslash:
		return "it ends with a lone backslash"
	case syntax.ErrInvalidCharRange:
		return "a range in [ ] runs backwards, like [z-a]"
	case syntax.ErrInvalidCharClass:
		return "a [:name:] class isn't one I know"
	case syntax.ErrInvalidPerlOp, syntax.ErrInvalidNamedCapture:
		return "a bracket starting (? isn't a kind I know"
	case syntax.ErrInvalidUTF8:
		return "it contains broken characters"
	case syntax.ErrNestingDepth, syntax.ErrLarge:
		return "it is too complicated"
	}
	return "I can't read it"
}

// match returns the blocklist entry a text hits, or "".
func (m *blockMatcher) match(text string) string {
	if m == nil || m.empty || text == "" {
		return ""
	}
	bp := foldBufs.Get().(*[]byte)
	folded := appendFolded((*bp)[:0], text)
	defer func() { *bp = folded[:0]; foldBufs.Put(bp) }()

	if len(m.phrases) > 0 {
		var stack [64]span
		words := appendWords(stack[:0], folded)
		for i, w := range words {
			tails, ok := m.phrases[string(folded[w.start:w.end])]
			if !ok {
				continue
			}
			for _, tail := range tails {
				if phraseAt(folded, words[i+1:], tail) {
					head := string(folded[w.start:w.end])
					if len(tail) > 0 {
						head += " " + strings.Join(tail, " ")
					}
					return m.display[head]
				}
			}
		}
	}
	for i, re := range m.regexes {
		if re.Match(folded) {
			return m.regexOf[i]
		}
	}
	return ""
}

func phraseAt(folded []byte, words []span, tail []string) bool {
	if len(tail) > len(words) {
		return false
	}
	for j, t := range tail {
		if string(folded[words[j].start:words[j].end]) != t {
			return false
		}
	}
	return true
}

// parseBlockEntries reads "!block add …" arguments: one /regex/, or words
// and phrases separated by commas.
func parseBlockEntries(args string) ([]blockEntry, error) {
	args = strings.TrimSpace(args)
	if len(args) >= 2 && strings.HasPrefix(args, "/") && strings.HasSuffix(args, "/") {
		pattern := args[1 : len(args)-1]
		if err := validateBlockRegex(pattern); err != nil {
			return nil, err
		}
		return []blockEntry{{Pattern: pattern, IsRegex: true}}, nil
	}
	var out []blockEntry
	for _, part := range strings.Split(args, ",") {
		w := strings.Join(strings.Fields(part), " ")
		if w == "" {
			continue
		}
		if len(w) >= 2 && strings.HasPrefix(w, "/") && strings.HasSuffix(w, "/") {
			// A /regex/ in a list; one with commas inside must be added on its own.
			pattern := w[1 : len(w)-1]
			if err := validateBlockRegex(pattern); err != nil {
				return nil, err
			}
			out = append(out, blockEntry{Pattern: pattern, IsRegex: true})
			continue
		}
		if utf8.RuneCountInString(w) > maxBlockWordLen {
			return nil, fmt.Errorf("%q is too long for a blocked word; at most %d characters", truncate(w, 20), maxBlockWordLen)
		}
		if len(strings.Fields(fold(w))) == 0 || strings.IndexFunc(w, isWordRune) < 0 {
			return nil, fmt.Errorf("%q has no letters or digits to match", truncate(w, 20))
		}
		out = append(out, blockEntry{Pattern: w})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("nothing to add")
	}
	return out, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
