package main

import (
	"strings"
	"testing"
)

// Everyday messages that happen to start with "!" are chatter: no
// "Unknown command" in the group. A "!word" meant as a command — the word
// alone, or one slip from a real command — is still answered.
func TestBangChatterIsNotAnUnknownCommand(t *testing.T) {
	quiet := []string{
		"!important: bins tomorrow",
		"!NB road closed",
		"!urgent water leak",
		"!Important bins are tomorrow not Friday",
		"!!! the bins!!",
		"!nb the school is shut",
		"!warning ice on the hill 🧊",
		"!FYI parcel left at no. 12",
		"!reminder street party Sat",
		"!heads up, van blocking the lane",
		"!wow what a storm",
		"!attention everyone: lost cat 🐈",
		"!PSA bins moved to Thursday",
		"!update: the road is open again",
		"!announcement from the residents' assoc",
		"!correction it's Friday not Thursday",
	}
	for _, msg := range quiet {
		out, _, _ := runConsoleScript(t, t.TempDir(), "@admin Alice\nAlice: !bot on\nBob: "+msg+"\n")
		_, after, _ := strings.Cut(out, "Bob: "+msg)
		if strings.Contains(after, "bot:") {
			t.Errorf("%q was answered:\n%s", msg, after)
		}
	}
	answered := map[string]string{
		"!halp":      "did you mean !help",
		"!itmes":     "did you mean !items",
		"!lnd drill": "did you mean !lend",
		"!zzzzzz":    "Unknown command !zzzzzz. Type !help for the list.",
		"!important": "Unknown command !important.",
		"!my data":   "did you mean !mydata",
		// In a direct message everything is said to the bot.
		"dm Bob: !urgent my bin was not collected": "Unknown command !urgent. Type !help for the list.",
	}
	for msg, want := range answered {
		line := "Bob: " + msg
		if strings.HasPrefix(msg, "dm ") {
			line = msg
		}
		out, _, _ := runConsoleScript(t, t.TempDir(), "@admin Alice\nAlice: !bot on\n"+line+"\n")
		if !strings.Contains(out, want) {
			t.Errorf("%q: want %q in:\n%s", msg, want, out)
		}
	}
}

// A "!"-led message is chatter to the listeners too: the power-cut hint
// follows "!urgent no power on our road".
func TestBangChatterReachesTheListeners(t *testing.T) {
	out, _, _ := runConsoleScript(t, t.TempDir(), "@admin Alice\nAlice: !bot on\nAlice: !power suggest on\nBob: !urgent no power on our road\n")
	_, after, _ := strings.Cut(out, "Bob: !urgent")
	if !strings.Contains(after, "Shall I start a power check? Type !power.") || strings.Contains(after, "Unknown command") {
		t.Errorf("want the hint and no unknown command:\n%s", after)
	}
}
