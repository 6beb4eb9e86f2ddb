package bot

import "testing"

func TestCheckArea(t *testing.T) {
	tests := []struct {
		in                     string
		area, didYouMean, also string
	}{
		{"SY3 7", "SY3 7", "", ""},
		{"sy3  7", "SY3 7", "", ""},
		{"SY3", "SY3", "", ""},
		{"sy", "SY", "", ""},
		{"SY3 7AB", "SY3 7AB", "", ""},
		{"sy37ab", "SY3 7AB", "", ""},
		{"SY25", "SY25", "", "SY2 5"},
		// SY37 is no district: a sector typed without its space.
		{"sy37", "", "SY3 7", ""},
		{"SY 37", "", "SY3 7", ""},
		{"SY3 77", "", "", ""},
		{"SY 3", "", "SY3", ""},
		// A real district that could also be a sector.
		{"SY10", "SY10", "", "SY1 0"},
		{"SY1 0", "SY1 0", "", ""},
		// London's lettered districts and their shorthand.
		{"W1A", "W1A", "", ""},
		{"w1a 1aa", "W1A 1AA", "", ""},
		{"W1", "W1", "", ""},
		{"EC1A 1BB", "EC1A 1BB", "", ""},
		{"SW1A", "SW1A", "", ""},
		{"M1 1AE", "M1 1AE", "", ""},
		{"B33 8TH", "B33 8TH", "", ""},
		{"CR0", "CR0", "", ""},
		{"BT94", "BT94", "", "BT9 4"},
		// Not postcodes.
		{"Narnia", "", "", ""},
		{"XX3", "", "", ""},
		{"QQ", "", "", ""},
		{"SY99999", "", "", ""},
		{"SY3 7 AB", "", "", ""},
		{"", "", "", ""},
		{"🏠", "", "", ""},
		{"SY3 7A", "", "", ""},
		{"3 7", "", "", ""},
	}
	for _, tt := range tests {
		got := CheckArea(tt.in)
		if got.Area != tt.area || got.DidYouMean != tt.didYouMean || got.AlsoMeans != tt.also {
			t.Errorf("CheckArea(%q) = %+v; want area %q, did you mean %q, also %q", tt.in, got, tt.area, tt.didYouMean, tt.also)
		}
	}
}

func TestAreaCovers(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"SY3", "SY3 7AB", true},
		{"SY", "SY3 7", true},
		{"SY3 7", "SY3 7AB", true},
		{"SY3", "SY13", false},
		{"SY3 7", "SY3 8", false},
		{"W1", "W1A 1AA", true},
		{"W1", "W10", false},
		{"S", "SY3", false},
	}
	for _, tt := range tests {
		if got := AreaCovers(tt.a, tt.b); got != tt.want {
			t.Errorf("AreaCovers(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestParseAreaList(t *testing.T) {
	tests := []struct {
		in, areas, note, err string
	}{
		{"sy3 7, SY4 1", "SY3 7|SY4 1", "", ""},
		{"SY3 7, sy37", "", "", `"sy37" isn't a UK postcode district. Did you mean SY3 7? Type !area SY3 7 to set it.`},
		{"sy41, SY3", "", "", `"sy41" isn't a UK postcode district. Did you mean SY4 1? Type !area SY4 1, SY3 to set it.`},
		{"SY11", "SY11", "(SY11 is a postcode district; for the sector SY1 1 type !area SY1 1.)", ""},
		{"SY3, Narnia", "", "", `"Narnia" isn't a UK postcode district or sector. Try !area SY3 7 or !area SY3, SY4 1.`},
	}
	for _, tt := range tests {
		areas, note, err := ParseAreaList(tt.in, "!area")
		msg := ""
		if err != nil {
			msg, _ = UserMessage(err)
		}
		if got := joinBar(areas); got != tt.areas || note != tt.note || msg != tt.err {
			t.Errorf("ParseAreaList(%q) = %q, %q, %q; want %q, %q, %q", tt.in, got, note, msg, tt.areas, tt.note, tt.err)
		}
	}
}

func joinBar(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += "|"
		}
		out += x
	}
	return out
}
