package storetest_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

// The store contract: every test here runs on SQLite and on PostgreSQL
// (storetest.Run), one suite for both implementations of bot.Store.

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// both gives a test component the same schema on both backends.
func both(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
		fsys[sqlite.PostgresDir+"/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}

func count(t *testing.T, st *sqlite.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := st.Raw().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestMigrationsRunOnceInOrder(t *testing.T) {
	feature := bot.Migrations{Component: "demo", FS: both(map[string]string{
		"001_init.sql":  "CREATE TABLE demo (id BIGINT PRIMARY KEY, v TEXT);",
		"002_index.sql": "CREATE INDEX demo_v ON demo(v); INSERT INTO demo (id, v) VALUES (1, 'seed');",
	})}
	feature.FS.(fstest.MapFS)["README.txt"] = &fstest.MapFile{Data: []byte("ignored")}
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend) {
		place := b.NewPlace(t)
		s, err := b.OpenAt(place, feature)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		// Reopening must not rerun anything (the INSERT would fail or
		// duplicate the seed).
		s2 := b.OpenOn(t, place, feature)
		if n := count(t, s2, "SELECT COUNT(*) FROM demo"); n != 1 {
			t.Fatalf("seed rows = %d", n)
		}
		if n := count(t, s2, "SELECT COUNT(*) FROM schema_migrations WHERE component = 'demo'"); n != 2 {
			t.Errorf("recorded versions = %d", n)
		}
	})
}

func TestFailedMigrationRollsBack(t *testing.T) {
	bad := bot.Migrations{Component: "bad", FS: both(map[string]string{
		"001_ok.sql":     "CREATE TABLE fine (id INTEGER);",
		"002_broken.sql": "CREATE TABLE half (id INTEGER); THIS IS NOT SQL;",
	})}
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend) {
		place := b.NewPlace(t)
		if s, err := b.OpenAt(place, bad); err == nil {
			s.Close()
			t.Fatal("broken migration accepted")
		}
		s := b.OpenOn(t, place)
		if _, err := s.Raw().Exec("SELECT COUNT(*) FROM half"); err == nil {
			t.Error("half-applied migration left a table behind")
		}
		if n := count(t, s, "SELECT COUNT(*) FROM fine"); n != 0 {
			t.Error("the good migration before the broken one should stay applied")
		}
	})
}

func TestMigrationNamesValidated(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		for name, fsys := range map[string]fstest.MapFS{
			"no number": both(map[string]string{"init.sql": "SELECT 1;"}),
			"duplicate": both(map[string]string{"001_a.sql": "SELECT 1;", "001_b.sql": "SELECT 1;"}),
		} {
			st := open(t)
			if err := st.Migrate(context.Background(), bot.Migrations{Component: "x", FS: fsys}); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
	})
}

// A database a newer release migrated further is refused before anything
// changes, on either backend.
func TestNewerSchemaRefused(t *testing.T) {
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend) {
		place := b.NewPlace(t)
		s := b.OpenOn(t, place)
		if _, err := s.Raw().Exec(`INSERT INTO schema_migrations (component, version, name) VALUES ('core', 99, '099_future.sql')`); err != nil {
			t.Fatal(err)
		}
		_, err := b.OpenAt(place)
		var newer *sqlite.NewerSchemaError
		if !errors.As(err, &newer) || newer.Have != 99 || newer.Component != "core" {
			t.Fatalf("open = %v, want a NewerSchemaError for core 99", err)
		}
	})
}

// A component whose schema has no PostgreSQL form, or not every number of
// it, is refused on PostgreSQL with what is missing, and runs on SQLite.
func TestComponentWithoutPostgresSchema(t *testing.T) {
	partial := bot.Migrations{Component: "partial", FS: fstest.MapFS{
		"001_a.sql":          {Data: []byte("CREATE TABLE pa (id BIGINT);")},
		"002_b.sql":          {Data: []byte("CREATE TABLE pb (id BIGINT);")},
		"postgres/001_a.sql": {Data: []byte("CREATE TABLE pa (id BIGINT);")},
	}}
	if got := sqlite.MissingOnPostgres(partial); len(got) != 1 || got[0] != "002_b.sql" {
		t.Errorf("missing = %q, want 002_b.sql", got)
	}
	if got := sqlite.MissingOnPostgres(sqlite.CoreMigrations()); len(got) != 0 {
		t.Errorf("the core lacks PostgreSQL migrations %q", got)
	}
	storetest.RunBackends(t, func(t *testing.T, b storetest.Backend) {
		_, err := b.OpenAt(b.NewPlace(t), partial)
		var not *sqlite.NotOnPostgresError
		switch b.Name {
		case "sqlite":
			if err != nil {
				t.Fatal(err)
			}
		default:
			if !errors.As(err, &not) || not.Component != "partial" {
				t.Fatalf("open = %v, want partial refused", err)
			}
		}
	})
}

func TestOnePersonAcrossLIDAndPhoneNumber(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		a, err := s.ResolvePerson(ctx, bot.Sender{Addr: "447700900123@s.whatsapp.net", Name: "Alice"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.ResolvePerson(ctx, bot.Sender{Addr: "98765@lid", Alt: "447700900123@s.whatsapp.net", Name: "Alice B"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.ResolvePerson(ctx, bot.Sender{Addr: "98765@lid"}, t0.Add(48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != b.ID || b.ID != c.ID {
			t.Fatalf("one person became %d, %d, %d", a.ID, b.ID, c.ID)
		}
		if c.Name != "Alice B" || c.Addr != "98765@lid" {
			t.Errorf("person = %+v: want the stored name kept and the latest primary form", c)
		}
		if addrs, _ := s.PersonAddrs(ctx, a.ID); len(addrs) != 2 {
			t.Errorf("addresses = %v", addrs)
		}
		other, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "11111@lid", Name: "Bob"}, t0)
		if other.ID == a.ID {
			t.Error("different people merged")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM people WHERE name LIKE '%447700%' OR preferred LIKE '%447700%'`); n != 0 {
			t.Error("phone number stored on the person row")
		}
		if n := count(t, s, `SELECT COUNT(*) FROM people WHERE id = ? AND last_seen_at = ?`, a.ID, t0.Add(48*time.Hour).UnixMilli()); n != 1 {
			t.Error("last sighting not moved on")
		}
	})
}

func TestForgetPerson(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
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
		if got, _ := s.PersonByID(ctx, p.ID); got.Name != "former member" || got.Addr != "" {
			t.Errorf("forgotten person = %+v", got)
		}
		if log, _ := s.AuditLog(ctx, "g1", 10); len(log) != 1 || log[0].ActorName != "former member" {
			t.Errorf("audit still names them: %+v", log)
		}
		if again, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "98765@lid", Name: "Alice"}, t0); again.ID == p.ID {
			t.Error("forgotten person re-linked to the old record")
		}
	})
}

// TestSeparatelySeenFormsMerge covers a person first seen by LID alone and
// separately by phone number: when a message carries both, the records
// become one, with everything that pointed at either — a feature's tables
// found from their foreign keys, a duplicate under a unique key dropped,
// a waiting job's payload.
func TestSeparatelySeenFormsMerge(t *testing.T) {
	feature := bot.Migrations{Component: "demo", FS: both(map[string]string{
		"001_init.sql": `CREATE TABLE demo_votes (poll BIGINT, person_id BIGINT REFERENCES people(id), PRIMARY KEY (poll, person_id));
			CREATE TABLE demo_items (id BIGINT PRIMARY KEY, owner_id BIGINT REFERENCES people(id), name TEXT);`,
	})}
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t, feature)
		ctx := context.Background()
		lid, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "111@lid"}, t0)
		pn, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "447700900123@s.whatsapp.net", Name: "Alice"}, t0)
		if lid.ID == pn.ID {
			t.Fatal("setup: the forms should start apart")
		}
		db := s.Raw()
		for _, q := range []string{
			`INSERT INTO demo_votes VALUES (1, ` + itoa(lid.ID) + `), (1, ` + itoa(pn.ID) + `), (2, ` + itoa(pn.ID) + `)`,
			`INSERT INTO demo_items (id, owner_id, name) VALUES (1, ` + itoa(pn.ID) + `, 'ladder')`,
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		s.SetMember(ctx, "g1", pn.ID, true, t0)
		s.MarkContactable(ctx, pn.ID)
		s.Audit(ctx, bot.AuditEntry{Time: t0, Chat: "g1", ActorID: pn.ID, ActorName: "Alice", Action: "x"})
		s.ScheduleJob(ctx, bot.Job{Kind: "dm", Key: "wait", RunAt: t0, Payload: []byte(`{"person":` + itoa(pn.ID) + `,"big":9007199254740993}`)})

		both, err := s.ResolvePerson(ctx, bot.Sender{Addr: "111@lid", Alt: "447700900123@s.whatsapp.net", Name: "Alice"}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if both.ID != min(lid.ID, pn.ID) {
			t.Fatalf("merged into %d, want the older %d", both.ID, min(lid.ID, pn.ID))
		}
		if addrs, _ := s.PersonAddrs(ctx, both.ID); len(addrs) != 2 {
			t.Errorf("addresses = %v", addrs)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM people`); n != 1 {
			t.Errorf("%d people left, want 1", n)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM demo_votes WHERE person_id = ?`, both.ID); n != 2 {
			t.Errorf("votes moved: %d, want 2 (the duplicate vote in poll 1 collapsed)", n)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM demo_items WHERE owner_id = ?`, both.ID); n != 1 {
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
		j, ok, _ := s.KeyedJob(ctx, "wait")
		if want := `{"big":9007199254740993,"person":` + itoa(both.ID) + `}`; !ok || (string(j.Payload) != want && string(j.Payload) != `{"person":`+itoa(both.ID)+`,"big":9007199254740993}`) {
			t.Errorf("job payload = %s, want the person moved and the other number as it was", j.Payload)
		}
	})
}

func TestSeenMessages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		if first, err := s.FirstSeen(ctx, "g1", "m1", t0); err != nil || !first {
			t.Fatalf("first sighting not new: %v", err)
		}
		if again, _ := s.FirstSeen(ctx, "g1", "m1", t0); again {
			t.Error("second sighting reported new")
		}
		if other, _ := s.FirstSeen(ctx, "g2", "m1", t0); !other {
			t.Error("same id in another chat is a different message")
		}
		if n, _ := s.ForgetSeen(ctx, "g2"); n != 1 {
			t.Errorf("forgot %d", n)
		}
		if n, _ := s.PurgeSeen(ctx, t0.Add(time.Second)); n != 1 {
			t.Errorf("purged %d", n)
		}
	})
}

func TestJobs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		s.ScheduleJob(ctx, bot.Job{Kind: "a", Key: "loan:1:due", RunAt: t0.Add(2 * time.Hour)})
		s.ScheduleJob(ctx, bot.Job{Kind: "a", Key: "loan:1:due", RunAt: t0.Add(time.Hour)}) // replaces
		s.ScheduleJob(ctx, bot.Job{Kind: "b", Key: "loan:10:due", RunAt: t0.Add(3 * time.Hour)})
		s.ScheduleJob(ctx, bot.Job{Kind: "c", RunAt: t0.Add(30 * time.Minute), Payload: []byte(`{"x":1}`)})
		s.ScheduleJob(ctx, bot.Job{Kind: "d", Key: "under_score%", RunAt: t0})
		if next, ok, _ := s.NextJobAt(ctx); !ok || !next.Equal(t0) {
			t.Fatalf("next = %v", next)
		}
		due, _ := s.DueJobs(ctx, t0.Add(time.Hour), 10)
		if len(due) != 3 || due[0].Kind != "d" || due[1].Kind != "c" || string(due[1].Payload) != `{"x":1}` || due[2].Kind != "a" || due[2].Gen != 1 {
			t.Fatalf("due = %+v", due)
		}
		if ok, _ := s.JobPending(ctx, "loan:10:due"); !ok {
			t.Error("loan:10 not pending")
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
		if err := s.FinishJob(ctx, due[0]); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.JobCurrent(ctx, due[0]); ok {
			t.Error("finished job still current")
		}
	})
}

func TestGroupSettingsAndMembership(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		g, err := s.GroupSettings(ctx, "g1")
		if err != nil || g.Enabled || g.Chat != "g1" || g.Known {
			t.Fatalf("fresh group = %+v, %v", g, err)
		}
		g.Enabled, g.Name, g.Areas, g.FeaturesOff, g.Quiet = true, "Elm Road", []string{"SY3 7", "SY4 1"}, []string{"power"}, "22:00-07:00"
		if err := s.SaveGroupSettings(ctx, g); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GroupSettings(ctx, "g1")
		if !got.Enabled || got.Name != "Elm Road" || len(got.Areas) != 2 || got.FeatureOn("power") || !got.FeatureOn("lending") || got.Quiet != "22:00-07:00" {
			t.Errorf("round trip = %+v", got)
		}
		if changed, _ := s.SetGroupRemoved(ctx, "g1", t0); !changed {
			t.Error("removal not recorded")
		}
		if all, _ := s.EnabledGroups(ctx); len(all) != 0 {
			t.Errorf("a group the bot left is listed: %v", all)
		}
		s.SetGroupRemoved(ctx, "g1", time.Time{})
		if all, _ := s.EnabledGroups(ctx); len(all) != 1 {
			t.Errorf("enabled groups = %v", all)
		}
		p, _ := s.ResolvePerson(ctx, bot.Sender{Addr: "Bob"}, t0)
		for _, m := range []struct {
			chat    bot.ChatID
			present bool
		}{{"g1", true}, {"g2", true}, {"g2", false}, {"g2", false}} {
			if err := s.SetMember(ctx, m.chat, p.ID, m.present, t0); err != nil {
				t.Fatal(err)
			}
		}
		if groups, _ := s.MemberGroups(ctx, p.ID); len(groups) != 1 || groups[0] != "g1" {
			t.Errorf("member groups = %v", groups)
		}
		if members, _ := s.GroupMembers(ctx, "g1"); len(members) != 1 || members[0].ID != p.ID {
			t.Errorf("group members = %v", members)
		}
	})
}

func TestPollsAndListings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		if _, err := s.Poll(ctx, "g1", "nope"); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("missing poll err = %v", err)
		}
		p := bot.Poll{Chat: "g1", ID: "p1", Kind: "power", Ref: "7", Question: "Off?", Options: []string{"Off", "On"}, Created: t0}
		if err := s.SavePoll(ctx, p); err != nil {
			t.Fatal(err)
		}
		p.Question = "Still off?"
		if err := s.SavePoll(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.Poll(ctx, "g1", "p1")
		if err != nil || got.Kind != "power" || got.Question != "Still off?" || len(got.Options) != 2 || !got.Created.Equal(t0) {
			t.Errorf("poll = %+v, %v", got, err)
		}
		if latest, ok, _ := s.LatestPoll(ctx, "g1"); !ok || latest.ID != "p1" {
			t.Errorf("latest = %+v", latest)
		}
		if n, _ := s.DeletePolls(ctx, "power", []string{"7"}); n != 1 {
			t.Errorf("deleted %d polls", n)
		}
		l := bot.Listing{Chat: "g1", Hash: "h", MsgID: "m1", First: "Items:", At: t0}
		if err := s.SaveListing(ctx, l, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.RecentListing(ctx, "g1", "h", t0.Add(-time.Minute)); err != nil || !ok || got.MsgID != "m1" || !got.At.Equal(t0) {
			t.Errorf("listing = %+v, %v, %v", got, ok, err)
		}
	})
}

func TestAuditAfter(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		for i := range 3 {
			s.Audit(ctx, bot.AuditEntry{Time: t0.Add(time.Duration(i) * time.Minute), Chat: "g1", Action: "a" + strconv.Itoa(i)})
		}
		all, _ := s.AuditAfter(ctx, 0, 10)
		if len(all) != 3 || all[0].Action != "a0" {
			t.Fatalf("audit = %+v", all)
		}
		if rest, _ := s.AuditAfter(ctx, all[0].ID, 10); len(rest) != 2 || rest[0].Action != "a1" {
			t.Errorf("after the first = %+v", rest)
		}
		if log, _ := s.AuditLog(ctx, "", 1); len(log) != 1 || log[0].Action != "a2" {
			t.Errorf("latest = %+v", log)
		}
		if n, _ := s.PurgeAudit(ctx, t0.Add(90*time.Second)); n != 2 {
			t.Errorf("purged %d", n)
		}
	})
}

// The nightly compaction after the purges runs on either backend: SQLite
// hands free pages back; on PostgreSQL autovacuum does, and it does
// nothing.
func TestCompactAfterPurge(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		for i := range 200 {
			s.FirstSeen(ctx, "g1", "m"+strconv.Itoa(i), t0)
		}
		if n, err := s.PurgeSeen(ctx, t0.Add(time.Second)); err != nil || n != 200 {
			t.Fatalf("purged %d, %v", n, err)
		}
		if _, err := s.Compact(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM seen_messages`); n != 0 {
			t.Errorf("%d rows after the purge", n)
		}
	})
}

// What /readyz and the jobs-due gauges read works on either backend.
func TestHealthReads(t *testing.T) {
	storetest.Run(t, func(t *testing.T, open storetest.Opener) {
		s := open(t)
		ctx := context.Background()
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		if n, oldest, err := s.DueJobStats(ctx, t0); err != nil || n != 0 || !oldest.IsZero() {
			t.Fatalf("no jobs: %d, %v, %v", n, oldest, err)
		}
		s.ScheduleJob(ctx, bot.Job{Kind: "a", RunAt: t0.Add(-time.Hour)})
		s.ScheduleJob(ctx, bot.Job{Kind: "b", RunAt: t0.Add(time.Hour)})
		if n, oldest, err := s.DueJobStats(ctx, t0); err != nil || n != 1 || !oldest.Equal(t0.Add(-time.Hour)) {
			t.Fatalf("due: %d, %v, %v", n, oldest, err)
		}
		if depth, _, err := s.SendQueueStats(ctx); err != nil || depth != 0 {
			t.Fatalf("queue: %d, %v", depth, err)
		}
	})
}
