package potholes

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"neighbourbot/bot"
)

// Categories as residents type them: "street light", "Street-Lights",
// "lamp post", "fly tipping", "flytip", "pot hole", "drains", "gully", and
// slips such as "streetlihgt". The configured names (one lower-case word
// each) are what is stored and sent; these are only ways of reaching them.

// categorySpellings are the common ways of writing the usual categories,
// used when that category is configured. Each is written as words; joined
// forms, hyphens and plurals are read too.
var categorySpellings = map[string][]string{
	"pothole":     {"pot hole", "hole in the road"},
	"streetlight": {"street light", "street lamp", "streetlamp", "lamp post", "lamppost", "street lighting"},
	"flytipping":  {"fly tipping", "fly tip", "flytip", "fly tipped", "flytipped", "dumped rubbish"},
	"drain":       {"gully", "gulley", "gullies", "drainage", "blocked drain"},
}

// foldCategory writes a word or phrase as categories compare: lower case,
// no hyphens, apostrophes or spaces, trailing punctuation gone.
func foldCategory(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '\'', '’', ' ', '.', ',', ':', ';', '!', '?':
			return -1
		}
		return r
	}, strings.ToLower(s))
}

// pluralForms are the forms of a folded word without a plural ending.
func pluralForms(w string) []string {
	out := []string{w}
	if s, ok := strings.CutSuffix(w, "es"); ok {
		out = append(out, s)
	}
	if s, ok := strings.CutSuffix(w, "s"); ok {
		out = append(out, s)
	}
	return out
}

// categoryOf maps one folded form to a configured category: exactly, as a
// known spelling, or as a slip of one or two letters in a long word.
func categoryOf(folded string, categories []string) string {
	if folded == "" {
		return ""
	}
	for _, c := range pluralForms(folded) {
		for _, cat := range categories {
			if c == cat {
				return cat
			}
			for _, sp := range categorySpellings[cat] {
				if c == foldCategory(sp) {
					return cat
				}
			}
		}
	}
	// A slip: "streetligt", "flytiping", "potholess". Never the first
	// letter, and only in words long enough that a slip can't be another
	// word.
	for _, cat := range categories {
		allow := 0
		switch n := len(cat); {
		case n >= 9:
			allow = 2
		case n >= 6:
			allow = 1
		}
		for _, c := range pluralForms(folded) {
			if allow > 0 && c[0] == cat[0] && bot.Levenshtein(c, cat) <= allow {
				return cat
			}
		}
	}
	return ""
}

// parseCategory reads the category at the start of words: up to four
// words ("hole in the road"), and says how many it used; "" and 0 when
// the words do not start with one.
func parseCategory(words []string, categories []string) (cat string, used int) {
	for k := min(4, len(words)); k >= 1; k-- {
		if c := categoryOf(foldCategory(strings.Join(words[:k], " ")), categories); c != "" {
			// "pot" alone is no category; a phrase must be a known one
			// exactly, not a slip, when it spans words.
			if k > 1 && !exactCategory(words[:k], c) {
				continue
			}
			return c, k
		}
	}
	return "", 0
}

// exactCategory says whether words spell cat without a slip.
func exactCategory(words []string, cat string) bool {
	folded := foldCategory(strings.Join(words, " "))
	for _, f := range pluralForms(folded) {
		if f == cat {
			return true
		}
		for _, sp := range categorySpellings[cat] {
			if f == foldCategory(sp) {
				return true
			}
		}
	}
	return false
}

// normaliseCategory maps one typed word to a configured category, or "".
func normaliseCategory(word string, categories []string) string {
	c, _ := parseCategory(strings.Fields(word), categories)
	return c
}

// categoryExample is a description that reads well after the category.
func categoryExample(cat string) string {
	switch cat {
	case "streetlight":
		return "out by no. 20"
	case "flytipping":
		return "mattress dumped by the garages"
	case "drain":
		return "blocked outside no. 4"
	}
	return "outside no. 4"
}

// spacedCommands are the first words of spaced spellings that answer as
// commands: "!street light out", "!fly tipping", "!pot hole", "!lamp post".
// Not "!blocked" or "!hole": too likely to mean something else.
var spacedCommands = map[string]bool{"street": true, "fly": true, "pot": true, "lamp": true}

// categoryCommands registers each category but the first (that is
// !pothole) as a command of its own, "!streetlight out by no. 20", with
// its one-word spellings as aliases, and the first word of its spaced
// spellings ("!street light …", "!fly tipping …") as hidden commands that
// read the rest. Names another command already has are left to it.
func (f *Feature) categoryCommands(e *bot.Registry) {
	taken := func(name string) bool { _, ok := e.Router().Lookup(name); return ok }
	p := f.prefix
	spacedFirst := map[string][]string{}
	for i, cat := range f.cfg.Categories {
		var aliases []string
		for _, sp := range categorySpellings[cat] {
			w := strings.Fields(sp)
			if len(w) == 1 && !taken(w[0]) {
				aliases = append(aliases, w[0])
			}
			if len(w) > 1 && spacedCommands[w[0]] {
				spacedFirst[w[0]] = append(spacedFirst[w[0]], cat)
			}
			if hyphened := strings.Join(w, "-"); len(w) == 2 && !taken(hyphened) {
				aliases = append(aliases, hyphened) // "!fly-tipping"
			}
		}
		if i == 0 || taken(cat) {
			continue
		}
		if !strings.HasSuffix(cat, "ing") && !taken(cat+"s") {
			aliases = append(aliases, cat+"s")
		}
		cat := cat
		e.Handle(bot.Route{Name: cat, Aliases: aliases, Usage: "DESCRIPTION", Feature: FeatureName, Scope: bot.GroupOnly,
			Help: fmt.Sprintf("log a %s fault, e.g. %s%s %s", cat, p, cat, categoryExample(cat)),
			Handler: func(ctx context.Context, req *bot.Request) error {
				return f.fileCategory(ctx, req, cat, req.Args)
			}})
	}
	names := make([]string, 0, len(spacedFirst))
	for w := range spacedFirst {
		names = append(names, w)
	}
	sort.Strings(names)
	for _, w := range names {
		if taken(w) {
			continue
		}
		e.Handle(bot.Route{Name: w, Feature: FeatureName, Scope: bot.GroupOnly, Hidden: true,
			Help: "a spaced category, as in " + p + w + " …",
			Handler: func(ctx context.Context, req *bot.Request) error {
				words := append([]string{req.Command}, strings.Fields(req.Args)...)
				cat, used := parseCategory(words, f.cfg.Categories)
				if cat == "" || used < 2 {
					return bot.Userf("Unknown command %s%s. To log a street fault, type %s.", p, req.Command, f.categoryUsage())
				}
				return f.fileCategory(ctx, req, cat, strings.Join(strings.Fields(req.Args)[used-1:], " "))
			}})
	}
}

// fileCategory files a report in cat from the words after the category;
// "new" first files it even if it looks already reported.
func (f *Feature) fileCategory(ctx context.Context, req *bot.Request, cat, rest string) error {
	rest = strings.TrimSpace(rest)
	force := false
	if w := strings.Fields(rest); len(w) > 0 && strings.EqualFold(w[0], "new") {
		force, rest = true, strings.TrimSpace(rest[len(w[0]):])
	}
	return f.file(ctx, req, cat, rest, force)
}

// categoryUsage is the usage of !report (after "Usage: "), listing every category and
// saying each works on its own.
func (f *Feature) categoryUsage() string {
	p := f.prefix
	example := otherCategories(f.cfg)[0]
	if example == f.cfg.defaultCategory() {
		example = "pothole"
	}
	return fmt.Sprintf("%sreport CATEGORY DESCRIPTION — categories: %s. Each is also a command of its own, e.g. %s%s %s",
		p, strings.Join(f.cfg.Categories, ", "), p, example, categoryExample(example))
}
