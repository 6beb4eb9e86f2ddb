package bot

import (
	"fmt"
	"strings"
	"sync"
)

// postcodeArea is a UK postcode area ("SY"), district ("SY3"), sector
// ("SY3 7") or full postcode ("SY3 7AB"), split at the space.
type postcodeArea struct{ outward, inward string }

var (
	districtsOnce sync.Once
	districtSet   map[string]bool // "SY3", "W1A"
	districtGroup map[string]bool // "W1", "EC1": shorthand for W1A…W1W
)

func loadDistricts() {
	districtSet, districtGroup = map[string]bool{}, map[string]bool{}
	for area, list := range postcodeDistricts {
		for _, d := range strings.Fields(list) {
			districtSet[area+d] = true
			if last := d[len(d)-1]; last >= 'A' && last <= 'Z' {
				districtGroup[area+d[:len(d)-1]] = true
			}
		}
	}
}

// isArea reports whether s is a postcode area's letters ("SY").
func isArea(s string) bool {
	_, ok := postcodeDistricts[s]
	return ok
}

// isDistrict reports whether s is an existing district, or a London
// shorthand such as W1 or EC1 for the lettered districts under it.
func isDistrict(s string) bool {
	districtsOnce.Do(loadDistricts)
	return districtSet[s] || districtGroup[s]
}

func isDigit(b byte) bool  { return b >= '0' && b <= '9' }
func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' }

// validInward reports whether in is a sector digit ("7") or a full
// inward code ("7AB").
func validInward(in string) bool {
	switch len(in) {
	case 1:
		return isDigit(in[0])
	case 3:
		return isDigit(in[0]) && isLetter(in[1]) && isLetter(in[2])
	}
	return false
}

// AreaCheck is the result of reading a postcode area someone typed.
type AreaCheck struct {
	// Area is the canonical form ("SY3 7") when the input reads as one
	// postcode area, district, sector or full postcode; "" otherwise.
	Area string
	// DidYouMean is the one reading that exists when the input as typed
	// does not ("SY37" → "SY3 7"): ask rather than store a slip.
	DidYouMean string
	// AlsoMeans is a second reading when the input is a real district
	// that could also be a sector typed without its space ("SY10" could be
	// "SY1 0"): Area is the district, and a reply can say how to get the
	// other.
	AlsoMeans string
}

// CheckArea reads "sy3  7", "SY3 7", "sy37ab" or "SY" against the UK's
// postcode areas and districts.
func CheckArea(s string) AreaCheck {
	f := strings.Fields(strings.ToUpper(s))
	switch len(f) {
	case 1:
		return checkCompact(f[0])
	case 2:
		out, in := f[0], f[1]
		if isDistrict(out) && validInward(in) {
			return AreaCheck{Area: out + " " + in}
		}
		// "SY 37" or "SY3 77": the space in the wrong place.
		c := checkCompact(out + in)
		if c.Area != "" {
			return AreaCheck{DidYouMean: c.Area}
		}
		return AreaCheck{DidYouMean: c.DidYouMean}
	}
	return AreaCheck{}
}

func checkCompact(t string) AreaCheck {
	if t == "" {
		return AreaCheck{}
	}
	letters := 0
	for letters < len(t) && isLetter(t[letters]) {
		letters++
	}
	if letters == len(t) {
		if isArea(t) {
			return AreaCheck{Area: t}
		}
		return AreaCheck{}
	}
	if letters == 0 || letters > 2 || !isArea(t[:letters]) {
		return AreaCheck{}
	}
	// A full postcode without its space: "SY37AB".
	if n := len(t); n >= 5 && validInward(t[n-3:]) {
		if isDistrict(t[:n-3]) {
			return AreaCheck{Area: t[:n-3] + " " + t[n-3:]}
		}
		return AreaCheck{}
	}
	asDistrict := isDistrict(t)
	n := len(t)
	asSector := n-1 > letters && isDigit(t[n-1]) && isDistrict(t[:n-1])
	switch {
	case asDistrict && asSector:
		return AreaCheck{Area: t, AlsoMeans: t[:n-1] + " " + t[n-1:]}
	case asDistrict:
		return AreaCheck{Area: t}
	case asSector:
		return AreaCheck{DidYouMean: t[:n-1] + " " + t[n-1:]}
	}
	return AreaCheck{}
}

func parseArea(s string) (postcodeArea, bool) {
	c := CheckArea(s)
	if c.Area == "" {
		return postcodeArea{}, false
	}
	out, in, _ := strings.Cut(c.Area, " ")
	return postcodeArea{out, in}, true
}

func (a postcodeArea) String() string { return strings.TrimSpace(a.outward + " " + a.inward) }

// covers reports whether a (the more general) contains b.
func (a postcodeArea) covers(b postcodeArea) bool {
	if a.inward == "" {
		if letterPrefix(a.outward) == a.outward {
			return letterPrefix(b.outward) == a.outward
		}
		if a.outward == b.outward {
			return true
		}
		// W1 covers W1A … W1W.
		return districtGroup[a.outward] && len(b.outward) == len(a.outward)+1 && strings.HasPrefix(b.outward, a.outward) && isLetter(b.outward[len(b.outward)-1])
	}
	return a.outward == b.outward && strings.HasPrefix(b.inward, a.inward)
}

// letterPrefix returns the postcode area letters of an outward code ("SY" of "SY3").
func letterPrefix(outward string) string {
	i := strings.IndexFunc(outward, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return outward
	}
	return outward[:i]
}

// NormalizeArea turns "sy3  7", "SY3 7" or "sy37ab" into the canonical
// "SY3 7" / "SY3 7AB" form. ok is false for text that is not an existing
// UK postcode area, district, sector or full postcode (use CheckArea to
// learn what it may have meant).
func NormalizeArea(s string) (string, bool) {
	a, ok := parseArea(s)
	if !ok {
		return "", false
	}
	return a.String(), true
}

// AreaCovers reports whether two areas overlap: one contains the other.
// "SY3" and "SY3 7AB" overlap, "SY3" and "SY31" do not.
func AreaCovers(x, y string) bool {
	a, ok1 := parseArea(x)
	b, ok2 := parseArea(y)
	if !ok1 || !ok2 {
		return false
	}
	return a.covers(b) || b.covers(a)
}

// ParseAreaList reads an admin's comma-separated list of areas ("SY3 7,
// sy4 1") for the command cmd ("!area"). A slip that exists only with a
// space put in ("SY37") is not stored: the error asks "did you mean" with
// the whole corrected command to copy. note, when not empty, says how to
// get the other reading of an input that is a real district but could be
// a sector too ("SY10" / "SY1 0").
func ParseAreaList(list, cmd string) (areas []string, note string, err error) {
	parts := strings.Split(list, ",")
	fixed := make([]string, 0, len(parts))
	var wrong, meant string
	var notes []string
	for _, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		c := CheckArea(part)
		switch {
		case c.Area != "":
			if !contains(areas, c.Area) {
				areas = append(areas, c.Area)
			}
			fixed = appendNew(fixed, c.Area)
			if c.AlsoMeans != "" {
				notes = append(notes, fmt.Sprintf("%s is a postcode district; for the sector %s type %s %s", c.Area, c.AlsoMeans, cmd, c.AlsoMeans))
			}
		case c.DidYouMean != "" && wrong == "":
			wrong, meant = part, c.DidYouMean
			fixed = appendNew(fixed, c.DidYouMean)
		case c.DidYouMean != "":
			fixed = appendNew(fixed, c.DidYouMean)
		default:
			return nil, "", Userf("%q isn't a UK postcode district or sector. Try %s SY3 7 or %s SY3, SY4 1.", Truncate(part, 20), cmd, cmd)
		}
	}
	if wrong != "" {
		return nil, "", Userf("%q isn't a UK postcode district. Did you mean %s? Type %s %s to set it.", Truncate(wrong, 20), meant, cmd, strings.Join(fixed, ", "))
	}
	if len(notes) > 0 {
		note = "(" + strings.Join(notes, "; ") + ".)"
	}
	return areas, note, nil
}

// AreaProblem is the reply for one area that does not read, e.g. in
// "!subscribe gritting SY37": a "did you mean" where one reading exists.
func AreaProblem(input, example string) error {
	c := CheckArea(input)
	if c.DidYouMean != "" {
		return Userf("%q isn't a UK postcode district. Did you mean %s? Type %s.", Truncate(strings.TrimSpace(input), 20), c.DidYouMean, strings.ReplaceAll(example, "AREA", c.DidYouMean))
	}
	return Userf("%q isn't a UK postcode district or sector. Type %s.", Truncate(strings.TrimSpace(input), 20), strings.ReplaceAll(example, "AREA", "SY3 7"))
}

func appendNew(list []string, s string) []string {
	if contains(list, s) {
		return list
	}
	return append(list, s)
}
