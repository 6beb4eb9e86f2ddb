package notices

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
)

// TestUrgencyRankBackfilled: a database whose deliveries were planned
// before migration 007 gets each row's rank from its notice, so an
// emergency waiting in the outbox at the upgrade still goes first.
func TestUrgencyRankBackfilled(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "bot.db")
	before := fstest.MapFS{}
	err := fs.WalkDir(migrationFS, "migrations", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(p) >= "007" {
			return err
		}
		raw, err := migrationFS.ReadFile(p)
		before[p] = &fstest.MapFile{Data: raw}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	old, err := sqlite.Open(ctx, path, bot.MigrationsIn("notices", before), sources.Migrations(), polling.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO notices (id, source, source_name, identifier, msg_type, urgency, title, body, sent_at, received_at, state)
			VALUES (1, 'webhook', 'Council', 'bins', 'alert', 'normal', 'Bins', '', 0, 0, 'planned'),
			       (2, 'webhook', 'Council', 'grit', 'alert', 'urgent', 'Grit', '', 0, 0, 'planned'),
			       (3, 'webhook', 'Council', 'flood', 'alert', 'emergency', 'Flood', '', 0, 0, 'planned')`,
		`INSERT INTO notice_outbox (notice_id, target, state, due_at) VALUES (1, 'a', 'pending', 1), (2, 'b', 'pending', 2), (3, 'c', 'pending', 3)`,
	} {
		if _, err := old.Raw().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	st, err := sqlite.Open(ctx, path, Migrations(), sources.Migrations(), polling.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := store{db: st.DB()}.duePending(ctx, time.UnixMilli(10), 3, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Target)
	}
	if strings.Join(got, ",") != "c,b,a" {
		t.Errorf("after the upgrade the drain reads %v, want the emergency, the urgent, then the normal", got)
	}
}
