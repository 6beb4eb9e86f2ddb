package lending

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"neighbourbot/bot"
)

// TestReadmeLendingTable keeps the lending command table of the residents'
// guide (docs/residents.md) in step with
// the routes: every command and alias the table names is one the bot
// answers, and every command the bot answers has a row.
func TestReadmeLendingTable(t *testing.T) {
	readme, err := os.ReadFile("../../docs/residents.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n### Lending\n")
	if !ok {
		t.Fatal("docs/residents.md has no Lending section")
	}
	section, _, _ = strings.Cut(section, "\nHow it behaves:")
	known := map[string]string{} // name or alias → command
	f := &Feature{}
	for _, rt := range f.routes() {
		known[rt.Name] = rt.Name
		for _, a := range rt.Aliases {
			known[a] = rt.Name
		}
	}
	named := map[string]bool{}
	cmdWord := regexp.MustCompile("`!([a-z]+)")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `!") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " | ")
		for _, m := range cmdWord.FindAllStringSubmatch(first, -1) {
			cmd, ok := known[m[1]]
			if !ok {
				t.Errorf("the residents' guide's lending table names !%s, which the bot doesn't answer: %s", m[1], bot.Truncate(first, 80))
				continue
			}
			named[cmd] = true
		}
	}
	var missing []string
	for _, rt := range f.routes() {
		if !named[rt.Name] {
			missing = append(missing, "!"+rt.Name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the residents' guide's lending table has no row for %s", strings.Join(missing, ", "))
	}
}
