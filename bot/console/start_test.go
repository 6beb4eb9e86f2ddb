package console

import (
	"testing"
	"time"
)

func TestLeadingTime(t *testing.T) {
	feb := time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name, script string
		want         time.Time
	}{
		{"first line", "@time 2026-02-02T09:00:00Z\nAlice: !bot on\n", feb},
		{"after comments and the scene", "# Feeds in February\n\n@group street Elm Road\n@admin Alice\n@time 2026-02-02T09:00:00Z\n", feb},
		{"after a message", "@group street\nAlice: !bot on\n@time 2026-02-02T09:00:00Z\n", time.Time{}},
		{"after an advance", "@advance 1h\n@time 2026-02-02T09:00:00Z\n", time.Time{}},
		{"after a notice", "@notice {\"id\":\"a\",\"title\":\"T\"}\n@time 2026-02-02T09:00:00Z\n", time.Time{}},
		{"not RFC 3339", "@time tomorrow\n", time.Time{}},
		{"none", "Alice: hello\n", time.Time{}},
		{"empty", "", time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := LeadingTime([]byte(tc.script))
			if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
				t.Errorf("got %v, %v; want %v", got, ok, tc.want)
			}
		})
	}
}
