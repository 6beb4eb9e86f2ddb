package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleServesTheInbox: `console -web` with the inbox on: a member of
// the console's staff group signs in, sees a resident's ticket on /inbox
// and replies from the page; the resident's DM has the reply once and the
// staff group is told.
func TestConsoleServesTheInbox(t *testing.T) {
	c := startWebConsole(t, "[inbox]\nenabled = true\nstaff_chat = \"staff\"\nbank_holidays = \"\"\nhours = \"\"\n",
		"@group staff Council staff\n@admin Sam\nSam: !bot on\ndm Erin: The streetlight on Elm Road is out\ndm Sam: !web\n", 1)
	sam := c.signIn(c.links[0])
	code, page := c.get(sam, "/inbox/1")
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page)
	if code != http.StatusOK || key == nil || !strings.Contains(page, "The streetlight on Elm Road is out") {
		t.Fatalf("/inbox/1: %d\n%s", code, page)
	}
	resp, err := sam.PostForm(c.url("/inbox/1"), url.Values{"action": {"reply"}, "key": {key[1]}, "reply": {"An engineer is booked."}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := strings.Count(c.out.String(), "[dm Erin] bot: Council team (Sam): An engineer is booked."); n != 1 {
		t.Errorf("the resident got the reply %d times:\n%s", n, c.out.String())
	}
	if !strings.Contains(c.out.String(), "[staff] bot: C1 · Sam answered on the staff page: An engineer is booked.") {
		t.Errorf("the staff group was not told:\n%s", c.out.String())
	}
	c.stop()
}
