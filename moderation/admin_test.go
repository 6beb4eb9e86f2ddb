package moderation

import (
	"fmt"
	"strings"
	"testing"
)

// TestAdminCommandsByRole runs every admin command as a group admin, as a
// member and as a bot owner from config: admins and owners get the effect
// and an audit entry, members a refusal and no change at all.
func TestAdminCommandsByRole(t *testing.T) {
	cases := []struct {
		name  string
		setup string // run by Alice (an admin) first
		line  string // after the speaker's name
		want  string
	}{
		{"setrules", "", ": !setrules Be kind to each other", "Rules saved"},
		{"setrules clear", "Alice: !setrules x", ": !setrules clear", "Rules cleared"},
		{"welcome set", "", ": !welcome Hi {name}, welcome to {group}", "Welcome message saved"},
		{"welcome show", "", ": !welcome", "No welcome message is set"},
		{"welcome off", "Alice: !welcome Hi {name}", ": !welcome off", "Welcome message switched off"},
		{"welcome rules", "", ": !welcome rules on", "get the rules with the welcome"},
		{"reportmode", "", ": !reportmode dm", "reach admins by direct message"},
		{"reportmode show", "", ": !reportmode", "Reports mention the admins"},
		{"warn mention", "", ": !warn @Carol off topic", "@Carol has been warned (1 of 3): off topic."},
		{"warn reply", "", " [reply Carol]: !warn off topic", "@Carol has been warned (1 of 3): off topic."},
		{"unwarn", "Alice: !warn @Carol spam", ": !unwarn @Carol", "Removed Carol's latest warning; 0 left."},
		{"unwarn all", "Alice: !warn @Carol spam\nAlice: !warn @Carol spam", ": !unwarn @Carol all", "Cleared Carol's warnings (2)."},
		{"warnlimit", "", ": !warnlimit 5 remove", "at 5 warnings the member is removed"},
		{"warnlimit show", "", ": !warnlimit", "At 3 warnings the admins are told"},
		{"block add", "", ": !block add casino", "Added to the blocklist: casino."},
		{"block add regex", "", ": !block add /c[a@]sh/", "Added to the blocklist: /c[a@]sh/."},
		{"block list", "Alice: !block add casino", ": !block list", "1. casino"},
		{"block remove", "Alice: !block add casino", ": !block remove 1", "Removed from the blocklist: casino."},
		{"block action", "", ": !block action delete", "for blocked words I'll delete the message"},
		{"block show", "", ": !block", "The blocklist has 0 entries"},
		{"links on", "", ": !links on", "Links are now locked"},
		{"links off", "Alice: !links on", ": !links off", "Links are allowed again."},
		{"links allow", "", ": !links allow example.org", "Links to example.org (and its subdomains) are allowed."},
		{"links disallow", "Alice: !links allow example.org", ": !links disallow example.org", "example.org is no longer on the allowed list."},
		{"links action", "", ": !links action remove", "for links I'll remove the member"},
		{"links show", "", ": !links", "Links are allowed in this group."},
		{"antiflood on", "", ": !antiflood on", "Antiflood is on: more than 6 messages from one member within 10 seconds"},
		{"antiflood set", "", ": !antiflood 5 20s", "more than 5 messages from one member within 20 seconds"},
		{"antiflood bare seconds", "", ": !antiflood 5 20", "more than 5 messages from one member within 20 seconds"},
		{"antiflood in seconds", "", ": !antiflood 5 in 30 seconds", "more than 5 messages from one member within 30 seconds"},
		{"antiflood per minute", "", ": !antiflood 8 per 1 min", "more than 8 messages from one member within 1 minute"},
		{"antiflood off", "Alice: !antiflood on", ": !antiflood off", "Antiflood is off."},
		{"antiflood action", "", ": !antiflood action delete", "for flooding I'll delete the message"},
		{"flood alias", "", ": !flood on", "Antiflood is on"},
		{"settings", "", ": !settings", "Settings for Elm Road:"},
		{"audit", "", ": !audit 3", "audit entries, newest first"},
	}
	roles := []struct {
		who     string
		allowed bool
	}{{"Alice", true}, {"Bob", false}, {"Olivia", true}}
	for _, c := range cases {
		for _, role := range roles {
			t.Run(c.name+"/"+role.who, func(t *testing.T) {
				h := newHarness(t, DefaultConfig())
				setup := streetSetup + "Olivia: morning\n"
				if c.setup != "" {
					setup += c.setup + "\n"
				}
				h.Run(setup)
				db := h.Store.Raw()
				before := snapshot(t, db)
				audits := countRows(t, db, `SELECT COUNT(*) FROM audit_log`)
				out := h.Run(role.who + c.line + "\n")
				cmd := strings.Fields(strings.SplitN(c.line, "!", 2)[1])[0]
				if cmd == "flood" {
					cmd = "antiflood"
				}
				refusal := fmt.Sprintf("Sorry, only group admins can use !%s.", cmd)
				if !role.allowed {
					if !strings.Contains(out, refusal) {
						t.Fatalf("member was not refused; got:\n%s", out)
					}
					if after := snapshot(t, db); after != before {
						t.Fatalf("a refused command changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
					}
					return
				}
				if strings.Contains(out, refusal) || !strings.Contains(out, c.want) {
					t.Fatalf("want %q; got:\n%s", c.want, out)
				}
				if n := countRows(t, db, `SELECT COUNT(*) FROM audit_log`); n <= audits {
					t.Fatalf("no audit entry recorded (before %d, after %d)", audits, n)
				}
				var actor string
				if err := db.QueryRow(`SELECT actor_name FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&actor); err != nil {
					t.Fatal(err)
				}
				if actor != role.who && !strings.HasPrefix(c.name, "warn") {
					t.Fatalf("latest audit entry names %q, want %q", actor, role.who)
				}
			})
		}
	}
}
