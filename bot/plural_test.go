package bot

import "testing"

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{Plural(0, "warning", "warnings"), "0 warnings"},
		{Plural(1, "warning", "warnings"), "1 warning"},
		{Plural(int64(12), "person", "people"), "12 people"},
		{Plural(-1, "day", "days"), "-1 days"},
		{Count(1, "reply"), "1 reply"},
		{Count(2, "reply"), "2 replies"},
		{Count(3, "day"), "3 days"},
		{Count(2, "power check"), "2 power checks"},
		{Count(2, "power-check answer"), "2 power-check answers"},
		{Count(0, "photo"), "0 photos"},
		{Count(2, "box"), "2 boxes"},
		{Count(2, "match"), "2 matches"},
		{Count(2, "other neighbour"), "2 other neighbours"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
