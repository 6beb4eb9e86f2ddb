package web

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"neighbourbot/bot"
)

// Bar charts of poll results and comment counts, drawn on the server as
// SVG so they read without JavaScript. Each has a title and a description
// (the same figures in words) for screen readers, and every page puts a
// table of the same figures beside it.

//go:embed templates/chart.svg.tmpl
var chartSource string

var chartTmpl = template.Must(template.New("chart").Parse(chartSource))

// The drawing's geometry, in viewBox units: each row is a label above a
// bar on a grey track, the count and share after the track.
const (
	chartWidth  = 400
	chartTrack  = 290
	chartRow    = 56
	chartLabel  = 44 // runes of a label that fit the drawing's width; the table has it whole
	chartMinBar = 2  // a bar for one vote still shows
)

type chartView struct {
	ID, Title, Desc string
	Width, Height   int
	Track, CountX   int
	Bars            []chartBarView
}

type chartBarView struct {
	Label                string
	Count                int
	Percent              string
	LabelY, BarY, CountY int
	Width                string
}

// chartData is what one chart shows: a count for each label, out of Of
// (the voters, or all comments), in Units ("votes"/"vote").
type chartData struct {
	ID, Title string
	// Heading and Column head the table beside the chart.
	Heading, Column string
	Labels          []string
	Counts          []int
	Of              int
	Unit            [2]string // one, many
	// OfWords says what Of counts, for the description: "10 voters".
	OfWords string
}

// barChart draws d as an SVG bar chart.
func barChart(d chartData) (template.HTML, error) {
	v := chartView{ID: d.ID, Title: d.Title, Width: chartWidth, Track: chartTrack, CountX: chartTrack + 8}
	var words []string
	for i, label := range d.Labels {
		count := 0
		if i < len(d.Counts) {
			count = d.Counts[i]
		}
		b := chartBarView{Label: bot.Truncate(label, chartLabel), Count: count,
			LabelY: i*chartRow + 18, BarY: i*chartRow + 25, CountY: i*chartRow + 42}
		b.Percent = share(count, d.Of)
		if d.Of > 0 {
			w := float64(chartTrack) * float64(count) / float64(d.Of)
			if count > 0 && w < chartMinBar {
				w = chartMinBar
			}
			b.Width = fmt.Sprintf("%.1f", min(w, chartTrack))
		}
		v.Bars = append(v.Bars, b)
		words = append(words, fmt.Sprintf("%s: %s (%s)", label, plural(count, d.Unit[0], d.Unit[1]), b.Percent))
	}
	v.Height = len(d.Labels)*chartRow + 4
	if d.Of == 0 {
		v.Desc = fmt.Sprintf("No %s yet.", d.Unit[1])
	} else {
		v.Desc = strings.Join(words, "; ") + ". " + d.OfWords + "."
	}
	var buf bytes.Buffer
	if err := chartTmpl.Execute(&buf, v); err != nil {
		return "", fmt.Errorf("draw chart %s: %w", d.ID, err)
	}
	return template.HTML(buf.String()), nil
}

// share is count out of of as a whole percentage, never rounded to 0% or
// 100% when it is neither: "<1%", ">99%".
func share(count, of int) string {
	switch {
	case of <= 0 || count <= 0:
		return "0%"
	case count >= of:
		return "100%"
	}
	p := (count*100 + of/2) / of
	switch {
	case p < 1:
		return "<1%"
	case p > 99:
		return ">99%"
	}
	return fmt.Sprintf("%d%%", p)
}
