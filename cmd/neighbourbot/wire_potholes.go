package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"neighbourbot/bot"
	"neighbourbot/commands/potholes"
)

// potholesFeature wires street-fault reports.
func potholesFeature() feature {
	return feature{
		name:       "potholes",
		migrations: func() []bot.Migrations { return []bot.Migrations{potholes.Migrations()} },
		register: func(a *app) error {
			f, err := potholes.Open(a.engine.Kit(potholes.FeatureName), a.cfg.Potholes, potholes.Deps{
				PhotoDir: a.cfg.dataPath("photos"),
				HTTP:     a.http,
				Location: a.cfg.Location(),
				Quiet:    a.cfg.QuietHours(),
				Open311Observe: func() func(op, outcome string) {
					count := a.metrics.Counter("neighbourbot_open311_calls_total", "Calls to the council's Open311 server by operation and outcome (ok, timeout, unreachable, temporary, refused).", "op", "outcome")
					return func(op, outcome string) { count(op, outcome) }
				}(),
			})
			a.potholes = f // for the staff page's street faults
			return err
		},
		commands: map[string]subcommand{
			"potholes": {
				summary: "potholes services: what the council's Open311 server offers (service codes, questions)",
				run: func(ctx context.Context, args []string) int {
					return runPotholes(ctx, args, os.Stdout, os.Stderr)
				},
			},
			"export": {
				summary: "export street-fault reports: export reports --format csv|geojson",
				run: func(ctx context.Context, args []string) int {
					return runExport(ctx, args, os.Stdout, os.Stderr)
				},
			},
		},
	}
}

// runPotholes is "neighbourbot potholes services": it reads the council's
// service list (and the questions of services that have them) with the
// configured endpoint and prints it, marking the configured categories.
func runPotholes(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("potholes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot potholes services [-config FILE]\n\n"+
			"Lists the services the council's Open311 server offers ([potholes] base_url),\n"+
			"with their questions, and the configured service codes it does not list.\n\n")
		fs.PrintDefaults()
	}
	if code, ok := parseVerb(fs, args, "services", "potholes", stderr); !ok {
		return code
	}
	cfg, _, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot potholes:", err)
		return exitUsage
	}
	if err := potholes.ListServices(ctx, cfg.Potholes, nil, stdout); err != nil {
		fmt.Fprintln(stderr, "neighbourbot potholes services:", err)
		if errors.Is(err, potholes.ErrNoOpen311) {
			return exitUsage
		}
		return exitError
	}
	return exitOK
}

// runExport writes reports from the bot's database to standard output.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	format := fs.String("format", "csv", "csv or geojson")
	group := fs.String("group", "", "only this group's reports (its chat id, as in the CSV's group column)")
	status := fs.String("status", "", "open (every unresolved report), resolved, or one status such as fixed or action-scheduled")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot export reports [-format csv|geojson] [-group ID] [-status open] [-config FILE]\n\n"+
			"Writes street-fault reports to standard output. No names or phone numbers are included.\n\n")
		fs.PrintDefaults()
	}
	if code, ok := parseVerb(fs, args, "reports", "export", stderr); !ok {
		return code
	}
	switch *format {
	case "csv", "geojson":
	default:
		fmt.Fprintf(stderr, "neighbourbot export: -format must be csv or geojson, not %q\n", *format)
		return exitUsage
	}
	if _, err := potholes.ParseStatusFilter(*status); err != nil {
		fmt.Fprintln(stderr, "neighbourbot export:", err)
		return exitUsage
	}
	st, cfg, code := openExistingStore(ctx, *cfgPath, "export", stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	if err := potholes.Export(ctx, st, stdout, potholes.ExportOptions{
		Format: *format, Chat: bot.ChatID(*group), Status: *status, PhotoURLBase: cfg.Potholes.PhotoURLBase,
	}); err != nil {
		fmt.Fprintln(stderr, "neighbourbot export:", err)
		return exitError
	}
	return exitOK
}
