package main

import (
	"neighbourbot/bot"
	"neighbourbot/commands/polling"
	"neighbourbot/commands/power"
	"neighbourbot/commands/power/operators"
)

// powerFeature wires power-cut checks.
func powerFeature() feature {
	return feature{
		name:       "power",
		migrations: func() []bot.Migrations { return []bot.Migrations{power.Migrations(), polling.Migrations()} },
		register: func(a *app) error {
			cfg := a.cfg.Power
			deps := power.Deps{Location: a.cfg.Location(), Quiet: a.cfg.QuietHours(), Sources: a.metrics}
			// The console reaches only the operators its config gives a URL,
			// never the real portals.
			src, err := operators.Source(cfg, operators.BuildOptions{Client: a.http, Timeout: cfg.FeedTimeout.D(), OnlyConfigured: a.console != nil})
			if err != nil {
				return err
			}
			deps.Incidents = src
			return power.Register(a.engine.Kit(power.FeatureName), cfg, deps)
		},
	}
}
