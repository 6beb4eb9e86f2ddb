package moderation

import (
	"testing"

	"neighbourbot/bot/bottest"
)

func TestGolden(t *testing.T) {
	bottest.Golden(t, "testdata", options(DefaultConfig(), nil))
}

func TestGoldenLiveLog(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LogChat = "group:log"
	bottest.Golden(t, "testdata/livelog", options(cfg, nil))
}
