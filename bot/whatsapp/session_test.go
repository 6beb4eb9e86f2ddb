package whatsapp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"

	"neighbourbot/bot/sqlite"
)

func openTestSession(t *testing.T, log *slog.Logger) *Session {
	t.Helper()
	path := filepath.Join(t.TempDir(), "whatsapp.db")
	s, err := OpenSession(context.Background(), SessionOptions{DSN: sqlite.DSN(path), DeviceName: "neighbourbot", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("session database not created: %v", err)
	}
	return s
}

// A fresh store has no linked device, so run mode will show a QR code.
// Opening it runs whatsmeow's schema upgrade, which needs foreign keys on.
func TestOpenSessionOnEmptyStoreIsUnlinked(t *testing.T) {
	s := openTestSession(t, nil)
	if s.Linked() {
		t.Fatal("empty store reports a linked device")
	}
	if s.Client().OwnJID().IsEmpty() != true {
		t.Fatal("unlinked device has an own JID")
	}
	if s.Err() != nil {
		t.Fatalf("fresh session already ended: %v", s.Err())
	}
}

func TestLifecycleEndsOnFinalEvents(t *testing.T) {
	for _, tc := range []struct {
		name string
		evt  any
		want error
	}{
		{"logged out", &events.LoggedOut{OnConnect: true, Reason: events.ConnectFailureLoggedOut}, ErrLoggedOut},
		{"stream replaced", &events.StreamReplaced{}, ErrReplaced},
		{"client outdated", &events.ClientOutdated{}, ErrClientOutdated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestSession(t, nil)
			s.handleLifecycle(&events.Connected{})
			s.handleLifecycle(&events.Disconnected{})
			if s.Err() != nil {
				t.Fatalf("ended on a routine event: %v", s.Err())
			}
			s.handleLifecycle(tc.evt)
			<-s.Ended()
			if !errors.Is(s.Err(), tc.want) {
				t.Fatalf("err = %v, want %v", s.Err(), tc.want)
			}
			// The first reason sticks.
			s.handleLifecycle(&events.StreamReplaced{})
			if !errors.Is(s.Err(), tc.want) {
				t.Fatalf("reason changed to %v", s.Err())
			}
		})
	}
}

func TestLifecycleTemporaryBan(t *testing.T) {
	var logs bytes.Buffer
	s := openTestSession(t, slog.New(slog.NewTextHandler(&logs, nil)))
	s.handleLifecycle(&events.TemporaryBan{Code: events.TempBanSentToTooManyPeople, Expire: 26 * time.Hour})
	var ban *BanError
	if !errors.As(s.Err(), &ban) {
		t.Fatalf("err = %v, want a BanError", s.Err())
	}
	if ban.Code != 101 || ban.Expire != 26*time.Hour || !strings.Contains(ban.Reason, "too many messages to people") {
		t.Fatalf("ban = %+v", ban)
	}
	if !strings.Contains(ban.Error(), "expires in 26h0m0s") {
		t.Errorf("message = %q", ban.Error())
	}
	if !strings.Contains(logs.String(), "code=101") {
		t.Errorf("log lacks the ban code: %s", logs.String())
	}
}

func TestShowLinkingPrintsQRCodesAndHint(t *testing.T) {
	s := openTestSession(t, nil)
	qr := make(chan whatsmeow.QRChannelItem, 3)
	qr <- whatsmeow.QRChannelItem{Event: "code", Code: "2@first,code", Timeout: 60 * time.Second}
	qr <- whatsmeow.QRChannelItem{Event: "code", Code: "2@second,code", Timeout: 20 * time.Second}
	qr <- whatsmeow.QRChannelTimeout
	close(qr)
	var out bytes.Buffer
	s.showLinking(context.Background(), qr, LinkOptions{Out: &out})
	text := out.String()
	if strings.Count(text, LinkHint) != 2 {
		t.Errorf("hint printed %d times, want once per code", strings.Count(text, LinkHint))
	}
	if !strings.ContainsAny(text, "▀▄█") {
		t.Error("no half-block QR code in the output")
	}
	if !errors.Is(s.Err(), ErrLinkTimeout) {
		t.Fatalf("err = %v, want ErrLinkTimeout", s.Err())
	}
}

// Offline, whatsmeow reports the failed connection as a QR "timeout"
// before any code: that must read as unreachable, not as nobody scanning.
func TestShowLinkingUnreachable(t *testing.T) {
	s := openTestSession(t, nil)
	qr := make(chan whatsmeow.QRChannelItem, 1)
	qr <- whatsmeow.QRChannelTimeout
	close(qr)
	s.showLinking(context.Background(), qr, LinkOptions{Out: io.Discard})
	if !errors.Is(s.Err(), ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", s.Err())
	}
}

// With -pair-phone no QR code is drawn; the pairing code is requested once.
// Offline, the request fails and ends the session with that error.
func TestShowLinkingPairPhoneOffline(t *testing.T) {
	s := openTestSession(t, nil)
	qr := make(chan whatsmeow.QRChannelItem, 2)
	qr <- whatsmeow.QRChannelItem{Event: "code", Code: "2@first,code", Timeout: 60 * time.Second}
	qr <- whatsmeow.QRChannelItem{Event: "code", Code: "2@second,code", Timeout: 20 * time.Second}
	close(qr)
	var out bytes.Buffer
	s.showLinking(context.Background(), qr, LinkOptions{Out: &out, PairPhone: "447700900123"})
	if strings.ContainsAny(out.String(), "▀▄█") {
		t.Error("a QR code was drawn in pairing-code mode")
	}
	if s.Err() == nil || !strings.Contains(s.Err().Error(), "pairing code") {
		t.Fatalf("err = %v, want the pairing request failure", s.Err())
	}
	if !errors.Is(s.Err(), whatsmeow.ErrNotConnected) {
		t.Fatalf("err = %v, want it to fail for want of a connection", s.Err())
	}
}

func TestWALoggerPassesWarningsOnly(t *testing.T) {
	var buf bytes.Buffer
	l := NewWALogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))).Sub("client")
	l.Debugf("frame %d", 1)
	l.Infof("connected to %s", "server")
	l.Warnf("failed to store %s", "mapping")
	l.Errorf("decrypt %s", "failed")
	got := buf.String()
	if strings.Contains(got, "frame") || strings.Contains(got, "connected") {
		t.Errorf("info/debug leaked: %s", got)
	}
	if !strings.Contains(got, "level=WARN") || !strings.Contains(got, "failed to store mapping") ||
		!strings.Contains(got, "level=ERROR") || !strings.Contains(got, "module=client") {
		t.Errorf("warn/error missing: %s", got)
	}
}
