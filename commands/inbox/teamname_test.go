package inbox

import (
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// TestTeamNameReadsWell runs what residents read (the acknowledgement, a
// self-help answer, a staff reply, a close with a note, !inbox, !close,
// !tickets) under team names of every shape: the name appears only as a
// label — a signature before ":" or " (", or "Council inbox — NAME." —
// never inside a sentence, where "The Shropshire Council customer services
// has closed C1" would not read.
func TestTeamNameReadsWell(t *testing.T) {
	srv := recordedHolidays(t)
	script := `@group staff Council staff
@admin Sam
Sam: !bot on
@time 2026-01-05T10:00:00Z
dm Erin: The drain outside number 4 is blocked
Sam [reply bot New ticket C1]: Thanks Erin, someone will look this week.
Sam: !close C1 drain cleared on Tuesday
dm Erin: !inbox
dm Erin: !close
dm Erin: my bin wasn't collected
dm Erin: thanks
dm Erin: !tickets
@time 2026-01-10T10:00:00Z
dm Frank: Hello, the streetlight is out
`
	for _, name := range []string{"Council team", "Shropshire Council customer services", "Cllr Smith", "the Highways team", "Ludlow Town Council"} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(srv.URL)
			cfg.TeamName = name
			h := bottest.New(t, options(t, cfg, ""))
			out := h.Run(script)
			for _, line := range strings.Split(out, "\n") {
				line = strings.TrimSpace(line)
				line = strings.TrimPrefix(line, "[dm Erin] bot: ")
				line = strings.TrimPrefix(line, "[dm Frank] bot: ")
				i := strings.Index(line, name)
				if i < 0 || strings.HasPrefix(line, "[staff]") {
					continue
				}
				after := line[i+len(name):]
				label := i == 0 && (strings.HasPrefix(after, ": ") || strings.HasPrefix(after, " ("))
				heading := strings.HasPrefix(line, "Council inbox — "+name+".")
				if !label && !heading {
					t.Errorf("the team name is inside a sentence: %q", line)
				}
			}
			for _, want := range []string{name + " (Sam): Thanks Erin", name + " (Sam): We've closed C1 — drain cleared on Tuesday.", "The team answers Mon–Fri 9am–5pm"} {
				if !strings.Contains(out, want) {
					t.Errorf("no %q in:\n%s", want, out)
				}
			}
		})
	}
}
