package main

import (
	"neighbourbot/bot"
	"neighbourbot/moderation"
)

// moderationFeature wires moderation, group settings and the personal-data commands.
func moderationFeature() feature {
	return feature{
		name:       "moderation",
		migrations: func() []bot.Migrations { return []bot.Migrations{moderation.Migrations()} },
		register: func(a *app) error {
			return moderation.Register(a.engine.Kit("moderation"), a.cfg.Moderation, moderation.Deps{Location: a.cfg.Location(), CouncilDomains: councilLinkDomains(a.cfg)})
		},
	}
}
