package potholes

import "testing"

// TestPlaceIn: only a place the resident wrote goes to the council as the
// address — a street (with its number) or a full postcode — never the
// rest of the description.
func TestPlaceIn(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"Deep pothole outside no. 12 Elm Rd, nearly lost a tyre", "12 Elm Rd"},
		{"There's a deep pothole on Castle Street by the school", "Castle Street"},
		{"Belle Vue Road has a sunken drain by the bus stop", "Belle Vue Road"},
		{"pothole on elm road near the shop", "elm road"},
		{"streetlight out at 4a Church Lane SY3 7FA", "4a Church Lane, SY3 7FA"},
		{"lamp post flickering, postcode sy37fa", "SY3 7FA"},
		{"huge pothole at the end of the road", ""},
		{"the drain by the park gates is blocked", ""},
		{"rubbish dumped again, it's a disgrace", ""},
		{"Pothole. Street light out too", ""},
		{"not ZZ9 9ZZ but the corner of Mill Way", "Mill Way"},
		{"Rué Saint-Étienne Road pothole", "Rué Saint-Étienne Road"},
	} {
		if got := placeIn(tt.text); got != tt.want {
			t.Errorf("placeIn(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
