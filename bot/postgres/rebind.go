package postgres

import (
	"strconv"
	"strings"
)

// Rebind rewrites the store's "?" placeholders into PostgreSQL's $1, $2, …
// in order, leaving every "?" that is not a placeholder as it is: inside a
// string ('…' with a doubled quote, E'…' with backslash escapes), a quoted
// identifier ("…"), a dollar-quoted body ($tag$…$tag$), a line comment
// (-- …) or a block comment (/* … */, which nest in PostgreSQL). The stores
// write "?" for both backends, so none of them changes shape; a query with
// no placeholder comes back unchanged. It also returns how many it rewrote.
func Rebind(q string) (string, int) {
	if !strings.ContainsRune(q, '?') {
		return q, 0
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); {
		c := q[i]
		var end int
		switch {
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			i++
			continue
		case c == '\'':
			end = skipQuoted(q, i, '\'', escapeString(q, i))
		case c == '"':
			end = skipQuoted(q, i, '"', false)
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			end = skipLine(q, i)
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			end = skipBlock(q, i)
		case c == '$':
			end = skipDollar(q, i)
		case identChar(c):
			// A whole word at once, so a "$" inside an identifier (a$b$)
			// never starts a dollar quote.
			end = i + 1
			for end < len(q) && (identChar(q[end]) || q[end] == '$') {
				end++
			}
		default:
			end = i + 1
		}
		b.WriteString(q[i:end])
		i = end
	}
	return b.String(), n
}

func identChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// escapeString reports whether the quote at i opens an escape string
// (E'…'), where a backslash escapes the next character.
func escapeString(q string, i int) bool {
	if i == 0 || (q[i-1] != 'E' && q[i-1] != 'e') {
		return false
	}
	return i == 1 || !identChar(q[i-2]) && q[i-2] != '$'
}

// skipQuoted returns the index after the quoted run opened at i: a doubled
// quote stays inside; with backslash, so does an escaped character. An
// unterminated run goes to the end.
func skipQuoted(q string, i int, quote byte, backslash bool) int {
	for j := i + 1; j < len(q); j++ {
		switch {
		case backslash && q[j] == '\\':
			j++
		case q[j] == quote:
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

func skipLine(q string, i int) int {
	if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(q)
}

// skipBlock returns the index after the block comment opened at i,
// counting nested /* … */ as PostgreSQL does.
func skipBlock(q string, i int) int {
	depth := 0
	for j := i; j < len(q)-1; j++ {
		switch {
		case q[j] == '/' && q[j+1] == '*':
			depth++
			j++
		case q[j] == '*' && q[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(q)
}

// skipDollar returns the index after a dollar-quoted body opened at i
// ($$…$$ or $tag$…$tag$, the tag not starting with a digit); a "$" that
// opens none ($1, a lone $) is one character.
func skipDollar(q string, i int) int {
	j := i + 1
	for j < len(q) && q[j] != '$' {
		if !identChar(q[j]) || (j == i+1 && q[j] >= '0' && q[j] <= '9') {
			return i + 1
		}
		j++
	}
	if j >= len(q) {
		return i + 1
	}
	tag := q[i : j+1]
	if k := strings.Index(q[j+1:], tag); k >= 0 {
		return j + 1 + k + len(tag)
	}
	return len(q)
}
