package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
)

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func open(t *testing.T, extra ...bot.Migrations) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "bot.db")
	s, err := sqlite.Open(context.Background(), path, extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestOpenCreatesPrivateFilesAndEnablesForeignKeys(t *testing.T) {
	s, path := open(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("database mode = %v, want 0600", st.Mode().Perm())
	}
	dir, _ := os.Stat(filepath.Dir(path))
	if dir.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, want 0700", dir.Mode().Perm())
	}
	var mode string
	if err := s.Raw().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	var fk int
	if err := s.Raw().QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v", fk, err)
	}
	// A commit is what the bot acknowledges to WhatsApp, so it must
	// survive a power cut: FULL (2) syncs the WAL on every commit.
	var sync int
	if err := s.Raw().QueryRow("PRAGMA synchronous").Scan(&sync); err != nil || sync != 2 {
		t.Errorf("synchronous = %d, %v; want 2 (FULL)", sync, err)
	}
}

func TestMigrationsRunOnceInOrder(t *testing.T) {
	feature := bot.Migrations{Component: "demo", FS: fstest.MapFS{
		"001_init.sql":  {Data: []byte("CREATE TABLE demo (id INTEGER PRIMARY KEY, v TEXT);")},
		"002_index.sql": {Data: []byte("CREATE INDEX demo_v ON demo(v); INSERT INTO demo (v) VALUES ('seed');")},
		"README.txt":    {Data: []byte("ignored")},
	}}
	s, path := open(t, feature)
	s.Close()
	// Reopening must not rerun anything (the INSERT would duplicate the seed).
	s2, err := sqlite.Open(context.Background(), path, feature)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var n int
	if err := s2.Raw().QueryRow("SELECT COUNT(*) FROM demo").Scan(&n); err != nil || n != 1 {
		t.Fatalf("seed rows = %d, %v", n, err)
	}
	var versions int
	s2.Raw().QueryRow("SELECT COUNT(*) FROM schema_migrations WHERE component = 'demo'").Scan(&versions)
	if versions != 2 {
		t.Errorf("recorded versions = %d", versions)
	}
}

func TestFailedMigrationRollsBack(t *testing.T) {
	bad := bot.Migrations{Component: "bad", FS: fstest.MapFS{
		"001_ok.sql":     {Data: []byte("CREATE TABLE fine (id INTEGER);")},
		"002_broken.sql": {Data: []byte("CREATE TABLE half (id INTEGER); THIS IS NOT SQL;")},
	}}
	path := filepath.Join(t.TempDir(), "bot.db")
	if _, err := sqlite.Open(context.Background(), path, bad); err == nil {
		t.Fatal("broken migration accepted")
	}
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	s.Raw().QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").Scan(&n)
	if n != 0 {
		t.Error("half-applied migration left a table behind")
	}
	s.Raw().QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE name = 'fine'").Scan(&n)
	if n != 1 {
		t.Error("the good migration before the broken one should stay applied")
	}
}

func TestMigrationNamesValidated(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no number": {"init.sql": {Data: []byte("SELECT 1;")}},
		"duplicate": {"001_a.sql": {Data: []byte("SELECT 1;")}, "001_b.sql": {Data: []byte("SELECT 1;")}},
	} {
		_, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "x.db"), bot.Migrations{Component: "x", FS: fsys})
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestOnePersonAcrossLIDAndPhoneNumber(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	// First seen in a phone-number group.
	a, err := s.ResolvePerson(ctx, bot.Sender{Addr: "447700900123@s.whatsapp.net", Name: "Alice"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	// Then in a LID group with the phone number as SenderAlt.
	b, err := s.ResolvePerson(ctx, bot.Sender{Addr: "98765@lid", Alt: "447700900123@s.whatsapp.net", Name: "Alice B"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	// Then LID only.
	c, err := s.ResolvePerson(ctx, bot.Sender{Addr: "98765@lid"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID || b.ID != c.ID {
		t.Fatalf("one person became %d, %d, %d", a.ID, b.ID, c.ID)
	}
	if c.Name != "Alice B" {
		t.Errorf("name = %q: a missing push name must not wipe the stored one", c.Name)
	}
	if c.Addr != "98765@lid" {
		t.Errorf("preferred address = %q, want the latest primary form", c.Addr)
	}
	addrs, _ := s.PersonAddrs(ctx, a.ID)
	if len(addrs) != 2 {
		t.Errorf("addresses = %v", addrs)
	}
	other, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "11111@lid", Name: "Bob"}, t0)
	if other.ID == a.ID {
		t.Error("different people merged")
	}
	// The people table itself never holds the phone number.
	var n int
	s.Raw().QueryRow(`SELECT COUNT(*) FROM people WHERE name LIKE '%447700%' OR preferred LIKE '%447700%'`).Scan(&n)
	if n != 0 {
		t.Error("phone number stored on the person row")
	}
}

func TestForgetPerson(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	p, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "98765@lid", Alt: "447700900123@s.whatsapp.net", Name: "Alice"}, t0)
	s.SetMember(ctx, "g1", p.ID, true, t0)
	s.Audit(ctx, bot.AuditEntry{Time: t0, Chat: "g1", ActorID: p.ID, ActorName: "Alice", Action: "bot.on"})
	if n, err := s.AnonymiseAudit(ctx, p.ID); err != nil || n != 1 {
		t.Fatalf("anonymised %d, %v", n, err)
	}
	if err := s.ForgetPerson(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PersonByAddr(ctx, "447700900123@s.whatsapp.net"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("address still linked: %v", err)
	}
	got, _ := s.PersonByID(ctx, p.ID)
	if got.Name != "former member" || got.Addr != "" {
		t.Errorf("forgotten person = %+v", got)
	}
	log, _ := s.AuditLog(ctx, "g1", 10)
	if log[0].ActorName != "former member" {
		t.Errorf("audit still names them: %+v", log[0])
	}
	// Writing to the bot again makes a fresh, unlinked identity.
	again, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "98765@lid", Name: "Alice"}, t0)
	if again.ID == p.ID {
		t.Error("forgotten person re-linked to the old record")
	}
}

func TestSeenMessages(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	first, err := s.FirstSeen(ctx, "g1", "m1", t0)
	if err != nil || !first {
		t.Fatal("first sighting not new")
	}
	if again, _ := s.FirstSeen(ctx, "g1", "m1", t0); again {
		t.Error("second sighting reported new")
	}
	if other, _ := s.FirstSeen(ctx, "g2", "m1", t0); !other {
		t.Error("same id in another chat is a different message")
	}
	if n, _ := s.PurgeSeen(ctx, t0.Add(time.Second)); n != 2 {
		t.Errorf("purged %d", n)
	}
}

func TestJobs(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	s.ScheduleJob(ctx, bot.Job{Kind: "a", Key: "loan:1:due", RunAt: t0.Add(2 * time.Hour)})
	s.ScheduleJob(ctx, bot.Job{Kind: "a", Key: "loan:1:due", RunAt: t0.Add(time.Hour)}) // replaces
	s.ScheduleJob(ctx, bot.Job{Kind: "b", Key: "loan:10:due", RunAt: t0.Add(3 * time.Hour)})
	s.ScheduleJob(ctx, bot.Job{Kind: "c", RunAt: t0.Add(30 * time.Minute), Payload: []byte(`{"x":1}`)})
	s.ScheduleJob(ctx, bot.Job{Kind: "d", Key: "under_score%", RunAt: t0})
	next, ok, _ := s.NextJobAt(ctx)
	if !ok || !next.Equal(t0) {
		t.Fatalf("next = %v", next)
	}
	due, _ := s.DueJobs(ctx, t0.Add(time.Hour), 10)
	if len(due) != 3 || due[0].Kind != "d" || due[1].Kind != "c" || string(due[1].Payload) != `{"x":1}` || due[2].Kind != "a" {
		t.Fatalf("due = %+v", due)
	}
	// Prefix cancel must treat _ and % literally and not touch loan:10.
	if n, _ := s.CancelJobs(ctx, "loan:1:"); n != 1 {
		t.Errorf("cancelled %d, want only loan:1:due", n)
	}
	if n, _ := s.CancelJobs(ctx, "under_"); n != 1 {
		t.Errorf("cancelled %d literal-underscore keys", n)
	}
	if err := s.RetryJob(ctx, due[1], t0.Add(5*time.Hour), "boom"); err != nil {
		t.Fatal(err)
	}
	due, _ = s.DueJobs(ctx, t0.Add(5*time.Hour), 10)
	if len(due) != 2 || due[1].Attempts != 1 || due[1].LastErr != "boom" {
		t.Fatalf("after retry: %+v", due)
	}
}

func TestGroupSettingsAndMembership(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	g, err := s.GroupSettings(ctx, "g1")
	if err != nil || g.Enabled || g.Chat != "g1" {
		t.Fatalf("fresh group = %+v, %v", g, err)
	}
	g.Enabled, g.Name, g.Areas, g.FeaturesOff = true, "Elm Road", []string{"SY3 7", "SY4 1"}, []string{"power"}
	if err := s.SaveGroupSettings(ctx, g); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GroupSettings(ctx, "g1")
	if !got.Enabled || got.Name != "Elm Road" || len(got.Areas) != 2 || got.FeatureOn("power") || !got.FeatureOn("lending") {
		t.Errorf("round trip = %+v", got)
	}
	all, _ := s.EnabledGroups(ctx)
	if len(all) != 1 {
		t.Errorf("enabled groups = %v", all)
	}
	p, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "Bob"}, t0)
	s.SetMember(ctx, "g1", p.ID, true, t0)
	s.SetMember(ctx, "g2", p.ID, true, t0)
	s.SetMember(ctx, "g2", p.ID, false, t0)
	groups, _ := s.MemberGroups(ctx, p.ID)
	if len(groups) != 1 || groups[0] != "g1" {
		t.Errorf("member groups = %v", groups)
	}
}

func TestPolls(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	if _, err := s.Poll(ctx, "g1", "nope"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("missing poll err = %v", err)
	}
	p := bot.Poll{Chat: "g1", ID: "p1", Kind: "power", Ref: "7", Question: "Off?", Options: []string{"Off", "On"}, Created: t0}
	if err := s.SavePoll(ctx, p); err != nil {
		t.Fatal(err)
	}
	got, err := s.Poll(ctx, "g1", "p1")
	if err != nil || got.Kind != "power" || got.Ref != "7" || len(got.Options) != 2 || !got.Created.Equal(t0) {
		t.Errorf("poll = %+v, %v", got, err)
	}
}

// TestSeparatelySeenFormsMerge covers a person first seen by LID alone (a
// mention) and separately by phone number (a message before WhatsApp paired
// the two): when a message carries both, the records become one, with
// everything that pointed at either.
func TestSeparatelySeenFormsMerge(t *testing.T) {
	feature := bot.Migrations{Component: "demo", FS: fstest.MapFS{
		"001_init.sql": {Data: []byte(`CREATE TABLE demo_votes (poll INTEGER, person_id INTEGER REFERENCES people(id), PRIMARY KEY (poll, person_id));
			CREATE TABLE demo_items (id INTEGER PRIMARY KEY, owner_id INTEGER REFERENCES people(id), name TEXT);`)},
	}}
	s, _ := open(t, feature)
	ctx := context.Background()
	lid, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "111@lid"}, t0)
	pn, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "447700900123@s.whatsapp.net", Name: "Alice"}, t0)
	if lid.ID == pn.ID {
		t.Fatal("setup: the forms should start apart")
	}
	db := s.Raw()
	for _, q := range []string{
		`INSERT INTO demo_votes VALUES (1, ` + itoa(lid.ID) + `), (1, ` + itoa(pn.ID) + `), (2, ` + itoa(pn.ID) + `)`,
		`INSERT INTO demo_items (owner_id, name) VALUES (` + itoa(pn.ID) + `, 'ladder')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	s.SetMember(ctx, "g1", pn.ID, true, t0)
	s.MarkContactable(ctx, pn.ID)
	s.Audit(ctx, bot.AuditEntry{Time: t0, Chat: "g1", ActorID: pn.ID, ActorName: "Alice", Action: "x"})

	both, err := s.ResolvePerson(ctx, bot.Sender{Addr: "111@lid", Alt: "447700900123@s.whatsapp.net", Name: "Alice"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if both.ID != min(lid.ID, pn.ID) {
		t.Fatalf("merged into %d, want the older %d", both.ID, min(lid.ID, pn.ID))
	}
	addrs, _ := s.PersonAddrs(ctx, both.ID)
	if len(addrs) != 2 {
		t.Errorf("addresses = %v", addrs)
	}
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM people`).Scan(&n)
	if n != 1 {
		t.Errorf("%d people left, want 1", n)
	}
	db.QueryRow(`SELECT COUNT(*) FROM demo_votes WHERE person_id = ?`, both.ID).Scan(&n)
	if n != 2 {
		t.Errorf("votes moved: %d, want 2 (the duplicate vote in poll 1 collapsed)", n)
	}
	db.QueryRow(`SELECT COUNT(*) FROM demo_items WHERE owner_id = ?`, both.ID).Scan(&n)
	if n != 1 {
		t.Error("listing not moved")
	}
	if ok, _ := s.IsMember(ctx, "g1", both.ID); !ok {
		t.Error("membership not moved")
	}
	if ok, _ := s.Contactable(ctx, both.ID); !ok {
		t.Error("contactable flag lost")
	}
	if log, _ := s.AuditLog(ctx, "g1", 5); len(log) != 1 || log[0].ActorID != both.ID {
		t.Errorf("audit not moved: %+v", log)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
