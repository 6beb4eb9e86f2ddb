package main

import (
	"neighbourbot/bot"
	"neighbourbot/commands/lending"
)

// lendingFeature wires lending and borrowing.
func lendingFeature() feature {
	return feature{
		name:       "lending",
		migrations: func() []bot.Migrations { return []bot.Migrations{lending.Migrations()} },
		register: func(a *app) error {
			return lending.Register(a.engine.Kit(lending.FeatureName), a.cfg.Lending, lending.Deps{Quiet: a.cfg.QuietHours(), Loc: a.cfg.Location()})
		},
	}
}
