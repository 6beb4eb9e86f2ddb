package moderation

import (
	"testing"
	"time"
)

func TestFloodTrackerTimeWindow(t *testing.T) {
	ft := newFloodTracker()
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	const chat = "group:street"
	hit := func(person int64, at time.Duration) bool {
		return ft.hit(chat, person, start.Add(at), 3, 10*time.Second)
	}
	// Three messages within the window are fine; a fourth within 10s is a flood.
	for i, at := range []time.Duration{0, 2 * time.Second, 4 * time.Second} {
		if hit(1, at) {
			t.Fatalf("message %d flagged too early", i+1)
		}
	}
	if !hit(1, 6*time.Second) {
		t.Fatal("fourth message within 10s not flagged")
	}
	// The breach reset the count: the next three are fine again.
	for _, at := range []time.Duration{7 * time.Second, 8 * time.Second, 9 * time.Second} {
		if hit(1, at) {
			t.Fatal("flagged again straight after a reset")
		}
	}
	// Spread out, many messages never flood: only the window counts, not
	// how many came in a row.
	for i := range 20 {
		if hit(2, time.Duration(i)*4*time.Second) {
			t.Fatalf("member 2 flagged at message %d though never more than 3 in 10s", i+1)
		}
	}
	// Others talking in between does not hide a flood.
	base := 200 * time.Second
	for i := range 3 {
		hit(1, base+time.Duration(i)*time.Second)
		hit(3, base+time.Duration(i)*time.Second)
	}
	if !hit(1, base+3*time.Second) {
		t.Fatal("interleaved flood not flagged")
	}
	// Per group: the same member in another group counts separately.
	if ft.hit("group:other", 3, start.Add(base+3*time.Second), 3, 10*time.Second) {
		t.Fatal("counts leaked across groups")
	}
	ft.forgetPerson(3)
	if _, ok := ft.groups[chat][3]; ok {
		t.Fatal("forgetPerson kept the member's counts")
	}
}

func TestFloodTrackerSweepsIdleMembers(t *testing.T) {
	ft := newFloodTracker()
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	for p := range int64(100) {
		ft.hit("g", p, start, 5, time.Second)
	}
	later := start.Add(time.Hour)
	for i := range 4096 {
		ft.hit("g", 1000, later.Add(time.Duration(i)*time.Second), 5, time.Second)
	}
	if n := len(ft.groups["g"]); n != 1 {
		t.Fatalf("after a sweep %d members are tracked, want 1", n)
	}
}
