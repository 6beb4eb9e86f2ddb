package notices

import (
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
)

// testConfig is the configuration the console transcripts run with.
func testConfig() Config {
	c := DefaultConfig()
	c.SourceName = "Shropshire Council"
	c.Approvers = []string{"Carol", "Dave"}
	return c
}

var testQuiet = bot.QuietHours{Start: 21 * 60, End: 8 * 60, Loc: time.UTC}

// harnessOptions wires the feature into a console harness; relay receives
// the relay each time the harness (re)registers.
func harnessOptions(cfg Config, relay **Feature) bottest.Options {
	return bottest.Options{
		Migrations: []bot.Migrations{Migrations(), sources.Migrations(), polling.Migrations()},
		Register: func(h *bottest.Harness) error {
			r, err := Register(h.Kit("notices"), cfg, Deps{QuietHours: testQuiet})
			if err != nil {
				return err
			}
			h.Console.Directive("notice", r.NoticeDirective)
			if relay != nil {
				*relay = r
			}
			return nil
		},
	}
}

func TestGolden(t *testing.T) {
	bottest.Golden(t, "testdata", harnessOptions(testConfig(), nil))
}

func TestGoldenApproval(t *testing.T) {
	cfg := testConfig()
	cfg.RequireApproval = true
	cfg.EmergencyTwoApprovals = true
	bottest.Golden(t, "testdata/approval", harnessOptions(cfg, nil))
}

func TestGoldenEmergency(t *testing.T) {
	cfg := testConfig()
	cfg.RequireApproval = true
	cfg.EmergencyTwoApprovals = true
	cfg.SendBatch = 2
	bottest.Golden(t, "testdata/emergency", harnessOptions(cfg, nil))
}

func TestGoldenSenders(t *testing.T) {
	cfg := testConfig()
	cfg.Senders = []SenderConfig{
		{Name: "Highways", Token: "highways-token-0123456789", Topics: []string{"roads", "gritting"}},
		{Name: "Youth service", Token: "youth-token-0123456789", Topics: []string{"events"}, Approvers: []string{"Erin"}, RequireApproval: true},
	}
	bottest.Golden(t, "testdata/senders", harnessOptions(cfg, nil))
}

func TestGoldenPeriods(t *testing.T) {
	cfg := testConfig()
	cfg.ElectionPeriods = []PeriodConfig{{Name: "Meole Brace by-election", Start: "2026-01-05", End: "2026-01-07", Areas: []string{"SY3 7"}}}
	bottest.Golden(t, "testdata/periods", harnessOptions(cfg, nil))
}

func TestGoldenPolls(t *testing.T) {
	bottest.Golden(t, "testdata/polls", moderatedOptions(testConfig(), nil))
}
