package lending

import (
	"strings"
	"testing"
)

// TestFindErrand checks which errand the words after !join mean, and what
// is left as the note.
func TestFindErrand(t *testing.T) {
	tip := Errand{ID: 1, Place: "tip"}
	centre := Errand{ID: 2, Place: "garden centre"}
	waste := Errand{ID: 3, Place: "garden waste site"}
	garden := Errand{ID: 4, Place: "garden"}
	f := &Feature{}
	for _, tc := range []struct {
		errands []Errand
		words   string
		want    int64 // 0: none
		rest    string
		ties    string
	}{
		{[]Errand{tip}, "", 1, "", ""},
		{[]Errand{tip}, "1 bag", 1, "1 bag", ""},
		{[]Errand{tip}, "a box of tiles", 1, "a box of tiles", ""},
		{[]Errand{tip}, "shops", 0, "", ""},
		{[]Errand{tip}, "shops milk", 0, "", ""},
		{[]Errand{tip}, "Tips old paint", 1, "old paint", ""},
		{[]Errand{tip, centre}, "1 bag", 0, "", ""},
		{[]Errand{tip, centre}, "garden centre compost", 2, "compost", ""},
		{[]Errand{tip, centre}, "gardencentre compost", 2, "compost", ""},
		{[]Errand{tip, centre}, "garden center compost", 2, "compost", ""},
		{[]Errand{tip, centre}, "centre compost", 2, "compost", ""},
		{[]Errand{centre, waste}, "garden compost", 0, "", "garden centre|garden waste site"},
		{[]Errand{centre, waste}, "garden centre compost", 2, "compost", ""},
		{[]Errand{centre, garden}, "garden compost", 4, "compost", ""},
		{[]Errand{centre, garden}, "garden centre compost", 2, "compost", ""},
		{[]Errand{{ID: 5, Place: "shops"}}, "shops shopping bag", 5, "shopping bag", ""},
		{[]Errand{{ID: 6, Place: "wheelbarrow hire"}}, "wheel barrow hire spade", 6, "spade", ""},
	} {
		e, rest, ties, ok := f.findErrand(tc.errands, strings.Fields(tc.words))
		var got int64
		if ok {
			got = e.ID
		}
		if got != tc.want || strings.Join(rest, " ") != tc.rest || strings.Join(ties, "|") != tc.ties {
			t.Errorf("%q: got errand %d, rest %q, ties %q; want %d, %q, %q", tc.words, got, strings.Join(rest, " "), strings.Join(ties, "|"), tc.want, tc.rest, tc.ties)
		}
	}
}
