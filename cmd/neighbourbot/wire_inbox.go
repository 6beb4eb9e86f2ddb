package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"neighbourbot/bot"
	"neighbourbot/commands/inbox"
)

// inboxFeature wires the council inbox.
func inboxFeature() feature {
	return feature{
		name:       "inbox",
		migrations: func() []bot.Migrations { return []bot.Migrations{inbox.Migrations()} },
		register: func(a *app) error {
			deps := inbox.Deps{MediaDir: a.cfg.dataPath("inbox"), Location: a.cfg.Location(), HTTP: a.http, Health: a.health}
			if a.console != nil {
				deps.Chat = consoleStaffChat
			}
			if a.console == nil && a.cfg.Inbox.Enabled {
				// On WhatsApp a staff chat is a group JID; a console id such
				// as "staff" would post nowhere.
				for _, chat := range a.cfg.Inbox.StaffChats() {
					if !strings.HasSuffix(chat, "@g.us") {
						return fmt.Errorf("inbox staff chat %q must be a WhatsApp group JID (…@g.us); plain ids like \"staff\" work only in the console", chat)
					}
				}
			}
			f, err := inbox.RegisterFeature(a.engine.Kit("inbox"), a.cfg.Inbox, deps)
			a.inbox = f
			return err
		},
		commands: map[string]subcommand{
			"inbox": {
				summary: "council inbox records: inbox export [--format csv] [--by-desk]",
				run: func(ctx context.Context, args []string) int {
					return runInboxCLI(ctx, args, os.Stdout, os.Stderr)
				},
			},
		},
	}
}

// consoleStaffChat maps a configured staff chat to the console's group:
// in the console a staff group is a simulated group id ("staff").
func consoleStaffChat(s string) bot.ChatID {
	if s == "" || strings.HasPrefix(s, "group:") {
		return bot.ChatID(s)
	}
	return bot.ChatID("group:" + s)
}

// runInboxCLI writes the council inbox's tickets for the council's records.
func runInboxCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := configFlag(fs)
	format := fs.String("format", "csv", "csv (the only format)")
	byDesk := fs.Bool("by-desk", false, "one summary row per desk (tickets, open, closed, median minutes to first reply and to close, wall-clock and working)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: neighbourbot inbox export [-format csv] [-by-desk] [-config FILE]\n\n"+
			"Writes the council inbox's tickets to standard output: number, desk, state, times, minutes to the\n"+
			"first reply and to closing, wall-clock and working (office hours less closed days and bank\n"+
			"holidays). No resident's name, number or words are included.\n\n")
		fs.PrintDefaults()
	}
	if code, ok := parseVerb(fs, args, "export", "inbox", stderr); !ok {
		return code
	}
	if *format != "csv" {
		fmt.Fprintf(stderr, "neighbourbot inbox: -format must be csv, not %q\n", *format)
		return exitUsage
	}
	st, cfg, code := openExistingStore(ctx, *cfgPath, "inbox", stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	if err := inbox.Export(ctx, st.DB(), stdout, inbox.ExportOptions{ByDesk: *byDesk, Location: cfg.Location(), Config: &cfg.Inbox}); err != nil {
		fmt.Fprintln(stderr, "neighbourbot inbox:", err)
		return exitError
	}
	return exitOK
}
