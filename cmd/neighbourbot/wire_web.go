package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
	"neighbourbot/web"
)

// webFeature wires the staff web page: its tables, the !web command, and
// its server as background work of the bot (run mode) or of the console
// (-web).
func webFeature() feature {
	return feature{
		name:       "web",
		migrations: func() []bot.Migrations { return []bot.Migrations{web.Migrations()} },
		register: func(a *app) error {
			srv, err := newWebServer(a, a.cfg.Web)
			if err != nil {
				return err
			}
			a.web = srv
			k := a.engine.Kit("web")
			srv.RegisterJobs(k.Jobs)
			k.Reg.Handle(bot.Route{Name: "web", Usage: "[off]", Scope: bot.DirectOnly, Hidden: true,
				Help: "a sign-in link for the staff web page; off signs out everywhere", For: func(ctx context.Context, req *bot.Request) bool { return a.cfg.Web.Enabled() && srv.IsStaff(ctx, req) }, Role: "For council staff",
				Handler: func(ctx context.Context, req *bot.Request) error {
					if !a.cfg.Web.Enabled() && srv.IsStaff(ctx, req) {
						return req.Reply(ctx, "The staff web page is not switched on for this bot ([web] listen in its settings).")
					}
					return srv.HandleCommand(ctx, req)
				}})
			if a.cfg.Web.Enabled() && a.console == nil {
				a.background = append(a.background, srv.Serve)
			}
			return nil
		},
		commands: map[string]subcommand{
			"web": {
				summary: "staff web page: link NAME (a one-time sign-in link for someone named as staff, by their number or console name)",
				run: func(ctx context.Context, args []string) int {
					return runWebCLI(ctx, args, os.Stdout, os.Stderr)
				},
			},
		},
	}
}

// staffPage is the approvals page's address for approvers' messages, ""
// while the page is off.
func staffPage(cfg web.Config) string {
	if !cfg.Enabled() {
		return ""
	}
	return cfg.Base() + "/approvals"
}

// newWebServer builds the page over the app's store, reading who is staff
// from the app's configuration on every request.
func newWebServer(a *app, cfg web.Config) (*web.Server, error) {
	deps := web.Deps{Core: a.store, Clock: a.clock, Log: a.log.With(bot.KeyFeature, "web"), Notices: a.notices, Potholes: a.potholes,
		Topics: a.cfg.Notices.Topics, Staff: func() web.Staff { return staffOf(a.cfg, a.staffChat()) }, Loc: a.cfg.Location(),
		Quiet: a.cfg.QuietHours(), Periods: func() []notices.PeriodInfo {
			if a.notices == nil {
				return nil
			}
			return a.notices.PeriodsInForce() // as a SIGHUP last reloaded them
		}}
	if a.inbox != nil {
		deps.Inbox = a.inbox
	}
	out := a.engine.Kit("web").Out
	deps.Tell = func(ctx context.Context, person int64, text string) error {
		p, err := a.store.PersonByID(ctx, person)
		if err != nil {
			return err
		}
		if ok, err := out.CanDM(ctx, p); err != nil || !ok {
			return err // never a cold message
		}
		return out.DM(ctx, p, text)
	}
	if a.console != nil {
		deps.AfterChange = a.console.Settle
	}
	return web.New(cfg, deps)
}

// staffChat is how a configured inbox staff chat names its chat: the
// console's simulated group, or the JID as written.
func (a *app) staffChat() func(string) bot.ChatID {
	if a.console != nil {
		return consoleStaffChat
	}
	return func(s string) bot.ChatID { return bot.ChatID(s) }
}

// staffOf is who the configuration names as staff: owners, approvers,
// each sender's staff and approvers, and the members of the inbox's staff
// groups (chat maps a configured staff chat to its chat id).
func staffOf(cfg Config, chat func(string) bot.ChatID) web.Staff {
	s := web.Staff{Owners: cfg.Bot.Owners, Approvers: cfg.Notices.Approvers, Faults: cfg.Potholes.Staff}
	for _, snd := range cfg.Notices.Senders {
		s.Senders = append(s.Senders, web.SenderStaff{Name: strings.TrimSpace(snd.Name), Topics: snd.Topics, Staff: snd.Staff, Approvers: snd.Approvers})
	}
	if cfg.Inbox.Enabled {
		seen := map[string]bool{}
		chats := []string{cfg.Inbox.StaffChat}
		for _, d := range cfg.Inbox.Desks {
			chats = append(chats, d.StaffChat)
		}
		for _, c := range chats {
			if c = strings.TrimSpace(c); c != "" && !seen[c] {
				seen[c] = true
				s.StaffChats = append(s.StaffChats, chat(c))
			}
		}
	}
	return s
}

// runWebCLI is "neighbourbot web link NAME": a sign-in link printed on the
// server, for the first sign-in before anyone has the bot in a chat.
func runWebCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	rest := fs.Args()
	if len(rest) != 2 || rest[0] != "link" {
		fmt.Fprintln(stderr, "usage: neighbourbot web [-config FILE] link NAME   (NAME: the number or console name the configuration names as staff)")
		return exitUsage
	}
	st, cfg, code := openExistingStore(ctx, *cfgPath, "web", stderr)
	if code != exitOK {
		return code
	}
	defer st.Close()
	if !cfg.Web.Enabled() {
		fmt.Fprintln(stderr, "neighbourbot web: the staff page is off: set [web] listen first")
		return exitUsage
	}
	addr := bot.Address(strings.TrimPrefix(strings.ReplaceAll(rest[1], " ", ""), "+"))
	p, err := st.PersonByAddr(ctx, addr)
	if errors.Is(err, bot.ErrNotFound) && !addr.IsPhone() {
		p, err = st.PersonByAddr(ctx, bot.Address(string(addr)+"@s.whatsapp.net"))
	}
	if errors.Is(err, bot.ErrNotFound) {
		fmt.Fprintln(stderr, "neighbourbot web: the bot has not met anyone by that name or number yet; they need to have written to the bot or be in a group with it")
		return exitError
	}
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot web:", err)
		return exitError
	}
	srv, err := web.New(cfg.Web, web.Deps{Core: st, Clock: bot.SystemClock{}, Staff: func() web.Staff { return staffOf(cfg, func(s string) bot.ChatID { return bot.ChatID(s) }) }, Loc: cfg.Location()})
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot web:", err)
		return exitError
	}
	link, err := srv.Link(ctx, p.ID)
	if errors.Is(err, web.ErrNotStaff) {
		fmt.Fprintln(stderr, "neighbourbot web: that person is not named as staff in the configuration (owners, approvers, a sender's staff or an inbox staff group)")
		return exitError
	}
	if err != nil {
		fmt.Fprintln(stderr, "neighbourbot web:", err)
		return exitError
	}
	fmt.Fprintln(stdout, link)
	fmt.Fprintln(stdout, "It works once, within 10 minutes.")
	return exitOK
}
