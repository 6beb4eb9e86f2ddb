package main

import (
	"neighbourbot/bot"
	"neighbourbot/commands/lending"
)

func init() {
	features = append(features, feature{
		name:       "lending",
		migrations: func() []bot.Migrations { return []bot.Migrations{lending.Migrations()} },
		register: func(a *app) error {
			return lending.Register(a.engine, a.cfg.Lending, lending.Deps{Quiet: a.cfg.QuietHours(), Loc: a.cfg.Location()})
		},
	})
}
