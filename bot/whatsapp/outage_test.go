package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"neighbourbot/bot/sqlite"
)

// TestAnOutageIsOneLineOfEach: while the network is out whatsmeow logs an
// error at every reconnect attempt and dispatches Disconnected and
// keep-alive timeouts again and again; the log shows one line of the
// bot's, one of whatsmeow's (a warning: it is retried) and one keep-alive
// line per outage, and all of it again after a reconnect and a new drop.
// Before a device is linked whatsmeow does not reconnect, and the log does
// not say it will.
func TestAnOutageIsOneLineOfEach(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	s, err := OpenSession(context.Background(), SessionOptions{DSN: sqlite.DSN(filepath.Join(t.TempDir(), "whatsapp.db")), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	s.handleLifecycle(&events.Disconnected{})
	if got := buf.String(); strings.Contains(got, "reconnecting") || !strings.Contains(got, "disconnected from WhatsApp") {
		t.Errorf("unlinked device: %s", got)
	}
	buf.Reset()

	s.cli.Store.ID = &types.JID{User: "447700900123", Server: types.DefaultUserServer}
	defer func() { s.cli.Store.ID = nil }()
	dnsErr := errors.New("dial tcp: lookup web.whatsapp.com: no such host")
	outage := func() {
		s.cli.Log.Errorf("Error reading from websocket: %v", errors.New("EOF"))
		for i := range 20 {
			s.handleLifecycle(&events.Disconnected{})
			s.handleLifecycle(&events.KeepAliveTimeout{ErrorCount: i + 1})
			s.cli.Log.Errorf("Error reconnecting after autoreconnect sleep: %v", dnsErr)
			s.cli.Log.Warnf("Failed to send keepalive: %v", dnsErr)
		}
	}
	for round := range 2 {
		outage()
		lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
		count := func(sub string) int {
			n := 0
			for _, l := range lines {
				if strings.Contains(l, sub) {
					n++
				}
			}
			return n
		}
		if n := count(`"from":"whatsmeow"`); n != 1 {
			t.Errorf("round %d: %d lines of whatsmeow's, want 1:\n%s", round, n, buf.String())
		}
		if n := count("reconnecting automatically"); n != 1 {
			t.Errorf("round %d: %d disconnect lines, want 1", round, n)
		}
		if n := count("keep-alive"); n != 1 {
			t.Errorf("round %d: %d keep-alive lines, want 1", round, n)
		}
		if n := count(`"level":"ERROR"`); n != 0 {
			t.Errorf("round %d: an outage that is retried logged %d errors", round, n)
		}
		if len(lines) != 3 {
			t.Errorf("round %d: %d lines:\n%s", round, len(lines), buf.String())
		}
		if strings.Contains(buf.String(), "447700900123") {
			t.Error("the account's number in the log")
		}
		buf.Reset()
		s.handleLifecycle(&events.Connected{})
		buf.Reset()
	}
}
