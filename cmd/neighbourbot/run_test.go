package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot/whatsapp"
)

// A second instance on the same data directory stops before touching the
// session or the network, with a clear message and its own exit code.
func TestRunRefusesLockedDataDir(t *testing.T) {
	if _, ok := any(&lockedError{}).(interface{ Error() string }); !ok {
		t.Fatal("lockedError is not an error")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("[bot]\ndata_dir = %q\n", data)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	held, err := lockDataDir(filepath.Join(data, "neighbourbot.lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	if _, err := lockDataDir(filepath.Join(data, "neighbourbot.lock")); err == nil {
		t.Skip("this platform has no data-directory lock")
	}

	var stdout, stderr bytes.Buffer
	code := runBot(context.Background(), []string{"-config", cfgPath}, &stdout, &stderr)
	if code != exitLocked {
		t.Fatalf("exit %d, want %d (stderr: %s)", code, exitLocked, stderr.String())
	}
	if !strings.Contains(stderr.String(), "already running on this data directory") {
		t.Errorf("stderr = %q", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(data, "whatsapp.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("the refused instance opened the WhatsApp session store")
	}
}

func TestRunFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-pair-phone", "07700900123"},
		{"-pair-phone", "44-77-abc"},
		{"-pair-phone", "12345"},
		{"-nope"},
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runBot(context.Background(), args, &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, exitUsage, stderr.String())
		}
	}
}

func TestNormalizePairPhone(t *testing.T) {
	for in, want := range map[string]string{
		"":                  "",
		"447700900123":      "447700900123",
		"+44 7700 900123":   "447700900123",
		"+1 (415) 555-0100": "14155550100",
	} {
		got, err := normalizePairPhone(in)
		if err != nil || got != want {
			t.Errorf("normalizePairPhone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestExplainEndExitCodes(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
		says string
	}{
		{whatsapp.ErrLoggedOut, exitLoggedOut, "scan the new QR code"},
		{&whatsapp.LoggedOutError{Reason: 401}, exitLoggedOut, "scan the new QR code"},
		// 403 is the phone itself logged out (a new phone, a reinstall):
		// link again, as mautrix-whatsapp words it; not a lock or a ban.
		{&whatsapp.LoggedOutError{Reason: 403}, exitLoggedOut, "phone itself was logged out of WhatsApp"},
		{&whatsapp.LoggedOutError{Reason: 406}, exitBanned, "which it does when it bans an account"},
		{&whatsapp.ConnectFailureError{Reason: 409, Message: "bad ua"}, exitRefused, "Starting it again"},
		{&whatsapp.ConnectFailureError{Message: "token refresh failed"}, exitRefused, "connection token"},
		{whatsapp.ErrReplaced, exitReplaced, "only\none runs"},
		{&whatsapp.BanError{Code: 101, Reason: "too many", Expire: 24 * time.Hour}, exitBanned, "code 101"},
		{whatsapp.ErrClientOutdated, exitError, "outdated"},
		{whatsapp.ErrLinkTimeout, exitError, "fresh code"},
		{whatsapp.ErrUnreachable, exitError, "reach web.whatsapp.com"},
		{errors.New("linking failed: boom"), exitError, "boom"},
	} {
		var buf bytes.Buffer
		if code := explainEnd(&buf, tc.err); code != tc.code || !strings.Contains(buf.String(), tc.says) {
			t.Errorf("%v: exit %d, message %q; want %d and %q", tc.err, code, buf.String(), tc.code, tc.says)
		}
	}
}

func TestWhatsAppConfigValidation(t *testing.T) {
	for _, tc := range []struct{ toml, want string }{
		{"[whatsapp]\ndevice_name = \" \"\n", "whatsapp.device_name"},
		{"[whatsapp]\ngroup_info_max_age = \"30s\"\n", "whatsapp.group_info_max_age"},
		{"[whatsapp]\nsend_burst = 50\n", "whatsapp.send_burst"},
	} {
		cfg := defaultConfig()
		if err := decodeConfig([]byte(tc.toml), &cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error = %v, want it to name %s", tc.toml, err, tc.want)
		}
	}
	cfg := defaultConfig()
	if err := decodeConfig([]byte("[whatsapp]\nsend_interval = \"5s\"\nbacklog_act = \"2m\"\ngroup_info_max_age = \"1d\"\n"), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.WhatsApp.SendInterval.D() != 5*time.Second || cfg.WhatsApp.BacklogAct.D() != 2*time.Minute || cfg.WhatsApp.GroupInfoMaxAge.D() != 24*time.Hour {
		t.Fatalf("decoded %+v", cfg.WhatsApp)
	}
}
