package feeds

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLToText turns an HTML fragment into plain text for a chat: block
// elements become line breaks, list items get a bullet, links keep their
// address after the text ("gritting routes (https://…)"), scripts and
// styles vanish, and runs of blank lines collapse. Plain text passes
// through with its entities decoded.
func HTMLToText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return tidy(s)
	}
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return tidy(s)
	}
	var b strings.Builder
	for _, n := range nodes {
		render(&b, n)
	}
	return tidy(b.String())
}

func render(b *strings.Builder, n *html.Node) {
	switch n.Type {
	case html.TextNode:
		words := strings.Fields(n.Data)
		if len(words) == 0 {
			if n.Data != "" {
				b.WriteString(" ")
			}
			return
		}
		if startsSpace(n.Data) {
			b.WriteString(" ")
		}
		b.WriteString(strings.Join(words, " "))
		if endsSpace(n.Data) {
			b.WriteString(" ")
		}
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Head, atom.Iframe, atom.Noscript, atom.Svg:
			return
		case atom.Br:
			b.WriteString("\n")
			return
		case atom.Img:
			if alt := attr(n, "alt"); alt != "" {
				b.WriteString(alt)
			}
			return
		}
	}
	item := n.Type == html.ElementNode && n.DataAtom == atom.Li
	block := n.Type == html.ElementNode && isBlock(n.DataAtom)
	switch {
	case item:
		// A list item starts a line, not a paragraph: the items of one list
		// stay together, as they do on the council's page.
		if !atLineStart(b) {
			b.WriteString("\n")
		}
		b.WriteString("• ")
	case block && !strings.HasSuffix(b.String(), "• "):
		// (A paragraph inside a list item starts on the bullet's line.)
		b.WriteString("\n")
	}
	if n.Type == html.ElementNode && n.DataAtom == atom.A {
		var inner strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			render(&inner, c)
		}
		text := strings.TrimSpace(inner.String())
		href := strings.TrimSpace(attr(n, "href"))
		switch {
		case href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:"):
			b.WriteString(text)
		case text == "" || text == href:
			b.WriteString(href)
		default:
			b.WriteString(text + " (" + href + ")")
		}
		b.WriteString(" ")
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		render(b, c)
	}
	if block {
		b.WriteString("\n")
	}
}

// atLineStart reports whether what is written so far ends a line (spaces
// after the break, from the markup's indentation, do not count).
func atLineStart(b *strings.Builder) bool {
	return strings.HasSuffix(strings.TrimRight(b.String(), " \t"), "\n")
}

func startsSpace(s string) bool { return strings.TrimLeft(s, " \t\r\n") != s }

func endsSpace(s string) bool { return strings.TrimRight(s, " \t\r\n") != s }

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Ul, atom.Ol, atom.Li, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Table, atom.Tr, atom.Blockquote, atom.Pre, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Hr:
		return true
	}
	return false
}

// tidy trims each line, drops spaces before punctuation left by inline
// tags, and keeps at most one blank line between paragraphs.
func tidy(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\u00a0", " ")
	var out []string
	blank := 0
	for _, line := range strings.Split(s, "\n") {
		line = strings.Join(strings.Fields(line), " ")
		for _, p := range []string{" .", " ,", " ;", " :", " !", " ?", " )"} {
			line = strings.ReplaceAll(line, p, p[1:])
		}
		if line == "" {
			blank++
			continue
		}
		if len(out) > 0 && blank > 0 {
			out = append(out, "")
		}
		blank = 0
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
