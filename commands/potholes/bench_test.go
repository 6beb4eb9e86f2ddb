package potholes

import (
	"fmt"
	"testing"
	"time"
)

// openReports builds n open reports spread over about a kilometre, half
// with a pin, for the "already reported?" check.
func openReports(n int) []Report {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	streets := []string{"Elm Road", "Oak Lane", "Ash Close", "Birch Avenue", "Mill Lane"}
	out := make([]Report, n)
	for i := range out {
		out[i] = Report{ID: int64(i + 1), Category: "pothole", Status: StatusOpen, Created: at,
			Description: fmt.Sprintf("deep hole outside no. %d %s by the drain", i%90+1, streets[i%len(streets)])}
		if i%2 == 0 {
			out[i].HasLocation = true
			out[i].Lat = 52.7 + float64(i%100)*0.0001
			out[i].Long = -2.75 + float64(i/100)*0.0001
		}
	}
	return out
}

func BenchmarkFindDuplicatesWithPin(b *testing.B) {
	open := openReports(1000)
	c := candidate{Category: "pothole", Description: "deep outside no. 12 Elm Road", HasLocation: true, Lat: 52.7069, Long: -2.7540}
	b.ResetTimer()
	for range b.N {
		findDuplicates(c, open, 50)
	}
}

func BenchmarkFindDuplicatesByWords(b *testing.B) {
	open := openReports(1000)
	c := candidate{Category: "pothole", Description: "deep outside no. 12 Elm Road"}
	b.ResetTimer()
	for range b.N {
		findDuplicates(c, open, 50)
	}
}
