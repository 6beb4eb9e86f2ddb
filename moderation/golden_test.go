package moderation

import (
	"testing"

	"neighbourbot/bot/bottest"
	"neighbourbot/bot/storetest"
)

func TestGolden(t *testing.T) {
	bottest.Golden(t, "testdata", options(DefaultConfig(), nil))
}

func TestGoldenLiveLog(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LogChat = "group:log"
	bottest.Golden(t, "testdata/livelog", options(cfg, nil))
}

// TestGoldenOnPostgres runs the same transcripts on PostgreSQL.
func TestGoldenOnPostgres(t *testing.T) {
	storetest.RequirePostgres(t)
	o := options(DefaultConfig(), nil)
	o.OnPostgres = true
	bottest.Golden(t, "testdata", o)
	cfg := DefaultConfig()
	cfg.LogChat = "group:log"
	o = options(cfg, nil)
	o.OnPostgres = true
	bottest.Golden(t, "testdata/livelog", o)
}
