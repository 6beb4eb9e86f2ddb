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
		// Look-alikes from other scripts fold to the Latin letters they
		// imitate (TR39 prototypes); ASCII is left alone.
		{"l\u0430dder", "ladder"},                          // Cyrillic а
		{"\u0405\u0422\u0415\u0420 ladder", "step ladder"}, // Cyrillic ЅТЕР
		{"\u0392\u039f\u0392", "bob"},                      // Greek ΒΟΒ
		{"dr\u0456ll", "drill"},                            // Ukrainian і
		{"modern mill 101", "modern mill 101"},             // no m→rn, 1→l in ASCII
		{"日本語", "日本語"},                                     // no look-alike: unchanged
		{"🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F", "🏴\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F"},
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

func TestUnmixScripts(t *testing.T) {
	for in, want := range map[string]string{
		"l\u0430dder":                     "ladder",
		"\u0405\u0422\u0415\u0420 ladder": "STEP ladder",
		"драбина":                         "драбина", // one script: as typed
		"ladder":                          "ladder",
		"Zoë's drill":                     "Zoë's drill",
		"🪜 l\u0430dder":                   "🪜 ladder",
	} {
		if got := UnmixScripts(in); got != want {
			t.Errorf("UnmixScripts(%q) = %q, want %q", in, got, want)
		}
	}
}
