package notices

import (
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// TestNoticesHelpNamesEachChoiceOnce checks the !notices usage line: each
// choice once, and the digest taking a time or off.
func TestNoticesHelpNamesEachChoiceOnce(t *testing.T) {
	h := bottest.New(t, harnessOptions(testConfig(), nil))
	out := h.Expect("@group street Elm Road\n@admin Alice\nAlice: !bot on\nAlice: !help notices\n",
		"!notices [on|off|topics LIST|area SY3 7|digest HH:MM|digest off|language english|welsh|both]",
		"send them as one daily digest at HH:MM (or digest off), and choose English, Welsh or both")
	usage := out[strings.Index(out, "!notices ["):]
	usage = usage[:strings.Index(usage, "]")]
	seen := map[string]bool{}
	for _, choice := range strings.Split(strings.TrimPrefix(usage, "!notices ["), "|") {
		if seen[choice] {
			t.Errorf("usage names %q twice: %s", choice, usage)
		}
		seen[choice] = true
	}
}
