package bot

import "testing"

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"CAFÉ", "cafe"},
		{"café", "cafe"},
		{"ｃａｆé", "cafe"},           // fullwidth letters
		{"ﬁsh ﬂour", "fish flour"}, // ligatures
		{"Straße", "strasse"},
		{"Ærø Œuvre", "aero oeuvre"},
		{"Łódź", "lodz"},
		{"naïve coöperate", "naive cooperate"},
		{"İstanbul", "istanbul"},
		{"🪜 Ladder", "🪜 ladder"},
		{"plain ascii 123", "plain ascii 123"},
		{"", ""},
	} {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := string(AppendFold([]byte("x:"), "É")); got != "x:e" {
		t.Errorf("AppendFold appends: %q", got)
	}
}
