package bottest_test

import (
	"testing"

	"neighbourbot/bot/bottest"
)

func TestDumpShowsChanges(t *testing.T) {
	h := bottest.New(t, bottest.Options{})
	q := `SELECT chat, enabled, areas FROM groups ORDER BY chat`
	before := bottest.Dump(t, h.Store.Raw(), q)
	h.Run("@admin Alice\nBob: !bot on\n")
	if after := bottest.Dump(t, h.Store.Raw(), q); after != before {
		t.Errorf("refused command changed the store:\n%s\nvs\n%s", before, after)
	}
	h.Run("Alice: !bot on\n")
	after := bottest.Dump(t, h.Store.Raw(), q)
	if after == before || after != "group:street 1 \n--\n" {
		t.Errorf("dump after opt-in = %q", after)
	}
}
