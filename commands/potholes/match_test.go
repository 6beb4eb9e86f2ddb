package potholes

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		name                     string
		lat1, long1, lat2, long2 float64
		want, tolerance          float64
	}{
		{"same point", 52.7069, -2.7540, 52.7069, -2.7540, 0, 0.001},
		{"one degree of latitude", 0, 0, 1, 0, 111195.08, 0.5},
		{"one degree of longitude at the equator", 0, 0, 0, 1, 111195.08, 0.5},
		{"20 m north on Elm Road", 52.7069, -2.7540, 52.70708, -2.7540, 20.02, 0.05},
		{"50 m east in Shrewsbury", 52.7069, -2.7540, 52.7069, -2.753258, 50.0, 0.2},
		{"Shrewsbury to Telford", 52.7077, -2.7539, 52.6766, -2.4469, 20900, 300},
		{"across the antimeridian", 0, 179.9995, 0, -179.9995, 111.2, 0.1},
		{"pole to pole", 90, 0, -90, 0, math.Pi * earthRadiusM, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := distanceM(tt.lat1, tt.long1, tt.lat2, tt.long2)
			if math.Abs(got-tt.want) > tt.tolerance {
				t.Errorf("distance = %.3f m, want %.3f ± %.3f", got, tt.want, tt.tolerance)
			}
			if back := distanceM(tt.lat2, tt.long2, tt.lat1, tt.long1); math.Abs(back-got) > 1e-6 {
				t.Errorf("not symmetric: %.6f vs %.6f", got, back)
			}
		})
	}
}

func TestNormaliseCategory(t *testing.T) {
	cats := DefaultConfig().Categories
	tests := map[string]string{
		"pothole": "pothole", "Potholes": "pothole", "streetlight": "streetlight", "Street-Lights": "streetlight",
		"fly-tipping": "flytipping", "FLYTIPPING": "flytipping", "drains": "drain", "drain": "drain",
		"spam": "", "": "", "street": "", "lights": "", "potholess": "pothole", "streetlihgt": "streetlight", "gully": "drain",
		"pot": "", "hole": "", "spa": "", "dave": "",
	}
	for in, want := range tests {
		if got := normaliseCategory(in, cats); got != want {
			t.Errorf("normaliseCategory(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDescriptionsMatch(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"outside no. 12 Elm Road, deep", "deep one outside 12 Elm Rd", true},
		{"outside no. 12 Elm Road, deep", "deep outside number 12 ELM ROAD", true},
		{"Elm Road", "huge pothole on Elm Road", true},
		{"outside no. 12 Elm Road, deep", "cracked kerb at the far end of Elm Road by the school gates", false},
		{"outside no. 12 Elm Road, deep", "outside no. 12 Oak Road, deep", false},
		{"deep hole by the post box on the corner", "deep hole next to the post box at the corner", true},
		// The same landmark in the same category is a likely duplicate:
		// the resident is asked, and can file theirs anyway.
		{"deep hole by the post box", "post box painted", true},
		{"by the bus stop", "by the bus stop", true},
		{"huge pothole by the school gates", "huge pothole by the school gates", true},
		{"by the school gates", "deep one near the school gate", true},
		{"by the scool gates", "by the school gates", true},
		{"by the school gates", "school gates, Elm Road", true},
		{"by the park", "by the church", false},
		{"outside no 12", "outside no 14", false},
		{"outside no 12 by the park", "by the park", true},
		{"by the bus stop", "by the bus stop near the chippy and the post office", false},
		{"pothole", "pothole", false}, // nothing of a place on either side
		{"outside 3 Ash Close", "outside 3 Ash Cl", true},
		{"", "outside 3 Ash Close", false},
		{"Ελμ Road near café, riesig", "riesig near café on Ελμ Road", true},
	}
	for _, tt := range tests {
		if got := descriptionsMatch(tt.a, tt.b, "pothole"); got != tt.want {
			t.Errorf("descriptionsMatch(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := descriptionsMatch(tt.b, tt.a, "pothole"); got != tt.want {
			t.Errorf("descriptionsMatch(%q, %q) = %v, want %v (reversed)", tt.b, tt.a, got, tt.want)
		}
	}
}

// TestDescriptionsMatchOtherCategories: the category's own words and the
// words for what is wrong are not the place.
func TestDescriptionsMatchOtherCategories(t *testing.T) {
	tests := []struct {
		cat, a, b string
		want      bool
	}{
		{"streetlight", "streetlight out by the park", "streetlight out by the park", true},
		{"streetlight", "street light out by the park", "lamp post flickering by the park gates", true},
		{"streetlight", "streetlight out by the park", "streetlight out outside no. 5", false},
		{"flytipping", "mattress dumped by the garages", "fly tipping by the garages", true},
		{"flytipping", "bags of rubbish by the garages", "bags of rubbish by the allotments", false},
		{"drain", "blocked drain outside the surgery", "drain overflowing by the surgery", true},
	}
	for _, tt := range tests {
		if got := descriptionsMatch(tt.a, tt.b, tt.cat); got != tt.want {
			t.Errorf("%s: descriptionsMatch(%q, %q) = %v, want %v", tt.cat, tt.a, tt.b, got, tt.want)
		}
		if got := descriptionsMatch(tt.b, tt.a, tt.cat); got != tt.want {
			t.Errorf("%s: descriptionsMatch(%q, %q) = %v, want %v (reversed)", tt.cat, tt.b, tt.a, got, tt.want)
		}
	}
}

// TestParseCategory: spaced, hyphenated, plural and common spellings of
// every category, and how many words they take.
func TestParseCategory(t *testing.T) {
	cats := DefaultConfig().Categories
	tests := []struct {
		in   string
		cat  string
		used int
	}{
		{"streetlight out by no 20", "streetlight", 1},
		{"street light out by no 20", "streetlight", 2},
		{"Street-Lights out", "streetlight", 1},
		{"street lamp out", "streetlight", 2},
		{"lamp post leaning", "streetlight", 2},
		{"fly tipping by the garages", "flytipping", 2},
		{"fly-tipping by the garages", "flytipping", 1},
		{"flytip by the garages", "flytipping", 1},
		{"pot hole outside no 3", "pothole", 2},
		{"pot holes outside no 3", "pothole", 2},
		{"potholes outside no 3", "pothole", 1},
		{"hole in the road outside no 3", "pothole", 4},
		{"drains blocked", "drain", 1},
		{"blocked drain on the corner", "drain", 2},
		{"gully full of leaves", "drain", 1},
		{"flytiping by the shops", "flytipping", 1},
		{"Dave from no. 14", "", 0},
		{"street party", "", 0},
		{"pot of paint", "", 0},
		{"spam", "", 0},
		{"", "", 0},
	}
	for _, tt := range tests {
		cat, used := parseCategory(strings.Fields(tt.in), cats)
		if cat != tt.cat || used != tt.used {
			t.Errorf("parseCategory(%q) = %q, %d; want %q, %d", tt.in, cat, used, tt.cat, tt.used)
		}
	}
	// Only configured categories are reached.
	if cat, _ := parseCategory(strings.Fields("street light out"), []string{"pothole", "graffiti"}); cat != "" {
		t.Errorf("street light reached %q without a streetlight category", cat)
	}
}

func TestFindDuplicates(t *testing.T) {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	pin := func(id int64, cat string, lat, long float64, status Status, confs int) Report {
		return Report{ID: id, Category: cat, Description: "somewhere", HasLocation: true, Lat: lat, Long: long,
			Status: status, Confirmations: confs, Created: at}
	}
	words := func(id int64, desc string) Report {
		return Report{ID: id, Category: "pothole", Description: desc, Status: StatusOpen, Created: at}
	}
	open := []Report{
		pin(1, "pothole", 52.70708, -2.7540, StatusOpen, 0),    // 20 m
		pin(2, "pothole", 52.70700, -2.7540, StatusSent, 3),    // 11 m
		pin(3, "pothole", 52.70735, -2.7540, StatusOpen, 0),    // 50.04 m: just outside
		pin(4, "streetlight", 52.7069, -2.7540, StatusOpen, 0), // other category
		pin(5, "pothole", 52.7069, -2.7540, StatusFixed, 0),    // resolved
		words(6, "deep one outside 12 Elm Rd"),
		pin(7, "pothole", 52.70690, -2.75400, StatusActionScheduled, 1), // 0 m
	}
	tests := []struct {
		name   string
		c      candidate
		radius float64
		want   []int64
	}{
		{"by distance, nearest first", candidate{Category: "pothole", HasLocation: true, Lat: 52.7069, Long: -2.7540}, 50, []int64{7, 2, 1}},
		{"wider radius takes the 50.04 m one", candidate{Category: "pothole", HasLocation: true, Lat: 52.7069, Long: -2.7540}, 51, []int64{7, 2, 1, 3}},
		{"located candidate still matches an unlocated report by words",
			candidate{Category: "pothole", Description: "outside no. 12 Elm Road, deep", HasLocation: true, Lat: 52.7069, Long: -2.7540}, 50, []int64{7, 2, 1, 6}},
		{"no location: words only", candidate{Category: "pothole", Description: "outside no. 12 Elm Road, deep"}, 50, []int64{6}},
		{"other category", candidate{Category: "drain", HasLocation: true, Lat: 52.7069, Long: -2.7540}, 50, nil},
		{"far away", candidate{Category: "pothole", HasLocation: true, Lat: 52.8, Long: -2.7540}, 50, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := findDuplicates(tt.c, open, tt.radius)
			var ids []int64
			for _, m := range got {
				ids = append(ids, m.Report.ID)
			}
			if len(ids) != len(tt.want) {
				t.Fatalf("ids = %v, want %v", ids, tt.want)
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Fatalf("ids = %v, want %v", ids, tt.want)
				}
			}
		})
	}
	t.Run("at most five", func(t *testing.T) {
		var many []Report
		for i := range 8 {
			many = append(many, pin(int64(i+1), "pothole", 52.7069+float64(i)*0.00001, -2.7540, StatusOpen, 0))
		}
		got := findDuplicates(candidate{Category: "pothole", HasLocation: true, Lat: 52.7069, Long: -2.7540}, many, 50)
		if len(got) != maxMatches || got[0].Report.ID != 1 || got[4].Report.ID != 5 {
			t.Errorf("got %d matches starting %v", len(got), got[0].Report.ID)
		}
	})
}

func TestParseRefAndStatus(t *testing.T) {
	refs := []struct {
		in     string
		want   reportRef
		wantOK bool
	}{
		{"P7", reportRef{7, "7"}, true},
		{"p12", reportRef{12, "12"}, true},
		{"P#3", reportRef{3, "3"}, true},
		{"P7,", reportRef{7, "7"}, true},
		{"7", reportRef{7, "7"}, true},
		{"007", reportRef{7, "7"}, true},
		{"1.", reportRef{1, "1"}, true},
		{"9223372036854775807", reportRef{9223372036854775807, "9223372036854775807"}, true},
		// Too large for an id: a reference to no report, never an overflow.
		{"9223372036854775808", reportRef{0, "9223372036854775808"}, true},
		{"P99999999999999999999", reportRef{0, "99999999999999999999"}, true},
		{"P0", reportRef{}, false},
		{"0", reportRef{}, false},
		{"-1", reportRef{}, false},
		{"+1", reportRef{}, false},
		{"1.5", reportRef{}, false},
		{"1e3", reportRef{}, false},
		{"#7", reportRef{}, false},
		{"\uff11", reportRef{}, false}, // full-width digit one
		{"\u0661", reportRef{}, false}, // Arabic-Indic digit one
		{"P", reportRef{}, false},
		{"P-3", reportRef{}, false},
		{"PP7", reportRef{}, false},
		{"", reportRef{}, false},
	}
	for _, c := range refs {
		got, ok := parseRef(c.in)
		if got != c.want || ok != c.wantOK {
			t.Errorf("parseRef(%q) = %+v, %v; want %+v, %v", c.in, got, ok, c.want, c.wantOK)
		}
	}
	statuses := map[string]Status{
		"fixed": StatusFixed, "In Progress": StatusInProgress, "in-progress": StatusInProgress, "action scheduled": StatusActionScheduled,
		"not council's responsibility": StatusNotResponsible, "not councils responsibility": StatusNotResponsible,
		"not responsible": StatusNotResponsible, "duplicate P3": StatusDuplicate, "closed": StatusClosed, "reopen": StatusOpen,
		"banana": "", "sent": "", "fixed it yesterday": "",
	}
	for in, want := range statuses {
		got, _, ok := parseStatus(strings.Fields(strings.ToLower(in)))
		if got != want || ok != (want != "") {
			t.Errorf("parseStatus(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
