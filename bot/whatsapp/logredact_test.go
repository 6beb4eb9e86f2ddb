package whatsapp

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"
)

// whatsmeow's own warnings quote JIDs with device parts, and the adapter
// logs chats and errors: none of it may carry a phone number.
func TestLogLinesCarryNoPhoneNumbers(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))

	wa := NewWALogger(log).Sub("client")
	device := types.JID{User: "447700900001", Server: types.DefaultUserServer, Device: 3}
	wa.Warnf("Failed to get user info for %s: %v", device, fmt.Errorf("info query to %s timed out", alicePN))
	wa.Errorf("Error decrypting message from %s", device)

	// A direct message from the backlog is logged with its chat.
	a := New(newFakeClient(), Options{Log: log, Backlog: &notices{}})
	a.Attach(context.Background(), &recordingSink{})
	a.MarkOnline(t0)
	a.HandleEvent(&events.Message{Info: types.MessageInfo{
		MessageSource: types.MessageSource{Chat: alicePN, Sender: alicePN},
		ID:            "3A0LOG", Timestamp: t0.Add(-24 * 60 * 60 * 1e9),
	}, Message: &waE2E.Message{Conversation: proto.String("hello")}})

	got := buf.String()
	if strings.Contains(got, "447700900001") {
		t.Fatalf("a phone number reached the log:\n%s", got)
	}
	if strings.Count(got, "[phone number]") < 4 {
		t.Fatalf("lines missing or not redacted:\n%s", got)
	}
}
