package whatsapp

import (
	"context"
	"path/filepath"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"neighbourbot/bot/sqlite"
)

// A retry receipt for a message sent before a restart is answered with the
// very message sent (whatsmeow's in-memory cache is empty by then): its
// retry path finds it through GetMessageForRetry in the session database.
func TestRetryReceiptAfterARestartFindsTheMessage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "whatsapp.db")
	linkDevice(t, path, botPN, botLID)
	open := func() *Session {
		s, err := OpenSession(ctx, SessionOptions{DSN: sqlite.DSN(path)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	poll := s.cli.BuildPollCreation("Is your power off?", []string{"Off", "On"}, 1)
	// whatsmeow stores and caches the message, then fails offline.
	if _, err := s.Client().SendMessage(ctx, alicePN, poll, whatsmeow.SendRequestExtra{ID: "3EB0RETRY01"}); err == nil {
		t.Fatal("premise: the send fails without a connection")
	}
	s.Close()

	s = open()
	defer s.Close()
	receipt := &events.Receipt{MessageSource: types.MessageSource{Chat: alicePN, Sender: alicePN}, Type: types.ReceiptTypeRetry}
	got, err := s.cli.DangerousInternals().GetMessageForRetry(ctx, receipt, "3EB0RETRY01")
	if err != nil {
		t.Fatalf("retry receipt after a restart: %v", err)
	}
	if got.IsEmpty() {
		t.Fatal("whatsmeow found an empty message")
	}
	if msg := s.cli.GetMessageForRetry(alicePN, alicePN, "3EB0RETRY01"); !proto.Equal(msg, poll) {
		t.Fatalf("found %v, want the poll as sent (with its secret)", msg)
	}
	if _, err := s.cli.DangerousInternals().GetMessageForRetry(ctx, receipt, "3EB0UNKNOWN"); err == nil {
		t.Fatal("a message never sent was found")
	}
}
