package main

import (
	"context"
	"os"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
)

// reloadPeriodsOn re-reads the configuration file on each signal from hup
// (SIGHUP in run mode) and puts its election periods in force, so a
// by-election added or called off takes effect without a restart. A file
// that no longer loads leaves the periods in force as they were.
func reloadPeriodsOn(ctx context.Context, hup <-chan os.Signal, a *app, r *notices.Feature) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
		}
		cfg, path, err := loadConfig(a.cfg.path)
		if err != nil {
			a.log.Error("SIGHUP: configuration not reloaded; election periods unchanged", bot.KeyErr, err)
			continue
		}
		// On the engine's worker, like every other piece of work that
		// writes to the database, and in one unit of work: the new periods
		// and the deliveries they release are kept together or not at all.
		err = a.engine.Enqueue(ctx, func(ctx context.Context) {
			err := a.store.Atomic(ctx, func(ctx context.Context) error {
				return r.SetElectionPeriods(ctx, cfg.Notices.ElectionPeriods, cfg.Notices.ElectionHold)
			})
			if err != nil {
				a.log.Error("SIGHUP: election periods not reloaded", "file", path, bot.KeyErr, err)
				return
			}
			a.log.Info("SIGHUP: election periods reloaded", "file", path, "periods", len(cfg.Notices.ElectionPeriods))
		})
		if err != nil {
			return nil
		}
	}
}
