package main

import (
	"strings"
	"testing"
)

// A phone number typed into any command — after an "@" or written out —
// is never repeated: every feature gets the same plain answer.
func TestTypedPhoneNumbersAreNeverRepeated(t *testing.T) {
	commands := []string{
		"Bob: !lent ladder @+447700900123 for 3d",
		"Bob: !lent berfa @07700900123",
		"Bob: !lend drill — ring 07700 900123",
		"Bob: !borrow @+44 7700 900123",
		"Bob: !warn @07700900123 spam",
		"Bob: !warnings @+447700900123",
		"Bob: !pothole new deep hole by no. 4, call 07700900123",
		"Bob: !report broken light, text +44 7700 900123",
		"Bob: !errand @07700900123 tip run",
		"Alice: !block @+447700900123",
		"Alice: !warn @07700 900123 shouting",
		"dm Bob: !lent ladder @07700900123",
	}
	for _, line := range commands {
		out, _, _ := runConsoleScript(t, t.TempDir(), "@admin Alice\nAlice: !bot on\ndm Bob: hi\n"+line+"\n")
		_, text, _ := strings.Cut(line, ": ")
		_, after, _ := strings.Cut(out, text)
		if !strings.Contains(after, "mention them with @ from your phone's list") {
			t.Errorf("%s: no plain answer:\n%s", line, after)
		}
		for _, digits := range []string{"7700", "900123", "900 123"} {
			if strings.Contains(after, digits) {
				t.Errorf("%s: the number came back:\n%s", line, after)
			}
		}
	}
}
