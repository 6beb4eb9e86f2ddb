package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"neighbourbot/bot"
	"neighbourbot/bot/console"
)

// repoRoot is where README.md and docs/ live, seen from this package.
const repoRoot = "../.."

// docFiles returns README.md and every page under docs/, relative to the
// repository's root.
func docFiles(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"README.md"}
	for _, p := range pages {
		rel, _ := filepath.Rel(repoRoot, p)
		files = append(files, filepath.ToSlash(rel))
	}
	if len(files) < 8 {
		t.Fatalf("found only %v", files)
	}
	return files
}

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// prose returns a Markdown page's lines outside fenced code blocks, so a
// "# comment" in a shell example is not taken for a heading.
func prose(text string) []string {
	var out []string
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			out = append(out, line)
		}
	}
	return out
}

// anchors returns the heading anchors GitHub gives a Markdown page: the
// heading lower-cased, punctuation dropped, spaces made hyphens, and a
// repeated heading numbered -1, -2 ….
func anchors(text string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, line := range prose(text) {
		if !strings.HasPrefix(line, "#") {
			continue
		}
		h := strings.TrimLeft(line, "#")
		if !strings.HasPrefix(h, " ") {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(h)) {
			switch {
			case r == ' ':
				b.WriteByte('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocLinksResolve: every relative link in README.md and docs/*.md
// names a file that exists and, when it has a #fragment into a Markdown
// page, a heading that page has.
func TestDocLinksResolve(t *testing.T) {
	checked := 0
	for _, name := range docFiles(t) {
		text := readDoc(t, name)
		for i, line := range prose(text) {
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				checked++
				file, frag, _ := strings.Cut(target, "#")
				path := name
				if file != "" {
					path = filepath.ToSlash(filepath.Join(filepath.Dir(name), file))
				}
				if _, err := os.Stat(filepath.Join(repoRoot, path)); err != nil {
					t.Errorf("%s (prose line %d): link %q: no file %s", name, i+1, target, path)
					continue
				}
				if frag == "" || !strings.HasSuffix(path, ".md") {
					continue
				}
				if !anchors(readDoc(t, path))[frag] {
					t.Errorf("%s (prose line %d): link %q: %s has no heading #%s", name, i+1, target, path, frag)
				}
			}
		}
	}
	if checked < 50 {
		t.Errorf("checked only %d links: is the link pattern still right?", checked)
	}
}

// TestAnchorsFollowGitHub pins the anchor rule the link test relies on.
func TestAnchorsFollowGitHub(t *testing.T) {
	got := anchors("# Top\n## See it, erase it: !mydata and !forgetme\n```sh\n# not a heading\n```\n### How it works\n### How it works\n#### `[web]` (the page)\n")
	for _, want := range []string{"top", "see-it-erase-it-mydata-and-forgetme", "how-it-works", "how-it-works-1", "web-the-page"} {
		if !got[want] {
			t.Errorf("no anchor %q in %v", want, got)
		}
	}
	if got["not-a-heading"] {
		t.Error("a comment in a code block was taken for a heading")
	}
}

// TestEveryCommandIsDocumented: every command the bot answers — each
// route and alias registered by the features, with the inbox and the web
// page switched on — is named as !command in the page written for those
// who may type it: residents.md for everyone's commands, residents.md or
// admins.md for admins' own, council.md for those only approvers or the
// council's staff get (routes with a role).
func TestEveryCommandIsDocumented(t *testing.T) {
	ctx := context.Background()
	cfg := defaultConfig()
	cfg.Bot.DataDir = t.TempDir()
	cfg.Inbox.Enabled, cfg.Inbox.StaffChat = true, "staff"
	clock := bot.NewManualClock(console.DefaultStart)
	con := console.New(&strings.Builder{}, clock)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), filepath.Join(cfg.Bot.DataDir, "console.db"), con, clock, con)
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()

	residents := readDoc(t, "docs/residents.md")
	admins := residents + readDoc(t, "docs/admins.md")
	council := readDoc(t, "docs/council.md")
	named := func(doc, cmd string) bool {
		return regexp.MustCompile(`!` + regexp.QuoteMeta(cmd) + `\b`).MatchString(doc)
	}
	routes := a.engine.Kit("test").Reg.Router().Routes()
	if len(routes) < 60 {
		t.Fatalf("only %d routes registered: is every feature wired?", len(routes))
	}
	var missing []string
	for _, rt := range routes {
		doc, where := residents, "residents.md"
		switch {
		case rt.For != nil:
			doc, where = admins+council, "council.md"
		case rt.AdminOnly:
			doc, where = admins, "residents.md or admins.md"
		}
		for _, name := range append([]string{rt.Name}, rt.Aliases...) {
			if !named(doc, name) {
				missing = append(missing, fmt.Sprintf("!%s (route !%s) in %s", name, rt.Name, where))
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("undocumented command: %s", m)
	}
}
