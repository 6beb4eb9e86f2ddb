package whatsapp

import (
	"context"
	"testing"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot/postgres"
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
