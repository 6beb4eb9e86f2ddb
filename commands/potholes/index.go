package potholes

import (
	"context"
	"math"
	"sort"

	"neighbourbot/bot"
)

// The "Already reported?" check reads only the open reports that could
// match — those in the grid cells a pin's radius reaches, and those that
// share a word of place — so its cost follows what is near, not how many
// reports the group has filed. The matching itself (findDuplicates) is
// unchanged: the index only chooses what it is shown.

// Grid cell sizes, in degrees; migration 004 computes the same.
const (
	cellLatDeg  = 0.001
	cellLongDeg = 0.0015
)

// maxIndexCandidates bounds how many reports one lookup reads, newest
// first, whatever the index returns: the reply shows five at most.
const maxIndexCandidates = 200

// perKeyCandidates bounds how many reports one word of place brings, newest
// first. A word shared by more open reports than this (a house number in a
// busy street) still finds the newest of them, and the street or another
// word finds the rest.
const perKeyCandidates = 50

// cellOf is a pin's grid cell, as migration 004 computes it in SQL.
func cellOf(lat, long float64) (y, x int64) {
	return int64((lat + 90) * 1000), int64((long + 180) / 0.0015)
}

// cellSpan is the range of cells within radiusM of a pin.
func cellSpan(lat, long, radiusM float64) (y0, y1, x0, x1 int64) {
	dLat := radiusM / 111320
	cos := math.Max(math.Cos(lat*math.Pi/180), 0.01)
	dLong := radiusM / (111320 * cos)
	y0, x0 = cellOf(lat-dLat, long-dLong)
	y1, x1 = cellOf(lat+dLat, long+dLong)
	return y0, y1, x0, x1
}

// Keys of pothole_words. A report on a named street is found by a lookup
// on the same street through its street and words together, so a street
// group where every report says "Elm Road" does not read them all; by its
// words alone only for a lookup that names no street. A report on no
// street is also found by its words alone from a lookup that names one.
//
//	s:S       every report on street S (a lookup naming only the street)
//	s0:S      a report on S with no other word of place (matches any on S)
//	sw:S|w    a word of place on S; sd:S|v the word with a letter left out
//	w:w, d:v  a word of place of any report
//	x:w, xd:v a word of place of a report on no named street
//
// Words of five letters or more are also stored with one letter left out,
// so one slip still finds the report (closeWords makes the final call).

// indexKeys are the keys a report's description is stored under.
func indexKeys(desc, category string) []string {
	d := describeText(desc, category)
	keys := map[string]bool{}
	words := d.allWords()
	if d.street != "" {
		keys["s:"+d.street] = true
		if len(d.keywords) == 0 {
			keys["s0:"+d.street] = true
		}
	}
	for w := range words {
		add := func(exact, deleted string) {
			keys[exact+w] = true
			for _, v := range deletions(w) {
				keys[deleted+v] = true
			}
		}
		add("w:", "d:")
		if d.street != "" {
			add("sw:"+d.street+"|", "sd:"+d.street+"|")
		} else {
			add("x:", "xd:")
		}
	}
	return sortedKeys(keys)
}

// lookupKeys are the keys to look a new description up by: each word of
// place as itself or within one slip of a stored word (stored with a
// letter left out, or this word with one left out), on the same street
// when it names one.
func lookupKeys(desc, category string) []string {
	d := describeText(desc, category)
	keys := map[string]bool{}
	words := d.allWords()
	if d.street != "" {
		keys["s0:"+d.street] = true
		if len(words) == 0 {
			keys["s:"+d.street] = true
		}
	}
	for w := range words {
		add := func(exact, deleted string) {
			keys[exact+w], keys[deleted+w] = true, true
			for _, v := range deletions(w) {
				keys[exact+v], keys[deleted+v] = true, true
			}
		}
		if d.street != "" {
			add("sw:"+d.street+"|", "sd:"+d.street+"|")
			add("x:", "xd:")
		} else {
			add("w:", "d:")
		}
	}
	return sortedKeys(keys)
}

// allWords is every word of place with the pairs run together.
func (d described) allWords() map[string]bool {
	out := make(map[string]bool, len(d.keywords)+len(d.pairs))
	for w := range d.keywords {
		out[w] = true
	}
	for _, p := range d.pairs {
		out[p.joined] = true
	}
	return out
}

// deletions are w's forms with one letter left out, for words long enough
// that closeWords forgives a slip; none for numbers.
func deletions(w string) []string {
	r := []rune(w)
	if len(r) < 5 || isNumber(w) {
		return nil
	}
	out := make([]string, 0, len(r))
	for i := range r {
		out = append(out, string(r[:i])+string(r[i+1:]))
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// duplicateCandidates reads the open reports of c's category in the group
// that findDuplicates could match: pinned ones near c's pin, and those
// matched on words (every one when c has no pin, unpinned ones when it
// has).
func (f *Feature) duplicateCandidates(ctx context.Context, chat bot.ChatID, c candidate) ([]Report, error) {
	if err := f.store.indexPending(ctx, chat, c.Category); err != nil {
		return nil, err
	}
	var out []Report
	if c.HasLocation {
		y0, y1, x0, x1 := cellSpan(c.Lat, c.Long, float64(f.cfg.DuplicateRadiusM))
		near, err := f.store.nearby(ctx, chat, c.Category, y0, y1, x0, x1)
		if err != nil {
			return nil, err
		}
		out = append(out, near...)
	}
	byWords, err := f.store.byWords(ctx, chat, c.Category, lookupKeys(c.Description, c.Category), c.HasLocation)
	if err != nil {
		return nil, err
	}
	out = append(out, byWords...)
	// In filing order, as findDuplicates breaks ties.
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
