package main

import (
	"neighbourbot/bot"
	"neighbourbot/commands/power"
)

func init() {
	features = append(features, feature{
		name:       "power",
		migrations: func() []bot.Migrations { return []bot.Migrations{power.Migrations()} },
		register: func(a *app) error {
			cfg := a.cfg.Power
			deps := power.Deps{Location: a.cfg.Location()}
			if cfg.FeedURL != "" {
				// Validate allows only the UK Power Networks format so far.
				deps.Incidents = &power.UKPN{Client: a.http, URL: cfg.FeedURL, Key: cfg.FeedKey, Timeout: cfg.FeedTimeout.D()}
			}
			return power.Register(a.engine, cfg, deps)
		},
	})
}
