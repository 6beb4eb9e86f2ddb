package potholes

import (
	"math"
	"sort"
	"strings"
	"unicode"

	"neighbourbot/bot"
)

// earthRadiusM is the mean Earth radius used by the haversine formula.
const earthRadiusM = 6371008.8

// distanceM is the great-circle distance in metres between two points
// given in degrees (haversine: accurate to well under a metre at street
// scale, unlike flat-earth approximations near the poles).
func distanceM(lat1, long1, lat2, long2 float64) float64 {
	rad := math.Pi / 180
	dLat := (lat2 - lat1) * rad
	dLong := (long2 - long1) * rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLong/2)*math.Sin(dLong/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(a)))
}

// streetSuffixes are the words that end a UK street name.
var streetSuffixes = map[string]string{
	"road": "road", "rd": "road", "street": "street", "st": "street", "lane": "lane", "ln": "lane",
	"avenue": "avenue", "ave": "avenue", "close": "close", "cl": "close", "drive": "drive", "dr": "drive",
	"way": "way", "crescent": "crescent", "cres": "crescent", "place": "place", "pl": "place",
	"grove": "grove", "terrace": "terrace", "gardens": "gardens", "gdns": "gardens", "court": "court",
	"hill": "hill", "row": "row", "square": "square", "sq": "square", "walk": "walk", "mews": "mews",
	"parade": "parade", "rise": "rise", "view": "view", "green": "green", "park": "park",
}

// stopWords carry no meaning for matching two descriptions.
var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "of": true, "on": true, "in": true, "at": true, "by": true, "to": true,
	"and": true, "or": true, "is": true, "it": true, "its": true, "there": true, "this": true, "that": true,
	"outside": true, "near": true, "opposite": true, "next": true, "no": true, "number": true, "nr": true,
	"very": true, "really": true, "big": true, "huge": true, "large": true, "small": true, "new": true,
	"again": true, "just": true, "with": true, "from": true, "for": true, "one": true,
	"pothole": true, "potholes": true, "hole": true, "broken": true,
}

// words splits text, folded the bot's one way (bot.Fold: "Rué Saint-Étienne"
// is "rue saint etienne"), into words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(bot.Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// streetOf finds the street named in a description ("elm road" from
// "outside no. 12 Elm Rd, deep"): the word before a street suffix. It
// returns "" when none is named.
func streetOf(ws []string) string {
	for i := 1; i < len(ws); i++ {
		suffix, ok := streetSuffixes[ws[i]]
		if !ok {
			continue
		}
		name := ws[i-1]
		if stopWords[name] || isNumber(name) {
			continue
		}
		return name + " " + suffix
	}
	return ""
}

func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// genericStreetWords name no landmark on their own ("at the end of the
// road"); the other street suffixes (park, green, hill, court …) often do.
var genericStreetWords = map[string]bool{
	"road": true, "rd": true, "street": true, "st": true, "lane": true, "ln": true, "avenue": true, "ave": true,
	"drive": true, "dr": true, "way": true, "close": true, "cl": true, "pl": true, "sq": true, "cres": true, "gdns": true,
}

// faultWords say what is wrong, not where: two reports of one fault may
// describe it differently ("out", "not working", "flickering"), so only
// the words of the place are compared.
var faultWords = map[string]bool{
	"out": true, "off": true, "not": true, "working": true, "work": true, "dark": true, "flickering": true, "flicker": true,
	"flashing": true, "deep": true, "dangerous": true, "blocked": true, "block": true, "dumped": true, "dump": true,
	"leaking": true, "leak": true, "missing": true, "damaged": true, "damage": true, "cracked": true, "crack": true,
	"painted": true, "bad": true, "worse": true, "getting": true, "still": true, "sunk": true, "sunken": true,
	"overflowing": true, "flooding": true, "flooded": true, "smelly": true, "smell": true, "loose": true,
	"fallen": true, "down": true, "stay": true, "stays": true, "staying": true, "on": true, "all": true, "day": true,
	"night": true, "nasty": true, "massive": true, "enormous": true, "wide": true, "one": true, "another": true,
	"rubbish": true, "bags": true, "bag": true, "light": true, "lamp": true, "lights": true,
	"tipping": true, "tipped": true, "fly": true, "drain": true, "gully": true,
}

// keywords are the words of the place a description names, with the
// street name, stop words, fault words and category words left out.
func keywords(ws []string, street string, category string) map[string]bool {
	skip := map[string]bool{category: true, category + "s": true}
	for _, sp := range categorySpellings[category] {
		for _, w := range strings.Fields(sp) {
			skip[w] = true
		}
	}
	for _, w := range strings.Fields(street) {
		skip[w] = true
	}
	out := map[string]bool{}
	for _, w := range ws {
		if stopWords[w] || skip[w] || faultWords[w] || genericStreetWords[w] {
			continue
		}
		if len([]rune(w)) < 2 && !isNumber(w) {
			continue
		}
		out[strings.TrimSuffix(w, "s")] = true
	}
	return out
}

// described is a description reduced to what matching compares.
type described struct {
	street   string
	keywords map[string]bool
	pairs    []pair
}

// pair is two neighbouring words of place and the one word they make run
// together: "post box" is "postbox", "lamp post" is "lamppost", "speed
// bump" is "speedbump". People write the same thing either way.
type pair struct{ first, second, joined string }

func describeText(desc, category string) described {
	ws := words(desc)
	street := streetOf(ws)
	kw := keywords(ws, street, category)
	return described{street: street, keywords: kw, pairs: pairsOf(ws, kw)}
}

// pairsOf lists the neighbouring words of ws that could be one word
// written apart. Either may be a fault word ("lamp" in "lamp post"), but
// not a stop word or a number, and at least one must be a word of place.
func pairsOf(ws []string, kw map[string]bool) []pair {
	var out []pair
	for i := 0; i+1 < len(ws); i++ {
		a, b := ws[i], ws[i+1]
		if stopWords[a] || stopWords[b] || isNumber(a) || isNumber(b) {
			continue
		}
		ta, tb := strings.TrimSuffix(a, "s"), strings.TrimSuffix(b, "s")
		if !kw[ta] && !kw[tb] {
			continue
		}
		out = append(out, pair{first: ta, second: tb, joined: a + tb})
	}
	return out
}

// joinedAs returns d's words of place with each pair that other writes as
// one word run together, so "post box" and "postbox" compare as one word.
func (d described) joinedAs(other map[string]bool) map[string]bool {
	var out map[string]bool
	for _, p := range d.pairs {
		if !other[p.joined] || d.keywords[p.joined] {
			continue
		}
		if out == nil {
			out = make(map[string]bool, len(d.keywords))
			for w := range d.keywords {
				out[w] = true
			}
		}
		delete(out, p.first)
		delete(out, p.second)
		out[p.joined] = true
	}
	if out == nil {
		return d.keywords
	}
	return out
}

// descriptionsMatch says whether two descriptions of the same category
// likely describe the same fault. Named streets must agree, and house
// numbers too when both give one. Then the words of the place — any
// landmark, "by the park", "school gates", not only a street — must
// closely match: at least one shared (a slip of a letter forgiven in
// longer words) and at least half of the longer description's words. With
// the same street on both sides, half of the shorter one's words is
// enough, or none at all ("huge pothole on Elm Road").
func descriptionsMatch(a, b, category string) bool {
	return describeText(a, category).matches(describeText(b, category))
}

func (a described) matches(b described) bool {
	if a.street != "" && b.street != "" && a.street != b.street {
		return false
	}
	a.keywords, b.keywords = a.joinedAs(b.keywords), b.joinedAs(a.keywords)
	if an, bn := numbersOf(a.keywords), numbersOf(b.keywords); len(an) > 0 && len(bn) > 0 && !shareAny(an, bn) {
		return false // outside no. 12 is not outside no. 14
	}
	common := 0
	for w := range a.keywords {
		for v := range b.keywords {
			if closeWords(w, v) {
				common++
				break
			}
		}
	}
	shorter, longer := min(len(a.keywords), len(b.keywords)), max(len(a.keywords), len(b.keywords))
	if a.street != "" && a.street == b.street {
		return shorter == 0 || 2*common >= shorter
	}
	return common >= 1 && 2*common >= longer
}

func numbersOf(kw map[string]bool) map[string]bool {
	out := map[string]bool{}
	for w := range kw {
		if isNumber(w) {
			out[w] = true
		}
	}
	return out
}

func shareAny(a, b map[string]bool) bool {
	for w := range a {
		if b[w] {
			return true
		}
	}
	return false
}

// closeWords says whether two words are the same word, allowing one slip
// in words of five letters or more (two from eight), never in the first
// letter or in numbers.
func closeWords(a, b string) bool {
	if a == b {
		return true
	}
	if isNumber(a) || isNumber(b) {
		return false
	}
	ra, rb := []rune(a), []rune(b)
	n := min(len(ra), len(rb))
	allow := 0
	switch {
	case n >= 8:
		allow = 2
	case n >= 5:
		allow = 1
	}
	return allow > 0 && ra[0] == rb[0] && bot.Levenshtein(a, b) <= allow
}

// candidate is a new report being checked for duplicates.
type candidate struct {
	Category    string
	Description string
	HasLocation bool
	Lat, Long   float64
}

// match is an open report that looks like the candidate.
type match struct {
	Report    Report
	DistanceM float64 // -1 when matched on words
}

// maxMatches is how many "already reported?" suggestions are shown.
const maxMatches = 5

// findDuplicates lists open reports of the candidate's category that are
// within radiusM when both have a location, or whose description matches
// when either lacks one; nearest first, then by confirmations.
func findDuplicates(c candidate, open []Report, radiusM float64) []match {
	var out []match
	var mine *described // parsed only when a report lacks a pin
	for _, r := range open {
		if r.Category != c.Category || r.Status.Resolved() {
			continue
		}
		if c.HasLocation && r.HasLocation {
			if d := distanceM(c.Lat, c.Long, r.Lat, r.Long); d <= radiusM {
				out = append(out, match{Report: r, DistanceM: d})
			}
			continue
		}
		if mine == nil {
			d := describeText(c.Description, c.Category)
			mine = &d
		}
		if mine.matches(describeText(r.Description, c.Category)) {
			out = append(out, match{Report: r, DistanceM: -1})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		di, dj := out[i].DistanceM, out[j].DistanceM
		if (di < 0) != (dj < 0) {
			return di >= 0 // located matches first
		}
		if di != dj {
			return di < dj
		}
		if out[i].Report.Confirmations != out[j].Report.Confirmations {
			return out[i].Report.Confirmations > out[j].Report.Confirmations
		}
		return out[i].Report.ID > out[j].Report.ID
	})
	if len(out) > maxMatches {
		out = out[:maxMatches]
	}
	return out
}
