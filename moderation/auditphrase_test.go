package moderation

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// auditKeyWrites finds the audit action keys written as string literals
// anywhere in the module: AuditEntry{Action: "…"} and the audit helpers'
// action argument (x.audit, adminAudit; not notices' own audit(ctx, tx, …)
// table of notice events). A literal ending in "." is a prefix for on/off.
var auditKeyWrites = []*regexp.Regexp{
	regexp.MustCompile(`Action:\s*"([a-z_.]+)"`),
	regexp.MustCompile(`(?:\.audit|adminAudit)\(ctx,[^\n]*?"([a-z_]+(?:\.[a-z_]*)*)"`),
}

// TestEveryAuditKeyHasAPhrase makes sure !audit shows a phrase, not a key,
// for every action the codebase writes, including the core's and other
// features', so a feature adding a key is caught here.
func TestEveryAuditKeyHasAPhrase(t *testing.T) {
	keys := map[string]string{}
	// Written through variables rather than literals: giveWarning's action,
	// setAction's rule+".action", and recorded's route names.
	for _, k := range []string{"warn", "warn.auto", "block.action", "links.action", "antiflood.action",
		"setrules", "welcome", "reportmode", "unwarn", "warnlimit", "block", "links", "antiflood", "settings", "audit"} {
		keys[k] = "moderation"
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != ".." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range auditKeyWrites {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				if strings.HasSuffix(m[1], ".") {
					keys[m[1]+"on"], keys[m[1]+"off"] = path, path
					continue
				}
				keys[m[1]] = path
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"bot.on", "bot.features", "area.set", "reportmode.set", "antiflood.on", "report.private", "notices.digest", "power.suggest", "potholes.status"} {
		if keys[k] == "" {
			t.Errorf("the scan missed %q; the patterns need updating", k)
		}
	}
	for k, where := range keys {
		if _, ok := auditPhrases[k]; !ok {
			t.Errorf("audit key %q (written in %s) has no phrase", k, where)
		}
	}
	t.Logf("%d audit keys checked", len(keys))
}

func TestAuditPhrase(t *testing.T) {
	cases := []struct{ action, target, want string }{
		{"reportmode.set", "", "chose how reports reach admins"},
		{"antiflood.on", "", "switched antiflood on"},
		{"bot.on", "", "switched the bot on"},
		{"area.set", "", "set the group's area"},
		{"warn", "Carol", "warned Carol"},
		{"report.private", "", "sent a private report"},
		{"report.private", "Carol", "sent a private report about Carol"},
		{"auto.delete", "", "deleted a message from a member"},
		{"block", "", "used !block"},
		{"lending.future", "", "lending.future"},
		{"lending.future", "Bob", "lending.future → Bob"},
	}
	for _, c := range cases {
		if got := auditPhrase(c.action, c.target, "!"); got != c.want {
			t.Errorf("auditPhrase(%q, %q) = %q, want %q", c.action, c.target, got, c.want)
		}
	}
}
