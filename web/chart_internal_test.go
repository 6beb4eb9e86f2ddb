package web

import (
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// TestChartGolden: the charts as drawn, against golden files in testdata
// (go test -run TestChartGolden ./web/ -update rewrites them; look at each
// in a browser before keeping it).
func TestChartGolden(t *testing.T) {
	votes := [2]string{"vote", "votes"}
	for _, tc := range []struct {
		name string
		d    chartData
	}{
		{"poll", chartData{ID: "chart-all", Title: "All areas: 20 mph on Longden Road?", Labels: []string{"Yes", "No"}, Counts: []int{7, 3}, Of: 10, Unit: votes, OfWords: "10 voters in all"}},
		{"none", chartData{ID: "chart-area-0", Title: "Area SY3 7: 20 mph?", Labels: []string{"Yes", "No", "Don't mind"}, Counts: []int{0, 0, 0}, Unit: votes}},
		{"multiple", chartData{ID: "chart-all", Title: "Which days suit you?", Labels: []string{"Saturday", "Sunday", "Monday"}, Counts: []int{4, 1, 3}, Of: 5, Unit: votes, OfWords: "5 voters in all (each may choose several)"}},
		// Text a resident or an officer wrote is escaped, and a long
		// option is shortened in the drawing (the table has it whole).
		{"escaped", chartData{ID: "chart-comments", Title: `Comments by area: "Bins" <& more>`, Labels: []string{`<script>alert(1)</script>`, strings.Repeat("A very long option ", 5), "One in a thousand"}, Counts: []int{998, 1, 1}, Of: 1000, Unit: [2]string{"comment", "comments"}, OfWords: "1000 comments in all"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := barChart(tc.d)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(got), "<script>") {
				t.Errorf("unescaped text in the chart:\n%s", got)
			}
			bottest.CompareGolden(t, "testdata/chart-"+tc.name+".svg", string(got)+"\n")
		})
	}
}
