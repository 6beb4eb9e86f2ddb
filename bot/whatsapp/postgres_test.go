package whatsapp

import (
	"context"
	"path/filepath"
	"testing"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

// TestSessionOnPostgres keeps the WhatsApp session in a hub's PostgreSQL
// database: whatsmeow's real sqlstore, in its "postgres" dialect through
// the hub's pool, stores two linked numbers as two device rows beside each
// other, and a session opened there finds its device, keeps sent messages
// for retry receipts and the WhatsApp Web version, as on SQLite.
func TestSessionOnPostgres(t *testing.T) {
	url := storetest.Schema(t)
	ctx := context.Background()
	open := func() *sqlstore.Container {
		db, err := postgres.OpenDB(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		c := sqlstore.NewWithDB(db, "postgres", nil)
		if err := c.Upgrade(ctx); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open()
	numbers := []types.JID{types.NewJID("447700900001", types.DefaultUserServer), types.NewJID("447700900002", types.DefaultUserServer)}
	for i, pn := range numbers {
		dev := c.NewDevice()
		id, lid := pn, types.NewJID(string(rune('1'+i))+"2345", types.HiddenUserServer)
		dev.ID, dev.LID, dev.PushName = &id, lid, "Highways"
		dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64), AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
		if err := dev.Save(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want, err := c.GetDevice(ctx, numbers[1])
	if err != nil || want == nil {
		t.Fatalf("device read back: %v, %v", want, err)
	}
	c.Close()

	// Read back through a fresh pool, as another process would.
	c = open()
	all, err := c.GetAllDevices(ctx)
	if err != nil || len(all) != 2 {
		t.Fatalf("devices = %d, %v; want one row per number", len(all), err)
	}
	got, err := c.GetDevice(ctx, numbers[1])
	if err != nil || got == nil || got.PushName != "Highways" || *got.ID != numbers[1] || got.LID != want.LID ||
		*got.IdentityKey.Priv != *want.IdentityKey.Priv || got.RegistrationID != want.RegistrationID {
		t.Fatalf("device read back = %+v, %v", got, err)
	}
	c.Close()

	db, err := postgres.OpenDB(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenSession(ctx, SessionOptions{DB: db, DeviceName: "neighbourbot"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !s.Linked() {
		t.Fatal("the session on PostgreSQL found no linked device")
	}
	msg := &waE2E.Message{Conversation: proto.String("Road closed")}
	s.sent.record(ctx, numbers[0], "3EB0AAA", msg)
	if back := s.sent.lookup(numbers[0], numbers[0], "3EB0AAA"); back.GetConversation() != "Road closed" {
		t.Fatalf("sent message read back = %v", back)
	}
	v := store.WAVersionContainer{2, 3000, 1020304050}
	if err := s.saveVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	if last, at, err := s.lastVersion(ctx); err != nil || last != v || at.IsZero() {
		t.Fatalf("version read back = %v at %v, %v", last, at, err)
	}
}

// TestCopySessionIntoHub moves a linked number's session from its SQLite
// file into a hub: the session opened on PostgreSQL is the same linked
// device, with its sent messages and version; a second copy is refused.
func TestCopySessionIntoHub(t *testing.T) {
	url := storetest.Schema(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "whatsapp.db")
	pn, lid := types.NewJID("447700900001", types.DefaultUserServer), types.NewJID("12345", types.HiddenUserServer)
	linkDevice(t, path, pn, lid)
	s, err := OpenSession(ctx, SessionOptions{DSN: sqlite.DSN(path)})
	if err != nil {
		t.Fatal(err)
	}
	s.sent.record(ctx, pn, "3EB0BBB", &waE2E.Message{Conversation: proto.String("Bins on Tuesday")})
	// A boolean column: SQLite keeps 1, PostgreSQL true.
	group := types.NewJID("120363000000000001", types.GroupServer)
	if err := s.cli.Store.ChatSettings.PutArchived(ctx, group, true); err != nil {
		t.Fatal(err)
	}
	v := store.WAVersionContainer{2, 3000, 1020304050}
	if err := s.saveVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	s.Close()

	db, err := postgres.OpenDB(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	report, err := CopySessionInto(ctx, sqlite.DSN(path), db)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]int64{}
	for _, tc := range report.Tables {
		rows[tc.Table] = tc.Rows
	}
	if rows["whatsmeow_device"] != 1 || rows["neighbourbot_sent"] != 1 || rows["neighbourbot_wa_version"] != 1 || rows["whatsmeow_chat_settings"] != 1 {
		t.Errorf("copied %v", rows)
	}
	if _, err := CopySessionInto(ctx, sqlite.DSN(path), db); err == nil {
		t.Error("a second copy into the same hub was accepted")
	}
	hub, err := OpenSession(ctx, SessionOptions{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	if !hub.Linked() || hub.cli.Store.ID.User != pn.User || hub.cli.Store.LID != lid {
		t.Fatalf("the hub's session is %v / %v", hub.cli.Store.ID, hub.cli.Store.LID)
	}
	if cs, err := hub.cli.Store.ChatSettings.GetChatSettings(ctx, group); err != nil || !cs.Archived {
		t.Errorf("chat settings in the hub = %+v, %v", cs, err)
	}
	if back := hub.sent.lookup(pn, pn, "3EB0BBB"); back.GetConversation() != "Bins on Tuesday" {
		t.Errorf("sent message in the hub = %v", back)
	}
	if last, _, err := hub.lastVersion(ctx); err != nil || last != v {
		t.Errorf("version in the hub = %v, %v", last, err)
	}
}
