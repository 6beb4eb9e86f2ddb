package potholes

import (
	"path/filepath"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/bot/storetest"
)

// testConfig is the default config with small numbers that keep scripts short.
func testConfig() Config {
	cfg := DefaultConfig()
	cfg.AutoSendConfirmations = 2
	return cfg
}

// harnessOptions wires the feature into a bottest harness with photos in a
// temporary directory.
func harnessOptions(t testing.TB, cfg Config, photoDir string) bottest.Options {
	if photoDir == "" {
		photoDir = filepath.Join(t.TempDir(), "photos")
	}
	return bottest.Options{
		Migrations: []bot.Migrations{Migrations()},
		Register: func(h *bottest.Harness) error {
			return Register(h.Kit(FeatureName), cfg, Deps{PhotoDir: photoDir, Location: time.UTC})
		},
	}
}

func TestGolden(t *testing.T) {
	bottest.Golden(t, "testdata", harnessOptions(t, testConfig(), ""))
}

// TestGoldenOnPostgres runs the same transcripts on PostgreSQL.
func TestGoldenOnPostgres(t *testing.T) {
	storetest.RequirePostgres(t)
	o := harnessOptions(t, testConfig(), "")
	o.OnPostgres = true
	bottest.Golden(t, "testdata", o)
}
