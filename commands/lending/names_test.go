package lending

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// TestTrailingMemberName checks which typed endings of "!lent ITEM NAME"
// are read as a member's name missing its @: a current member's full or
// first name, in any case and without accents, never a former member's or
// a phone number standing in for a name.
func TestTrailingMemberName(t *testing.T) {
	h := bottest.New(t, testOptions())
	ctx := context.Background()
	const street = bot.ChatID("group:street")
	now := h.Clock.Now()
	add := func(addr, name string, present bool) {
		p, err := h.Store.ResolvePerson(ctx, bot.Sender{Addr: bot.Address(addr), Name: name}, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Store.SetMember(ctx, street, p.ID, present, now); err != nil {
			t.Fatal(err)
		}
	}
	add("mary", "Mary Ann Jones", true)
	add("zoe", "Zoë", true)
	add("phone", "+44 7700 900123", true)
	add("gone", "Gareth", false)
	add("marks", "\u0301\u0301", true) // a name of combining marks alone folds to nothing
	k := h.Kit(FeatureName)
	f := &Feature{clock: k.Clock, core: k.Core, groups: k.Groups, st: &store{db: h.Store.DB()}}

	for _, tc := range []struct{ words, typed, rest string }{
		{"ladder Mary", "Mary", "ladder"},
		{"ladder mary ann jones", "", ""}, // three words: longer than two
		{"step ladder Mary Ann", "", ""},  // "Mary Ann" is neither her full nor her first name
		{"ladder MARY", "MARY", "ladder"},
		{"ladder zoe.", "zoe", "ladder"},
		{"ladder Gareth", "", ""},
		{"ladder 900123", "", ""},
		{"Mary", "", ""},
		{"ladder", "", ""},
		{"hedge trimmer Zoë", "Zoë", "hedge trimmer"},
	} {
		typed, rest, err := f.trailingMemberName(ctx, street, strings.Fields(tc.words))
		if err != nil {
			t.Fatal(err)
		}
		if typed != tc.typed || strings.Join(rest, " ") != tc.rest {
			t.Errorf("%q: got %q, %q; want %q, %q", tc.words, typed, strings.Join(rest, " "), tc.typed, tc.rest)
		}
	}
}

// TestSplitItem: the item's name is its first noun phrase, the rest a note.
func TestSplitItem(t *testing.T) {
	for _, c := range []struct{ in, name, note string }{
		{"drill", "drill", ""},
		{"drill, bits included", "drill", "bits included"},
		{"ladder (3 metres)", "ladder", "3 metres"},
		{"ladder [aluminium]", "ladder", "aluminium"},
		{"hedge trimmer: petrol, bring it back clean", "hedge trimmer", "petrol, bring it back clean"},
		{"hedge trimmer — petrol", "hedge trimmer", "petrol"},
		{"drill, bits included — ask first", "drill", "bits included — ask first"},
		{"bike with child seat", "bike", "with child seat"},
		{"ladder 3 metres", "ladder", "3 metres"},
		{"ladder 3m aluminium", "ladder", "3m aluminium"},
		{"3m ladder", "3m ladder", ""},
		{"18v drill", "18v drill", ""},
		{"1,000 piece puzzle", "1,000 piece puzzle", ""},
		{"(big) ladder", "(big) ladder", ""},
		{"step ladder; 5 treads", "step ladder", "5 treads"},
	} {
		name, note := splitItem(c.in)
		if name != c.name || note != c.note {
			t.Errorf("splitItem(%q) = %q, %q; want %q, %q", c.in, name, note, c.name, c.note)
		}
	}
}

// TestStripDeterminers: articles and possessives are not part of a name.
func TestStripDeterminers(t *testing.T) {
	for _, c := range []struct{ in, rest, owner string }{
		{"ladder", "ladder", ""},
		{"the ladder", "ladder", ""},
		{"a step ladder", "step ladder", ""},
		{"Bob's ladder", "ladder", "Bob"},
		{"Bob’s ladder", "ladder", "Bob"},
		{"the Joneses' ladder", "ladder", "Joneses"},
		{"my dad's drill", "drill", "dad"},
		{"an axe", "axe", ""},
		{"the", "the", ""},
		{"Bob's", "Bob's", ""},
	} {
		rest, owner := stripDeterminers(c.in)
		if rest != c.rest || owner != c.owner {
			t.Errorf("stripDeterminers(%q) = %q, %q; want %q, %q", c.in, rest, owner, c.rest, c.owner)
		}
	}
}

// TestNamesCompareFolded: a repeat in other case or accents is the same
// listing; matching ignores articles and possessives.
func TestNamesCompareFolded(t *testing.T) {
	key := func(s string) string { n, _ := splitItem(s); r, _ := stripDeterminers(n); return parseItem(r).key() }
	same := [][2]string{{"drill", "Drill"}, {"drill", "DRÍLL"}, {"drill", "drill, bits included"}, {"ladder (3 metres)", "the ladder"},
		{"hedge trimmer", "Hedge Trimmer: petrol"}, {"café table", "Cafe table"}}
	for _, p := range same {
		if key(p[0]) != key(p[1]) {
			t.Errorf("%q and %q should be the same listing: %q vs %q", p[0], p[1], key(p[0]), key(p[1]))
		}
	}
	if key("drill") == key("drill bits") {
		t.Error("drill and drill bits are different things")
	}
}

// TestTypableListedBeforeNotes: a listing saved with its note in the name
// (before notes were split off) is typed by its first noun phrase.
func TestTypableListedBeforeNotes(t *testing.T) {
	for in, want := range map[string]string{
		"ladder (3 metres)":    "ladder",
		"drill, bits included": "drill",
		"🪜 ladder":             "ladder",
		"hedge trimmer":        "hedge trimmer",
	} {
		if got := typable(in); got != want {
			t.Errorf("typable(%q) = %q, want %q", in, got, want)
		}
	}
}
