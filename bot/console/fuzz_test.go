package console_test

import (
	"context"
	"strings"
	"testing"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
)

// FuzzRunScript: any script is run line by line against the real engine
// and database; a line the console cannot read is reported and skipped,
// and nothing ends the script early or panics.
func FuzzRunScript(f *testing.F) {
	for _, s := range []string{
		"@admin Alice\nAlice: !bot on\nBob: !echo @Alice\n",
		"Alice [photo 200KB] [location 52.7069,-2.7540]: !echo\n@advance 2h\n@time 2026-01-06T09:00:00Z\n",
		"@group lane Back Lane\n@join Carol\nCarol [reply bot]: hi\n@leave Carol\n@offline on\nAlice: !ask\n@offline off\n",
		"Alice [vote 1]: x\nAlice [quote 9]: x\n@nonsense\n[: \n",
	} {
		f.Add(s)
	}
	var got []*bot.Message
	h := bottest.New(f, bottest.Options{Register: recorder(&got)})
	f.Fuzz(func(t *testing.T, script string) {
		if len(script) > 4096 {
			return
		}
		got = got[:0]
		if err := h.Console.RunScript(context.Background(), strings.NewReader(script), false); err != nil {
			t.Fatalf("script stopped: %v", err)
		}
	})
}
