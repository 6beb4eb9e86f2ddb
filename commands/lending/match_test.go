package lending

import (
	"fmt"
	"strings"
	"testing"
)

func TestMatchItems(t *testing.T) {
	cases := []struct {
		want, listed string
		match        bool
	}{
		// Case, punctuation, accents and filler words.
		{"Ladder", "ladder", true},
		{"a ladder please", "Ladder", true},
		{"Step-Ladder", "step ladder", true},
		{"café table", "cafe table", true},
		{"anyone's drill", "drill", true},
		// Plurals and -ing forms.
		{"ladders", "ladder", true},
		{"boxes", "box", true},
		{"hedges", "hedge trimmer", true},
		{"batteries", "battery charger", true},
		{"knives", "knife", true},
		{"garden gloves", "glove", true},
		{"shelves", "shelf", true},
		{"someone mowing lawns", "mow the lawn", true},
		{"hedge trimming", "hedge trimmer", false},
		// Word order, and compounds written as one word or two.
		{"trimmer hedge", "hedge trimmer", true},
		{"wheelbarrow", "wheel barrow", true},
		{"lawn mower", "lawnmower", true},
		{"step ladder", "stepladder", true},
		{"ladder", "stepladder", false},
		// One side more specific.
		{"ladder", "step ladder", true},
		{"step ladder", "ladder", true},
		{"drill", "power drill", true},
		{"power drill", "drill", true},
		{"cordless power drill", "power drill", true},
		// Compounds of the same thing.
		{"step ladder", "extension ladder", true},
		{"garden shears", "garden fork", false},
		// Small typos, scaled by length.
		{"ladderr", "ladder", true},
		{"laddre", "ladder", true},
		{"wheelbarow", "wheelbarrow", true},
		{"wheelbarro", "wheel barrow", true},
		{"strimer", "strimmer", true},
		{"lawnmover", "lawnmower", true},
		// Near misses that must not match.
		{"ladder", "leader", false},
		{"saw", "sew", false},
		{"drill", "grill", false},
		{"hose", "house", false},
		{"rake", "cake", false},
		{"tent", "test", false},
		{"drill", "drills bits", true},
		{"car", "cart", false},
		{"van", "fan", false},
		{"dril", "drill", false}, // too short to forgive: see the rule in match.go
		// Nothing to match on.
		{"a", "ladder", false},
		{"", "ladder", false},
		{"ladder", "", false},
	}
	for _, c := range cases {
		got := matchItems(parseItem(c.want), parseItem(c.listed)) > 0
		if got != c.match {
			t.Errorf("match(%q, %q) = %v, want %v (stems %v / %v)", c.want, c.listed, got, c.match, parseItem(c.want).stems, parseItem(c.listed).stems)
		}
	}
}

func TestMatchRanksExactFirst(t *testing.T) {
	q := parseItem("step ladder")
	exact := matchItems(q, parseItem("Step Ladder"))
	wider := matchItems(q, parseItem("aluminium step ladder"))
	typo := matchItems(q, parseItem("step laddre"))
	loose := matchItems(q, parseItem("extension ladder"))
	if !(exact > wider && wider > loose && exact > typo && typo > loose) {
		t.Errorf("scores: exact %.2f, wider %.2f, typo %.2f, loose %.2f", exact, wider, typo, loose)
	}
}

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"ladders": "ladder", "boxes": "box", "hedges": "hedg", "hedge": "hedg", "batteries": "battery",
		"knives": "kniv", "knife": "kniv", "mowing": "mow", "digging": "dig", "glass": "glass",
		"bus": "bus", "tennis": "tennis", "axes": "axe", "axe": "axe", "string": "str", "strings": "str",
	} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkMatchListings matches one request against a group's worth of
// listings (300), parsing each listing as the handlers do.
func BenchmarkMatchListings(b *testing.B) {
	things := []string{"step ladder", "extension ladder", "power drill", "hedge trimmer", "lawnmower", "wheelbarrow",
		"pressure washer", "tile cutter", "sewing machine", "garden shears", "socket set", "camping stove", "tent",
		"bike pump", "jump leads", "carpet cleaner", "leaf blower", "spirit level", "paint roller", "stud finder"}
	names := make([]string, 300)
	for i := range names {
		names[i] = fmt.Sprintf("%s %d", things[i%len(things)], i/len(things))
	}
	q := parseItem("a ladder please")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n := 0
		for _, name := range names {
			if matchItems(q, parseItem(name)) > 0 {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no match")
		}
	}
}

// TestTypable checks the names put into "type !returned …" instructions:
// emoji and other symbols go, letters, accents, digits and punctuation
// stay, and the matcher reads the typable name exactly as the listed one,
// so what the bot tells people to type finds the thing it names.
func TestTypable(t *testing.T) {
	for in, want := range map[string]string{
		"🪜 ladder":                 "ladder",
		"ladder 🪜":                 "ladder",
		"🪜ladder":                  "ladder",
		"Zoë's 🎸 guitar":           "Zoë's guitar",
		"cafe\u0301 chairs":        "cafe\u0301 chairs", // é written as e and an accent
		"1\ufe0f\u20e3 step stool": "1 step stool",      // keycap one
		"👨‍👩‍👧 tent":               "tent",              // a family joined with ZWJ
		"👍🏽 drill":                 "drill",             // with a skin tone
		"🇬🇧 flag":                  "flag",
		"❤️ heart mould":           "heart mould",
		"B&Q voucher":              "B&Q voucher",
		"fish & chips fryer":       "fish & chips fryer",
		"A+ drill":                 "A drill",
		"step-ladder":              "step-ladder",
		"हथौड़ा":                   "हथौड़ा", // vowel signs and nukta stay
		"🪜🪜":                       "🪜🪜",     // nothing typable: left as it is
	} {
		got := typable(in)
		if got != want {
			t.Errorf("typable(%q) = %q, want %q", in, got, want)
		}
		if w := parseItem(in); !w.empty() && (parseItem(got).key() != w.key() || matchItems(parseItem(got), w) != 1) {
			t.Errorf("typable(%q) = %q reads as %q, the name as %q", in, got, parseItem(got).key(), w.key())
		}
	}
}

// TestSplitThings: a !lend of several things lists each; a name with
// "and" in it stays one.
func TestSplitThings(t *testing.T) {
	for in, want := range map[string]string{
		"hedge trimmer & extension lead":   "hedge trimmer|extension lead",
		"hedge trimmer and extension lead": "hedge trimmer|extension lead",
		"power drill + step ladder":        "power drill|step ladder",
		"lawnmower, wheelbarrow and rake":  "lawnmower|wheelbarrow|rake",
		"ladder, drill & saw":              "ladder|drill|saw",
		"fish & chips fryer":               "fish & chips fryer",
		"dustpan and brush":                "dustpan and brush",
		"salt and pepper grinder":          "salt and pepper grinder",
		"B&Q voucher":                      "B&Q voucher",
		"ladder":                           "ladder",
		"drill, bits for wood and metal":   "drill, bits for wood and metal",
		"rock and roll records":            "rock and roll records",
		"hedge trimmer &":                  "hedge trimmer &",
		"Hedge Trimmer AND Extension Lead": "Hedge Trimmer|Extension Lead",
		"İİ drill and saw blade":           "İİ drill|saw blade", // lower-casing changes the length
		"0\xa3\x91 0 \xcc\xcc & 0":         "0\xa3\x91 0 \xcc\xcc & 0",
	} {
		if got := strings.Join(splitThings(in), "|"); got != want {
			t.Errorf("splitThings(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMatchRequestIsStrict: what someone asks for meets what was listed
// only when every word of one is a word of the other; two compounds of
// the same head ("extension lead", "jump leads") do not meet.
func TestMatchRequestIsStrict(t *testing.T) {
	for _, c := range []struct {
		want, listed string
		ok           bool
	}{
		{"extension lead", "jump leads", false},
		{"step ladder", "extension ladder", false},
		{"ladder", "step ladder", true},
		{"extension lead", "extension lead", true},
		{"lead", "jump leads", true},
		{"wheel barrow", "wheelbarrow", true},
	} {
		if got := matchRequest(parseItem(c.want), parseItem(c.listed)) > 0; got != c.ok {
			t.Errorf("matchRequest(%q, %q) = %v, want %v", c.want, c.listed, got, c.ok)
		}
	}
}
