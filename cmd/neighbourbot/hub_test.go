package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"

	"neighbourbot/bot/postgres"
	"neighbourbot/bot/sqlite"
	"neighbourbot/bot/storetest"
)

// linkDevice puts a linked device into whatsmeow's real session store.
func linkDevice(t *testing.T, container *sqlstore.Container) {
	t.Helper()
	ctx := context.Background()
	if err := container.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	dev := container.NewDevice()
	dev.ID = &types.JID{User: "447700900123", Device: 1, Server: types.DefaultUserServer}
	dev.Account = &waAdv.ADVSignedDeviceIdentity{Details: []byte{1}, AccountSignature: make([]byte, 64),
		AccountSignatureKey: make([]byte, 32), DeviceSignature: make([]byte, 64)}
	if err := container.PutDevice(ctx, dev); err != nil {
		t.Fatal(err)
	}
}

// tourDataDir is a data directory as a bot leaves it: the console tour's
// database as neighbourbot.db and, when linked, a whatsapp.db holding a
// linked device.
func tourDataDir(t *testing.T, linked bool) string {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(t.TempDir(), "neighbourbot.toml")
	if err := os.WriteFile(cfgPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := runConsole(context.Background(), []string{"-config", cfgPath, "-data", dir, "-script", "testdata/tour.script"}, strings.NewReader(""), &out, &errOut); code != exitOK {
		t.Fatalf("tour: exit %d\n%s", code, errOut.String())
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(filepath.Join(dir, "console.db"+suffix), filepath.Join(dir, "neighbourbot.db"+suffix)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if linked {
		c, err := sqlstore.New(context.Background(), "sqlite3", sqlite.DSN(filepath.Join(dir, sessionDatabase)), nil)
		if err != nil {
			t.Fatal(err)
		}
		linkDevice(t, c)
		c.Close()
	}
	return dir
}

func hubImportCmd(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), append([]string{"hub", "import"}, args...), nil, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestHubImportRoundTrip: a data directory made by the console tour, with
// a linked WhatsApp session, goes into an empty hub; every table there
// equals the SQLite file's, the bot on the hub finds its number linked, and
// a second import into the now non-empty hub is refused, changing nothing.
func TestHubImportRoundTrip(t *testing.T) {
	url := storetest.Schema(t)
	dir := tourDataDir(t, true)
	code, out, errOut := hubImportCmd("-data", dir, "-database", url)
	if code != exitOK || !strings.Contains(out, "checked row for row") || !strings.Contains(out, sessionDatabase+": ") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	t.Log(out)
	ctx := context.Background()
	src, err := sqlite.Open(ctx, filepath.Join(dir, "neighbourbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, url, false)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	want, got := dumpStore(t, src), dumpStore(t, dst)
	for table := range want {
		if !slices.Equal(want[table], got[table]) {
			t.Errorf("table %s differs after the import:\nwant %q\n got %q", table, want[table], got[table])
		}
	}
	if len(want["people"]) == 0 || len(want["notices"]) == 0 {
		t.Errorf("the tour left too little to compare: %d people, %d notices", len(want["people"]), len(want["notices"]))
	}
	cfg := defaultConfig()
	cfg.Bot.DataDir, cfg.Bot.Database = t.TempDir(), url
	sess, err := openWhatsAppSession(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !sess.Linked() {
		t.Error("the imported session is not linked on the hub")
	}
	sess.Close()

	before := len(dumpStore(t, dst)["people"])
	code, _, errOut = hubImportCmd("-data", dir, "-database", url)
	if code == exitOK || !strings.Contains(errOut, "already holds a linked WhatsApp session") {
		t.Errorf("a second import: exit %d, %q", code, errOut)
	}
	if after := len(dumpStore(t, dst)["people"]); after != before {
		t.Errorf("people before the refused import %d, after %d", before, after)
	}
}

// An unlinked data directory imports without a session (the bot links on
// the hub), and a hub holding the bot's rows refuses a second import; so
// do a missing directory and a URL that is not PostgreSQL's.
func TestHubImportRefusals(t *testing.T) {
	url := storetest.Schema(t)
	dir := tourDataDir(t, false)
	code, out, errOut := hubImportCmd("-data", dir, "-database", url)
	if code != exitOK || !strings.Contains(out, "not there (never linked?), skipped") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = hubImportCmd("-data", dir, "-database", url)
	if code == exitOK || !strings.Contains(errOut, "already holds the bot's data") {
		t.Errorf("import into a hub with data: exit %d, %q", code, errOut)
	}
	if code, _, errOut = hubImportCmd("-data", t.TempDir(), "-database", url); code == exitOK || !strings.Contains(errOut, "no database at") {
		t.Errorf("empty directory: exit %d, %q", code, errOut)
	}
	if code, _, errOut = hubImportCmd("-data", dir, "-database", "mysql://x:s3cret@h/db"); code != exitUsage || strings.Contains(errOut, "s3cret") {
		t.Errorf("not PostgreSQL: exit %d, %q", code, errOut)
	}
}
