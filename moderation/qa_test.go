package moderation

import (
	"strconv"
	"strings"
	"testing"

	"neighbourbot/bot"
)

// TestBareNameAsksForAMention checks that member commands given a name
// without an @mention ask for one, instead of answering about the sender
// or someone else, and change nothing.
func TestBareNameAsksForAMention(t *testing.T) {
	cases := []struct{ line, want string }{
		{"Bob: !warnings Carol", "Mention them: !warnings @Carol — type @ and pick them from the list."},
		{"Alice: !warn Carol reason", "Mention them: !warn @Carol reason — type @ and pick them from the list."},
		{"Alice: !unwarn Carol", "Mention them: !unwarn @Carol — type @ and pick them from the list."},
		{"Alice: !unwarn Carol all", "Mention them: !unwarn @Carol all — type @ and pick them from the list."},
		{"Alice: !warnings " + strings.Repeat("é", 3000) + " 😀 " + strings.Repeat("x", 900), "Mention them: !warnings @ééé"},
	}
	for i, c := range cases {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			h := newHarness(t, DefaultConfig())
			h.Run(streetSetup + "Alice: !warn @Carol spam\n")
			before := snapshot(t, h.Store.DB())
			out := h.Expect(c.line+"\n", c.want)
			if strings.Contains(out, "no warnings") || strings.Contains(out, "has 1 warning") {
				t.Errorf("answered about someone instead of asking for a mention:\n%s", out)
			}
			if reply := out[strings.Index(out, "bot:"):]; bot.RuneLen(reply) > 200 {
				t.Errorf("reply echoes too much of the input (%d characters)", bot.RuneLen(reply))
			}
			if after := snapshot(t, h.Store.DB()); after != before {
				t.Errorf("store changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	t.Run("mention and no argument still work", func(t *testing.T) {
		h := newHarness(t, DefaultConfig())
		h.Run(streetSetup + "Alice: !warn @Carol spam\n")
		h.Expect("Bob: !warnings @Carol\n", "Carol has 1 warning here")
		h.Expect("Bob: !warnings\n", "Bob has no warnings here.")
	})
}
