package bot_test

import (
	"strings"
	"testing"

	"neighbourbot/bot"
)

func TestParseQuiet(t *testing.T) {
	tests := map[string]string{
		"22:00-07:00":   "22:00-07:00",
		"22:00 – 07:00": "22:00-07:00",
		"10pm till 7am": "22:00-07:00",
		"21.30 to 6:00": "21:30-06:00",
		"off":           "off",
		"None":          "off",
		"default":       "",
	}
	for in, want := range tests {
		if got, err := bot.ParseQuiet(in); err != nil || got != want {
			t.Errorf("%q: got %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"tea time", "22:00", "25:00-07:00", "22:00-22:00", "late"} {
		if got, err := bot.ParseQuiet(bad); err == nil {
			t.Errorf("%q: got %q, want an error", bad, got)
		}
	}
}

// A group's own quiet hours hold what jobs post there until they end;
// replies go at once; "off" holds nothing.
func TestGroupQuietHoursHoldJobPosts(t *testing.T) {
	var calls int
	h := newHarness(t, &calls)
	h.Run("@admin Alice\nAlice: !bot on\n")
	h.Expect("Bob: !quiet 18:00-07:00", "only group admins")
	h.Expect("Alice: !quiet 18:00-07:00", "Quiet hours here: 18:00–07:00 (this group's own).")
	h.Expect("Bob: !later 10h", "") // due at 19:00, inside the window
	out := h.Run("@advance 11h\nBob: !count\n")
	if strings.Contains(out, "reminder for Bob") || !strings.Contains(out, "counted") {
		t.Fatalf("a job's post went in quiet hours, or a reply was held:\n%s", out)
	}
	if out = h.Run("@advance 10h59m\n"); strings.Contains(out, "reminder for Bob") {
		t.Fatalf("the held post went before 07:00:\n%s", out)
	}
	if out = h.Run("@advance 2m\n"); !strings.Contains(out, "reminder for Bob at Mon 19:00") {
		t.Fatalf("the held post did not go at 07:00:\n%s", out)
	}
	h.Expect("Alice: !quiet off", "off in this group")
	h.Expect("Bob: !later 11h", "")
	out = h.Run("@advance 12h\n")
	if !strings.Contains(out, "reminder for Bob") {
		t.Fatalf("with quiet hours off, a post waited:\n%s", out)
	}
}
