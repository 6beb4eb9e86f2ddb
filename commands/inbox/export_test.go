package inbox

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
	"time"

	"neighbourbot/bot/bottest"
)

// TestWorkingTime counts office minutes between two moments: hours, nights,
// weekends, closed days and bank holidays (GOV.UK's 2026 dates).
func TestWorkingTime(t *testing.T) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("testdata", "bank-holidays.json"))
	if err != nil {
		t.Fatal(err)
	}
	holidays, err := parseBankHolidays(data, "england-and-wales")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cal := func(hours string, closed ...string) calendar {
		h, err := ParseHours(hours)
		if err != nil {
			t.Fatal(err)
		}
		c := calendar{hours: h, loc: loc, closed: map[string]string{}}
		for d, title := range holidays {
			c.closed[d] = title
		}
		for _, d := range closed {
			c.closed[d] = "closed"
		}
		return c
	}
	office := cal("Mon-Fri 09:00-17:00")
	for _, tt := range []struct {
		name     string
		c        calendar
		from, to string
		want     time.Duration
	}{
		{"within one morning", office, "2026-01-05 09:30", "2026-01-05 10:15", 45 * time.Minute},
		{"written at night, answered at 9:05", office, "2026-01-05 22:00", "2026-01-06 09:05", 5 * time.Minute},
		{"Friday evening to Monday 9:05", office, "2026-01-09 18:20", "2026-01-12 09:05", 5 * time.Minute},
		{"Friday afternoon to Monday", office, "2026-01-09 16:00", "2026-01-12 10:00", 2 * time.Hour},
		{"over Easter (Good Friday, Easter Monday)", office, "2026-04-02 17:30", "2026-04-07 09:05", 5 * time.Minute},
		{"a closed day", cal("Mon-Fri 09:00-17:00", "2026-12-24"), "2026-12-23 16:00", "2026-12-29 09:30", 90 * time.Minute},
		{"a whole working week", office, "2026-01-05 00:00", "2026-01-12 00:00", 40 * time.Hour},
		{"short Friday", cal("Mon-Thu 09:00-17:00, Fri 09:00-16:30"), "2026-01-09 16:00", "2026-01-09 17:00", 30 * time.Minute},
		{"overlapping windows count once", cal("Mon-Fri 09:00-17:00, Mon 12:00-18:00"), "2026-01-05 08:00", "2026-01-05 20:00", 9 * time.Hour},
		{"always open", cal(""), "2026-01-09 18:20", "2026-01-12 09:05", 62*time.Hour + 45*time.Minute},
		{"the clocks go forward", cal("Sun 00:00-24:00"), "2026-03-29 00:00", "2026-03-30 00:00", 23 * time.Hour},
		{"backwards", office, "2026-01-05 10:00", "2026-01-05 09:00", 0},
	} {
		if got := tt.c.workingTime(at(tt.from), at(tt.to)); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestExportWorkingMinutes: a ticket written on the Thursday evening
// before Easter and answered at 9:05 on the Tuesday after is 5 working
// minutes, however many wall-clock minutes; the bank holidays come from
// the copy the bot fetched (a real HTTP server) and kept.
func TestExportWorkingMinutes(t *testing.T) {
	srv := recordedHolidays(t)
	cfg := testConfig(srv.URL)
	h := bottest.New(t, options(t, cfg, ""))
	transcript := h.Run(`@group staff Council staff
@admin Sam
Sam: !bot on
@time 2026-04-02T17:30:00+01:00
dm Erin: The streetlight outside number 4 has been out all week
@time 2026-04-07T09:05:00+01:00
Sam: !reply C1 Thanks Erin, it's booked for repair.
@time 2026-04-07T11:05:00+01:00
Sam: !close C1
`)
	loc, _ := time.LoadLocation("Europe/London")
	var files bytes.Buffer
	export := func(opts ExportOptions) [][]string {
		var buf bytes.Buffer
		opts.Location = loc
		if err := Export(context.Background(), h.Store.DB(), &buf, opts); err != nil {
			t.Fatal(err)
		}
		files.WriteString("\n$ neighbourbot inbox export" + map[bool]string{true: " --by-desk", false: ""}[opts.ByDesk] + "\n" + buf.String())
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("csv %v: %q", err, buf.String())
		}
		return recs
	}
	recs := export(ExportOptions{Config: &cfg})
	got := map[string]string{}
	for i, col := range recs[0] {
		got[col] = recs[1][i]
	}
	want := map[string]string{"minutes_to_first_reply": "6695", "working_minutes_to_first_reply": "5",
		"minutes_to_close": "6815", "working_minutes_to_close": "125"}
	for col, v := range want {
		if got[col] != v {
			t.Errorf("%s = %q, want %q (row %v)", col, got[col], v, recs[1])
		}
	}
	byDesk := export(ExportOptions{Config: &cfg, ByDesk: true})
	if w := byDesk[1][len(byDesk[1])-2:]; w[0] != "5" || w[1] != "125" {
		t.Errorf("by desk: %v", byDesk)
	}
	// The council's side: the chat, then the files its records get.
	bottest.CompareGolden(t, filepath.Join("testdata", "export", "easter.golden"), transcript+files.String())
	// Without the config every minute counts.
	if r := export(ExportOptions{})[1]; r[12] != "6695" {
		t.Errorf("without hours: %v", r)
	}
}
