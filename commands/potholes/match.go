package potholes

import (
	"math"
	"sort"
	"strings"
	"unicode"
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

// normaliseCategory maps what people type ("Street-lights", "fly tipping"
// joined, "drains") to a configured category, or "".
func normaliseCategory(word string, categories []string) string {
	w := strings.ToLower(strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '\'' {
			return -1
		}
		return r
	}, word))
	candidates := []string{w}
	if s, ok := strings.CutSuffix(w, "es"); ok {
		candidates = append(candidates, s)
	}
	if s, ok := strings.CutSuffix(w, "s"); ok {
		candidates = append(candidates, s)
	}
	for _, c := range candidates {
		for _, cat := range categories {
			if c == cat {
				return cat
			}
		}
	}
	return ""
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

// words splits text into lower-case words of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
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

// keywords are the meaningful words of a description, with the street
// name, stop words and category words left out.
func keywords(ws []string, street string, category string) map[string]bool {
	skip := map[string]bool{category: true, category + "s": true}
	for _, w := range strings.Fields(street) {
		skip[w] = true
	}
	out := map[string]bool{}
	for _, w := range ws {
		if stopWords[w] || skip[w] {
			continue
		}
		if _, ok := streetSuffixes[w]; ok {
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
}

func describeText(desc, category string) described {
	ws := words(desc)
	street := streetOf(ws)
	return described{street: street, keywords: keywords(ws, street, category)}
}

// descriptionsMatch says whether two descriptions of the same category
// describe the same fault: the same street and similar words (at least
// half of the shorter one's keywords shared, or no other keywords at
// all). Without a street on both sides they must share at least three
// keywords making up three quarters of the shorter one: matching loosely
// there would hide real, separate faults.
func descriptionsMatch(a, b, category string) bool {
	return describeText(a, category).matches(describeText(b, category))
}

func (a described) matches(b described) bool {
	common := 0
	for w := range a.keywords {
		if b.keywords[w] {
			common++
		}
	}
	shorter := min(len(a.keywords), len(b.keywords))
	if a.street != "" && b.street != "" {
		if a.street != b.street {
			return false
		}
		return shorter == 0 || float64(common) >= 0.5*float64(shorter)
	}
	return common >= 3 && float64(common) >= 0.75*float64(shorter)
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
