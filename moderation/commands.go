package moderation

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

func (m *Feature) routes() {
	e := m.reg
	// Moderation is deliberately not a declared feature, so "!bot features
	// lending,power" can never switch the admins' own tools off; naming it on
	// the group's routes only gives them their own heading in !help (the
	// router consults FeaturesOff, which only ever lists declared features).
	handle := func(rt bot.Route) {
		if rt.Scope == bot.GroupOnly || rt.Name == "report" || rt.Name == "reports" {
			rt.Feature = "moderation"
		}
		if rt.AdminOnly {
			rt.Handler = m.recorded(rt.Name, rt.Handler)
		}
		e.Handle(rt)
	}
	handle(bot.Route{Name: "rules", Help: "show this group's rules", Scope: bot.GroupOnly, Lists: true, Handler: m.handleRules})
	handle(bot.Route{Name: "setrules", Usage: "TEXT|clear", Help: "set the group's rules", AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleSetRules})
	handle(bot.Route{Name: "welcome", Usage: "[TEXT|off|rules on|off]", Help: "the message new members get; {name} and {group} are filled in",
		AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleWelcome})
	// No Match: this is the fallback for !report; potholes' route with a
	// Match takes "!report streetlight …".
	handle(bot.Route{Name: "report", Usage: "REASON", Help: "reply to a message with this to tell the admins (or send it to me privately)",
		Handler: m.handleReport})
	handle(bot.Route{Name: "reports", Help: "admins: read reports waiting for you (sent here privately)", Scope: bot.DirectOnly, Handler: m.handleReports})
	handle(bot.Route{Name: "reportmode", Usage: "[group|dm]", Help: "how reports reach admins: mentioned in the group, or by direct message",
		AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleReportMode})
	handle(bot.Route{Name: "warn", Usage: "@member REASON", Help: "warn a member (or reply to their message with !warn REASON)",
		AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleWarn})
	handle(bot.Route{Name: "warnings", Usage: "[@member]", Help: "show a member's warnings (yours without a name)", Scope: bot.GroupOnly, Handler: m.handleWarnings})
	handle(bot.Route{Name: "unwarn", Usage: "@member [all]", Help: "remove a member's latest warning, or all of them",
		AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleUnwarn})
	handle(bot.Route{Name: "warnlimit", Usage: "[N] [notify|remove]", Help: "how many warnings before admins are told or the member is removed",
		AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleWarnLimit})
	handle(bot.Route{Name: "block", Aliases: []string{"blocklist"}, Usage: "add WORD|/regex/ · remove WORD|N · list · action warn|delete|remove",
		Help: "words and patterns not allowed here", AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleBlock})
	handle(bot.Route{Name: "links", Usage: "on|off · allow DOMAIN · disallow DOMAIN · action warn|delete|remove",
		Help: "lock links (on = links not allowed) and allow some sites", AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleLinks})
	handle(bot.Route{Name: "antiflood", Aliases: []string{"flood"}, Usage: "on|off · N SECONDS · action warn|delete|remove",
		Help: "act when one member sends more than N messages within a time", AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleAntiflood})
	handle(bot.Route{Name: "settings", Help: "everything configured for this group", AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleSettings})
	handle(bot.Route{Name: "audit", Usage: "[N]", Help: "the latest admin and automatic actions in this group", AdminOnly: true, Scope: bot.GroupOnly, Handler: m.handleAudit})
	handle(bot.Route{Name: "mydata", Help: "what the bot holds about you", Scope: bot.DirectOnly, Handler: m.handleMyData})
	handle(bot.Route{Name: "forgetme", Usage: "[yes|no]", Help: "erase what the bot holds about you (asks to confirm)", Scope: bot.DirectOnly, Handler: m.handleForgetMe})
}

// recorded makes sure every admin command that succeeds leaves an audit
// entry: commands that change something record what they changed; a
// command that only showed something is recorded by name.
func (m *Feature) recorded(name string, h bot.HandlerFunc) bot.HandlerFunc {
	return func(ctx context.Context, req *bot.Request) error {
		before, err := m.latestAudit(ctx, req.Chat.ID)
		if err != nil {
			return err
		}
		if err := h(ctx, req); err != nil {
			return err
		}
		after, err := m.latestAudit(ctx, req.Chat.ID)
		if err != nil || after != before {
			return err
		}
		return m.adminAudit(ctx, req, name, nil, bot.Truncate(req.StripMentions(req.Args), 100))
	}
}

func (m *Feature) latestAudit(ctx context.Context, chat bot.ChatID) (int64, error) {
	latest, err := m.core.AuditLog(ctx, chat, 1)
	if err != nil {
		return 0, fmt.Errorf("audit log: %w", err)
	}
	if len(latest) == 0 {
		return 0, nil
	}
	return latest[0].ID, nil
}

// adminAudit records an admin command.
func (m *Feature) adminAudit(ctx context.Context, req *bot.Request, action string, target *bot.Person, detail string) error {
	return m.audit(ctx, req.Chat.ID, req.Sender, action, target, detail)
}

func parseAction(s string) (string, bool) {
	switch a := strings.ToLower(strings.TrimSpace(s)); a {
	case ActionWarn, ActionDelete, ActionRemove:
		return a, true
	}
	return "", false
}

func actionPhrase(a string) string {
	switch a {
	case ActionDelete:
		return "delete the message"
	case ActionRemove:
		return "remove the member"
	}
	return "warn"
}

// botIsAdmin asks the transport's cached group info.
func (m *Feature) botIsAdmin(ctx context.Context, chat bot.ChatID) (bool, error) {
	gi, err := m.groups.Info(ctx, chat)
	if err != nil {
		return false, fmt.Errorf("group info: %w", err)
	}
	return gi.BotIsAdmin, nil
}

// needsAdminNote warns, when setting an action the bot cannot take yet,
// what will happen instead.
func (m *Feature) needsAdminNote(ctx context.Context, chat bot.ChatID, action string) (string, error) {
	if action != ActionDelete && action != ActionRemove {
		return "", nil
	}
	admin, err := m.botIsAdmin(ctx, chat)
	if err != nil || admin {
		return "", err
	}
	return " I'm not a group admin here yet, so until you make me one I'll give warnings instead.", nil
}

func (m *Feature) handleRules(ctx context.Context, req *bot.Request) error {
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	if r.cfg.Rules == "" {
		return req.Reply(ctx, fmt.Sprintf("No rules have been set for this group yet. An admin can set them with %s TEXT.", req.Cmd("setrules")))
	}
	return req.Reply(ctx, "Group rules:\n"+r.cfg.Rules)
}

func (m *Feature) handleSetRules(ctx context.Context, req *bot.Request) error {
	text := strings.TrimSpace(req.Args)
	if text == "" {
		return bot.Userf("Usage: %s TEXT — the rules members see with %s (or %s clear).", req.Cmd("setrules"), req.Cmd("rules"), req.Cmd("setrules"))
	}
	if n := bot.RuneLen(text); n > maxRulesRunes {
		return bot.Userf("Those rules are %d characters; please keep them under %d. Nothing was changed.", n, maxRulesRunes)
	}
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	g := r.cfg
	clear := strings.EqualFold(text, "clear") || strings.EqualFold(text, "off")
	if clear {
		g.Rules = ""
	} else {
		g.Rules = text
	}
	if err := m.saveGroup(ctx, g); err != nil {
		return err
	}
	if clear {
		if err := m.adminAudit(ctx, req, "rules.clear", nil, ""); err != nil {
			return err
		}
		return req.Reply(ctx, "Rules cleared.")
	}
	if err := m.adminAudit(ctx, req, "rules.set", nil, fmt.Sprintf("%d characters", bot.RuneLen(text))); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Rules saved. Anyone can read them with %s.", req.Cmd("rules")))
}

var placeholder = regexp.MustCompile(`\{([^{}]*)\}`)

// checkWelcome refuses placeholders other than {name} and {group}.
func checkWelcome(text string) error {
	for _, mt := range placeholder.FindAllStringSubmatch(text, -1) {
		switch strings.ToLower(strings.TrimSpace(mt[1])) {
		case "name", "group":
		default:
			return bot.Userf("I don't know the placeholder {%s}. Use {name} for the new member and {group} for the group's name. Nothing was changed.", truncate(mt[1], 20))
		}
	}
	return nil
}

func renderWelcome(text, name, group string) string {
	return placeholder.ReplaceAllStringFunc(text, func(tok string) string {
		switch strings.ToLower(strings.TrimSpace(tok[1 : len(tok)-1])) {
		case "name":
			return name
		case "group":
			return group
		}
		return tok
	})
}

func (m *Feature) handleWelcome(ctx context.Context, req *bot.Request) error {
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	g := r.cfg
	text := strings.TrimSpace(req.Args)
	fields := strings.Fields(text)
	switch {
	case text == "":
		if g.Welcome == "" {
			return req.Reply(ctx, fmt.Sprintf("No welcome message is set. Set one with %s Welcome {name} to {group}!", req.Cmd("welcome")))
		}
		with := "without"
		if g.WelcomeRules {
			with = "with"
		}
		return req.Reply(ctx, fmt.Sprintf("New members get (%s the rules):\n%s", with, g.Welcome))
	case len(fields) == 1 && strings.EqualFold(text, "off"):
		if g.Welcome == "" {
			return req.Reply(ctx, "The welcome message is already off.")
		}
		g.Welcome = ""
		if err := m.saveGroup(ctx, g); err != nil {
			return err
		}
		if err := m.adminAudit(ctx, req, "welcome.off", nil, ""); err != nil {
			return err
		}
		return req.Reply(ctx, "Welcome message switched off.")
	case len(fields) == 2 && strings.EqualFold(fields[0], "rules"):
		on, ok := bot.ParseOnOff(fields[1])
		if !ok {
			break
		}
		g.WelcomeRules = on
		if err := m.saveGroup(ctx, g); err != nil {
			return err
		}
		if err := m.adminAudit(ctx, req, "welcome.rules", nil, onOff(on)); err != nil {
			return err
		}
		if on {
			return req.Reply(ctx, "New members will get the rules with the welcome message.")
		}
		return req.Reply(ctx, "New members will get the welcome message without the rules.")
	}
	if n := bot.RuneLen(text); n > maxWelcomeRunes {
		return bot.Userf("That welcome message is %d characters; please keep it under %d. Nothing was changed.", n, maxWelcomeRunes)
	}
	if err := checkWelcome(text); err != nil {
		return err
	}
	g.Welcome = text
	if err := m.saveGroup(ctx, g); err != nil {
		return err
	}
	if err := m.adminAudit(ctx, req, "welcome.set", nil, fmt.Sprintf("%d characters", bot.RuneLen(text))); err != nil {
		return err
	}
	// The preview fills {name} with a made-up newcomer: the admin's own
	// name there would read as a mention of them.
	return req.Reply(ctx, "Welcome message saved. A new member (say, Sam) would see:\n"+renderWelcome(text, "@Sam", req.Chat.Name))
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func (m *Feature) handleReportMode(ctx context.Context, req *bot.Request) error {
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	g := r.cfg
	arg := strings.ToLower(strings.TrimSpace(req.Args))
	if arg == "" {
		return req.Reply(ctx, "Reports "+reportModePhrase(m.reportDelivery(g))+".")
	}
	if arg != ReportToGroup && arg != ReportByDM {
		return bot.Userf("Usage: %s group (mention admins here) or %s dm (a direct message to each admin).", req.Cmd("reportmode"), req.Cmd("reportmode"))
	}
	g.ReportDelivery = arg
	if err := m.saveGroup(ctx, g); err != nil {
		return err
	}
	how := "mentioned in the group"
	if arg == ReportByDM {
		how = "by direct message"
	}
	if err := m.adminAudit(ctx, req, "reportmode.set", nil, how); err != nil {
		return err
	}
	return req.Reply(ctx, "Done: reports "+reportModePhrase(arg)+".")
}

func reportModePhrase(mode string) string {
	if mode == ReportByDM {
		return "reach admins by direct message"
	}
	return "mention the admins in the group"
}

// commandTarget is who an admin command is about: the first @mention, or
// the author of the message it replies to.
func commandTarget(req *bot.Request) (bot.Sender, bool) {
	if req.Msg == nil {
		return bot.Sender{}, false
	}
	if len(req.Msg.Mentions) > 0 {
		return req.Msg.Mentions[0], true
	}
	if q := req.Msg.Quote; q != nil && q.Sender.Addr != "" {
		return q.Sender, true
	}
	return bot.Sender{}, false
}

// mentionHint answers a member command whose argument names someone
// without an @mention ("!warnings Carol"): the bot cannot tell who a bare
// name is, so it shows the command again with the first word as a mention,
// instead of falling back to the sender or to the usage line.
func mentionHint(req *bot.Request) error {
	fields := strings.Fields(req.Args)
	name := strings.TrimLeft(fields[0], "@")
	if name == "" {
		name = "name"
	}
	rest := ""
	if len(fields) > 1 {
		rest = " " + bot.Truncate(strings.Join(fields[1:], " "), 60)
	}
	return bot.Userf("Mention them: %s @%s%s — type @ and pick them from the list.", req.Cmd(req.Command), truncate(name, 30), rest)
}

// label names the person behind a mention for a reply: the name WhatsApp
// gave, else the one the bot knows, else "That person".
func (m *Feature) label(ctx context.Context, s bot.Sender) string {
	if n := strings.TrimSpace(s.Name); n != "" && (bot.Person{Name: n}).DisplayName() == n {
		return n
	}
	if p, known, err := m.knownPerson(ctx, s); err == nil && known && p.DisplayName() != "a neighbour" {
		return p.DisplayName()
	}
	return "That person"
}

// knownPerson finds who a sender is without creating a record, for
// commands that only look things up.
func (m *Feature) knownPerson(ctx context.Context, s bot.Sender) (bot.Person, bool, error) {
	for _, a := range s.Addrs() {
		p, err := m.core.PersonByAddr(ctx, a)
		if err == nil {
			return p, true, nil
		}
		if !errors.Is(err, bot.ErrNotFound) {
			return bot.Person{}, false, err
		}
	}
	return bot.Person{}, false, nil
}

// reasonOf is the free text of a command after the @mentions.
func reasonOf(req *bot.Request, skip ...string) (string, error) {
	reason := req.StripMentions(req.Args)
	for _, s := range skip {
		if f := strings.Fields(reason); len(f) > 0 && strings.EqualFold(f[0], s) {
			reason = strings.TrimSpace(reason[len(f[0]):])
		}
	}
	if n := bot.RuneLen(reason); n > maxReasonRunes {
		return "", bot.Userf("That reason is %d characters; please keep it under %d.", n, maxReasonRunes)
	}
	return reason, nil
}

func (m *Feature) handleWarn(ctx context.Context, req *bot.Request) error {
	snd, ok := commandTarget(req)
	if !ok && strings.TrimSpace(req.Args) != "" {
		return mentionHint(req)
	}
	if !ok {
		return bot.Userf("Usage: %s @member REASON — or reply to their message with %s REASON.", req.Cmd("warn"), req.Cmd("warn"))
	}
	reason, err := reasonOf(req)
	if err != nil {
		return err
	}
	gi, err := m.groups.Info(ctx, req.Chat.ID)
	if err != nil {
		return fmt.Errorf("group info: %w", err)
	}
	// Match every address the bot knows for them, not only the form the
	// mention used: in LID groups a mention and the member list can differ.
	addrs := snd.Addrs()
	if p, known, err := m.knownPerson(ctx, snd); err != nil {
		return err
	} else if known {
		more, err := m.core.PersonAddrs(ctx, p.ID)
		if err != nil {
			return fmt.Errorf("person addresses: %w", err)
		}
		addrs = append(addrs, more...)
	}
	part, inGroup := gi.Find(addrs...)
	if !inGroup {
		return bot.Userf("%s isn't in this group, so I can't warn them. Nothing was changed.", m.label(ctx, snd))
	}
	if part.IsAdmin || m.groups.IsOwner(addrs...) {
		return bot.Userf("%s is a group admin; admins can't be warned.", m.label(ctx, snd))
	}
	target, err := m.core.ResolvePerson(ctx, snd, m.clock.Now())
	if err != nil {
		return fmt.Errorf("resolve member: %w", err)
	}
	if reason == "" {
		reason = "no reason given"
	}
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	addr := snd.Addr
	if len(part.Addrs) > 0 {
		addr = part.Addrs[0]
	}
	return m.giveWarning(ctx, req, r, target, addr, ruleManual, reason, req.Sender)
}

func (m *Feature) handleWarnings(ctx context.Context, req *bot.Request) error {
	target := req.Sender
	snd, ok := commandTarget(req)
	if !ok && strings.TrimSpace(req.Args) != "" {
		return mentionHint(req)
	}
	if ok {
		p, known, err := m.knownPerson(ctx, snd)
		if err != nil {
			return err
		}
		if !known {
			return req.Reply(ctx, fmt.Sprintf("%s has no warnings here.", m.label(ctx, snd)))
		}
		target = p
	}
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	active, err := m.st.activeWarnings(ctx, req.Chat.ID, target.ID, m.clock.Now())
	if err != nil {
		return err
	}
	if len(active) == 0 {
		return req.Reply(ctx, fmt.Sprintf("%s has no warnings here.", bot.AtSentenceStart(target.DisplayName())))
	}
	var b strings.Builder
	if limit := m.warnLimit(r.cfg); len(active) >= limit {
		// Over a limit lowered since: say what the next warning does
		// rather than "3 warnings (the limit is 2)".
		then := "tells the admins"
		if m.limitAction(r.cfg) == LimitRemove {
			then = "removes them from the group"
		}
		fmt.Fprintf(&b, "%s has reached this group's limit (%s); the next warning %s:", bot.AtSentenceStart(target.DisplayName()), bot.Plural(int64(limit), "warning", "warnings"), then)
	} else {
		fmt.Fprintf(&b, "%s has %s here (the limit is %d):", bot.AtSentenceStart(target.DisplayName()), bot.Plural(int64(len(active)), "warning", "warnings"), limit)
	}
	// The latest ones, numbered as counted; a post in the group stays short.
	first := max(0, len(active)-(groupListEntries-1))
	if first > 0 {
		fmt.Fprintf(&b, "\n…%s before these, still counted.", bot.Plural(int64(first), "earlier warning", "earlier warnings"))
	}
	for i, w := range active[first:] {
		fmt.Fprintf(&b, "\n%d. %s — %s", first+i+1, w.CreatedAt.In(m.loc).Format("Mon 2 Jan"), w.Reason)
	}
	fmt.Fprintf(&b, "\nWarnings expire after %s.", bot.FormatDuration(m.cfg.WarningExpiry.D()))
	return req.Reply(ctx, b.String())
}

func (m *Feature) handleUnwarn(ctx context.Context, req *bot.Request) error {
	snd, ok := commandTarget(req)
	if !ok && strings.TrimSpace(req.Args) != "" {
		return mentionHint(req)
	}
	if !ok {
		return bot.Userf("Usage: %s @member (latest warning) or %s @member all.", req.Cmd("unwarn"), req.Cmd("unwarn"))
	}
	rest := strings.ToLower(req.StripMentions(req.Args))
	all := rest == "all"
	if rest != "" && !all {
		return bot.Userf("Usage: %s @member (latest warning) or %s @member all.", req.Cmd("unwarn"), req.Cmd("unwarn"))
	}
	target, known, err := m.knownPerson(ctx, snd)
	if err != nil {
		return err
	}
	var active []warning
	if known {
		if active, err = m.st.activeWarnings(ctx, req.Chat.ID, target.ID, m.clock.Now()); err != nil {
			return err
		}
	}
	if len(active) == 0 {
		return bot.Userf("%s has no active warnings here.", m.label(ctx, snd))
	}
	remove := active[len(active)-1:]
	if all {
		remove = active
	}
	ids := make([]int64, 0, len(remove))
	for _, w := range remove {
		ids = append(ids, w.ID)
	}
	if err := m.st.removeWarnings(ctx, ids, m.clock.Now()); err != nil {
		return err
	}
	left := len(active) - len(remove)
	if err := m.adminAudit(ctx, req, "unwarn", &target, fmt.Sprintf("%d removed, %d left", len(remove), left)); err != nil {
		return err
	}
	if all {
		return req.Reply(ctx, fmt.Sprintf("Cleared %s's warnings (%d).", target.DisplayName(), len(remove)))
	}
	return req.Reply(ctx, fmt.Sprintf("Removed %s's latest warning; %d left.", target.DisplayName(), left))
}

func (m *Feature) handleWarnLimit(ctx context.Context, req *bot.Request) error {
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	g := r.cfg
	fields := req.Fields()
	if len(fields) == 0 {
		return req.Reply(ctx, capitalise(m.warnSummary(g))+".")
	}
	usage := bot.Userf("Usage: %s N (1–%d) and/or notify or remove, e.g. %s 3 remove.", req.Cmd("warnlimit"), maxWarnLimit, req.Cmd("warnlimit"))
	if len(fields) > 2 {
		return usage
	}
	for _, f := range fields {
		switch lf := strings.ToLower(f); {
		case lf == LimitNotify || lf == LimitRemove:
			g.LimitAction = lf
		default:
			n, err := strconv.Atoi(f)
			if err != nil {
				return usage
			}
			if n < 1 || n > maxWarnLimit {
				return bot.Userf("The warning limit must be between 1 and %d.", maxWarnLimit)
			}
			g.WarnLimit = n
		}
	}
	if err := m.saveGroup(ctx, g); err != nil {
		return err
	}
	if err := m.adminAudit(ctx, req, "warnlimit.set", nil, fmt.Sprintf("%d, %s", m.warnLimit(g), m.limitAction(g))); err != nil {
		return err
	}
	note := ""
	if m.limitAction(g) == LimitRemove {
		admin, err := m.botIsAdmin(ctx, req.Chat.ID)
		if err != nil {
			return err
		}
		if !admin {
			note = " I'm not a group admin here yet, so until you make me one I'll notify admins instead."
		}
	}
	over, err := m.st.membersAtLimit(ctx, req.Chat.ID, m.warnLimit(g), m.clock.Now())
	if err != nil {
		return err
	}
	if over > 0 {
		then := "the admins are told"
		if m.limitAction(g) == LimitRemove {
			then = "they are removed"
		}
		note += fmt.Sprintf(" %s already at the limit or over it: at their next warning %s.", capitalise(bot.Plural(int64(over), "member is", "members are")), then)
	}
	return req.Reply(ctx, "Done: "+m.warnSummary(g)+"."+note)
}

func (m *Feature) warnSummary(g groupConfig) string {
	then := "the admins are told"
	if m.limitAction(g) == LimitRemove {
		then = "the member is removed"
	}
	return fmt.Sprintf("at %s %s; warnings expire after %s", bot.Plural(int64(m.warnLimit(g)), "warning", "warnings"), then, bot.FormatDuration(m.cfg.WarningExpiry.D()))
}

// splitSub splits "add casino, bingo" into ("add", "casino, bingo").
func splitSub(args string) (string, string) {
	args = strings.TrimSpace(args)
	i := strings.IndexFunc(args, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' })
	if i < 0 {
		return strings.ToLower(args), ""
	}
	return strings.ToLower(args[:i]), strings.TrimSpace(args[i:])
}

func (m *Feature) handleBlock(ctx context.Context, req *bot.Request) error {
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	sub, rest := splitSub(req.Args)
	p := req.Cmd("block")
	usage := bot.Userf("Usage: %s add WORD (or several, separated by commas, or /regex/), %s remove WORD or NUMBER, %s list, %s action warn|delete|remove.", p, p, p, p)
	switch sub {
	case "":
		return req.Reply(ctx, fmt.Sprintf("The blocklist has %s; on a match I %s. %s list shows them.", bot.Plural(int64(len(r.blocks)), "entry", "entries"), actionPhrase(r.cfg.BlockAction), p))
	case "add":
		if rest == "" {
			return usage
		}
		return m.addBlocks(ctx, req, r, rest)
	case "list":
		return req.Reply(ctx, blocklistText(r, p))
	case "remove", "delete", "rm":
		if rest == "" {
			return usage
		}
		entry, ok := findBlock(r.blocks, rest)
		if !ok {
			return bot.Userf("%q isn't on the blocklist. %s list shows what is.", truncate(rest, 40), p)
		}
		if err := m.st.removeBlock(ctx, req.Chat.ID, entry.ID); err != nil {
			return err
		}
		m.forget(req.Chat.ID)
		if err := m.adminAudit(ctx, req, "block.remove", nil, entry.String()); err != nil {
			return err
		}
		return req.Reply(ctx, "Removed from the blocklist: "+entry.String()+".")
	case "action":
		return m.setAction(ctx, req, rest, "block", func(g *groupConfig, a string) { g.BlockAction = a })
	}
	return usage
}

// addBlocks is !block add: one or more words or /patterns/, checked
// before anything is stored.
func (m *Feature) addBlocks(ctx context.Context, req *bot.Request, r *groupRules, rest string) error {
	p := req.Cmd("block")
	entries, err := parseBlockEntries(rest)
	if pe := (patternError{}); errors.As(err, &pe) {
		return bot.Userf("%s. Nothing was changed. Example: %s add /free\\s+money/", capitalise(pe.Error()), p)
	}
	if err != nil {
		return bot.Userf("%s. Nothing was changed.", capitalise(err.Error()))
	}
	entries, already := newBlockEntries(r.blocks, entries)
	if len(entries) == 0 {
		return req.Reply(ctx, "Already on the blocklist: "+strings.Join(already, ", ")+".")
	}
	if len(r.blocks)+len(entries) > maxBlockEntries {
		return bot.Userf("The blocklist can hold %d entries and has %d. Remove some first with %s remove.", maxBlockEntries, len(r.blocks), p)
	}
	added, err := m.st.addBlocks(ctx, req.Chat.ID, entries, m.clock.Now())
	if err != nil {
		return err
	}
	m.forget(req.Chat.ID)
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.String()
	}
	if added == 0 {
		return req.Reply(ctx, "Already on the blocklist: "+strings.Join(names, ", ")+".")
	}
	if err := m.adminAudit(ctx, req, "block.add", nil, strings.Join(names, ", ")); err != nil {
		return err
	}
	reply := "Added to the blocklist: " + strings.Join(names, ", ") + "."
	if len(already) > 0 {
		reply += " Already on it: " + strings.Join(already, ", ") + "."
	}
	return req.Reply(ctx, reply)
}

// blocklistText is !block list: the entries, numbered for !block remove.
func blocklistText(r *groupRules, p string) string {
	if len(r.blocks) == 0 {
		return fmt.Sprintf("The blocklist is empty. Add words with %s add WORD.", p)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Blocklist (on a match I %s):", actionPhrase(r.cfg.BlockAction))
	for i, e := range r.blocks {
		fmt.Fprintf(&b, "\n%d. %s", i+1, e.String())
		if e.IsRegex && validateBlockRegex(e.Pattern) != nil {
			// Added before such patterns were refused; compileBlocklist skips it.
			fmt.Fprintf(&b, " (not checked: it would catch ordinary messages — %s remove %d)", p, i+1)
		}
	}
	return b.String()
}

// newBlockEntries drops entries already on the list, comparing words the
// way they match (any case, accents ignored), and names the dropped ones.
func newBlockEntries(existing, entries []blockEntry) (fresh []blockEntry, already []string) {
	key := func(e blockEntry) string {
		if e.IsRegex {
			return "/" + e.Pattern
		}
		return strings.Join(strings.Fields(fold(e.Pattern)), " ")
	}
	seen := map[string]bool{}
	for _, e := range existing {
		seen[key(e)] = true
	}
	for _, e := range entries {
		if seen[key(e)] {
			already = append(already, e.String())
			continue
		}
		seen[key(e)] = true
		fresh = append(fresh, e)
	}
	return fresh, already
}

// findBlock finds an entry by its number in !block list or by its text.
func findBlock(entries []blockEntry, arg string) (blockEntry, bool) {
	if n, err := strconv.Atoi(arg); err == nil {
		if n >= 1 && n <= len(entries) {
			return entries[n-1], true
		}
		return blockEntry{}, false
	}
	for _, e := range entries {
		if e.IsRegex && "/"+e.Pattern+"/" == arg {
			return e, true
		}
		if !e.IsRegex && fold(strings.Join(strings.Fields(arg), " ")) == fold(e.Pattern) {
			return e, true
		}
	}
	return blockEntry{}, false
}

// setAction handles "!block action …", "!links action …", "!antiflood action …".
func (m *Feature) setAction(ctx context.Context, req *bot.Request, arg, rule string, set func(*groupConfig, string)) error {
	a, ok := parseAction(arg)
	if !ok {
		return bot.Userf("Usage: %s action warn, delete or remove.", req.Cmd(req.Command))
	}
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	g := r.cfg
	set(&g, a)
	if err := m.saveGroup(ctx, g); err != nil {
		return err
	}
	if err := m.adminAudit(ctx, req, rule+".action", nil, a); err != nil {
		return err
	}
	note, err := m.needsAdminNote(ctx, req.Chat.ID, a)
	if err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Done: for %s I'll %s.%s", ruleLabel(rule), actionPhrase(a), note))
}

func ruleLabel(rule string) string {
	switch rule {
	case "block":
		return "blocked words"
	case "links":
		return "links"
	}
	return "flooding"
}

func (m *Feature) handleLinks(ctx context.Context, req *bot.Request) error {
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	g := r.cfg
	sub, rest := splitSub(req.Args)
	p := req.Cmd("links")
	usage := bot.Userf("Usage: %s on (links not allowed) or off, %s allow example.gov.uk, %s disallow example.gov.uk, %s action warn|delete|remove.", p, p, p, p)
	if on, ok := bot.ParseOnOff(sub); ok && rest == "" {
		g.LinksLocked = on
		if err := m.saveGroup(ctx, g); err != nil {
			return err
		}
		if err := m.adminAudit(ctx, req, "links."+onOff(on), nil, ""); err != nil {
			return err
		}
		if on {
			return req.Reply(ctx, fmt.Sprintf("Links are now locked: links to sites not on the allowed list get a %s.%s", actionNoun(g.LinksAction), m.allowedPhrase(r)))
		}
		return req.Reply(ctx, "Links are allowed again.")
	}
	switch sub {
	case "":
		return req.Reply(ctx, m.linksSummary(r)+".")
	case "allow", "disallow", "unallow":
		d, ok := normaliseDomain(rest)
		if !ok {
			return bot.Userf("%q isn't a web address I can allow. Try %s %s example.gov.uk.", truncate(rest, 40), p, sub)
		}
		if sub == "allow" {
			if len(r.allowed) >= maxAllowed {
				return bot.Userf("This group already allows %d sites, the most I keep. Remove one with %s disallow.", maxAllowed, p)
			}
			added, err := m.st.allowDomain(ctx, req.Chat.ID, d, m.clock.Now())
			if err != nil {
				return err
			}
			if !added {
				return req.Reply(ctx, d+" is already allowed.")
			}
			m.forget(req.Chat.ID)
			if err := m.adminAudit(ctx, req, "links.allow", nil, d); err != nil {
				return err
			}
			return req.Reply(ctx, fmt.Sprintf("Links to %s (and its subdomains) are allowed.", d))
		}
		removed, err := m.st.disallowDomain(ctx, req.Chat.ID, d)
		if err != nil {
			return err
		}
		if !removed {
			return bot.Userf("%s isn't on this group's allowed list.", d)
		}
		m.forget(req.Chat.ID)
		if err := m.adminAudit(ctx, req, "links.disallow", nil, d); err != nil {
			return err
		}
		return req.Reply(ctx, d+" is no longer on the allowed list.")
	case "action":
		return m.setAction(ctx, req, rest, "links", func(g *groupConfig, a string) { g.LinksAction = a })
	}
	return usage
}

func actionNoun(a string) string {
	switch a {
	case ActionDelete:
		return "deleted message"
	case ActionRemove:
		return "removal from the group"
	}
	return "warning"
}

func (m *Feature) allowedPhrase(r *groupRules) string {
	all := append(append([]string(nil), m.council...), r.allowed...)
	if len(all) == 0 {
		return ""
	}
	return " Allowed: " + strings.Join(all, ", ") + "."
}

func (m *Feature) linksSummary(r *groupRules) string {
	if !r.cfg.LinksLocked {
		return "Links are allowed in this group"
	}
	s := fmt.Sprintf("Links are locked: I %s on a link to a site not allowed", actionPhrase(r.cfg.LinksAction))
	all := append(append([]string(nil), m.council...), r.allowed...)
	if len(all) > 0 {
		s += " (allowed: " + strings.Join(all, ", ") + ")"
	}
	return s
}

func (m *Feature) handleAntiflood(ctx context.Context, req *bot.Request) error {
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	g := r.cfg
	sub, rest := splitSub(req.Args)
	p := req.Cmd("antiflood")
	usage := bot.Userf("Usage: %s on, %s off, %s 6 10s (more than 6 messages in 10 seconds), %s action warn|delete|remove.", p, p, p, p)
	if sub == "action" {
		return m.setAction(ctx, req, rest, "antiflood", func(g *groupConfig, a string) { g.FloodAction = a })
	}
	switch on, isSwitch := bot.ParseOnOff(sub); {
	case sub == "":
		return req.Reply(ctx, m.floodSummary(g)+".")
	case isSwitch && rest == "":
		g.FloodOn = on
	default:
		fields := floodFields(req.Args)
		if len(fields) != 2 {
			return usage
		}
		n, err := strconv.Atoi(fields[0])
		if err != nil {
			return usage
		}
		if n < minFloodMessages || n > maxFloodMessages {
			return bot.Userf("The message count must be between %d and %d.", minFloodMessages, maxFloodMessages)
		}
		w, err := bot.ParseDuration(fields[1])
		if err != nil || w < 0 {
			return bot.Userf("%q isn't a time I understand; try 10s or 1m.", truncate(fields[1], 20))
		}
		if w < 1e9 || w > maxFloodWindow {
			return bot.Userf("The time must be between 1s and %s.", bot.FormatDuration(maxFloodWindow))
		}
		g.FloodOn, g.FloodMessages, g.FloodWindow = true, n, w
	}
	if err := m.saveGroup(ctx, g); err != nil {
		return err
	}
	m.flood.resetGroup(req.Chat.ID)
	n, w := m.floodLimits(g)
	if err := m.adminAudit(ctx, req, "antiflood."+onOff(g.FloodOn), nil, fmt.Sprintf("%d in %s", n, floodWindowText(w))); err != nil {
		return err
	}
	return req.Reply(ctx, "Done. "+m.floodSummary(g)+".")
}

// floodFields splits "!antiflood" arguments into the count and the window
// as people type them: "6 10s", "6 in 10s", "6 per 10 seconds", and "6 10",
// a bare number being seconds as the help says (N SECONDS).
func floodFields(args string) []string {
	fields := strings.Fields(args)
	if len(fields) >= 3 && (strings.EqualFold(fields[1], "in") || strings.EqualFold(fields[1], "per")) {
		fields = append(fields[:1], fields[2:]...)
	}
	if len(fields) == 3 {
		fields = []string{fields[0], fields[1] + fields[2]}
	}
	if len(fields) == 2 && strings.Trim(fields[1], "0123456789") == "" {
		fields[1] += "s"
	}
	return fields
}

func (m *Feature) floodSummary(g groupConfig) string {
	n, w := m.floodLimits(g)
	if !g.FloodOn {
		return "Antiflood is off"
	}
	return fmt.Sprintf("Antiflood is on: more than %d messages from one member within %s and I %s", n, floodWindowText(w), actionPhrase(g.FloodAction))
}

// floodWindowText writes an antiflood window: "10 seconds", "2 minutes".
func floodWindowText(w time.Duration) string {
	s := w.Seconds()
	if s < 60 || s != float64(int(s/60))*60 {
		return strconv.FormatFloat(s, 'f', -1, 64) + " seconds"
	}
	if s == 60 {
		return "1 minute"
	}
	return strconv.Itoa(int(s/60)) + " minutes"
}

func (m *Feature) handleSettings(ctx context.Context, req *bot.Request) error {
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	g := r.cfg
	gs := req.Group
	var b strings.Builder
	name := req.Chat.Name
	if name == "" {
		name = "this group"
	}
	fmt.Fprintf(&b, "Settings for %s:", name)
	b.WriteString("\nBot: " + onOff(gs.Enabled))
	if feats := m.reg.Features(); len(feats) > 0 {
		names := make([]string, 0, len(feats))
		for _, f := range feats {
			names = append(names, f.Name)
		}
		sort.Strings(names)
		parts := make([]string, 0, len(names))
		for _, n := range names {
			parts = append(parts, n+" "+onOff(gs.FeatureOn(n)))
		}
		b.WriteString("\nFeatures: " + strings.Join(parts, ", "))
	}
	if len(gs.Areas) > 0 {
		b.WriteString("\nArea: " + strings.Join(gs.Areas, ", "))
	} else {
		b.WriteString("\nArea: not set")
	}
	if g.Rules == "" {
		b.WriteString("\nRules: not set")
	} else {
		fmt.Fprintf(&b, "\nRules: set (%d characters)", bot.RuneLen(g.Rules))
	}
	if g.Welcome == "" {
		b.WriteString("\nWelcome: off")
	} else {
		with := ""
		if g.WelcomeRules {
			with = " (with the rules)"
		}
		fmt.Fprintf(&b, "\nWelcome: “%s”%s", bot.Truncate(strings.Join(strings.Fields(g.Welcome), " "), 80), with)
	}
	b.WriteString("\nReports: " + reportModePhrase(m.reportDelivery(g)))
	b.WriteString("\nWarnings: " + m.warnSummary(g))
	fmt.Fprintf(&b, "\nBlocklist: %s; on a match I %s", bot.Plural(int64(len(r.blocks)), "entry", "entries"), actionPhrase(g.BlockAction))
	_, quiet := m.groups.QuietHours(gs)
	b.WriteString("\nQuiet hours: " + quiet)
	b.WriteString("\n" + m.linksSummary(r))
	b.WriteString("\n" + m.floodSummary(g))
	admin, err := m.botIsAdmin(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	if admin {
		b.WriteString("\nI am a group admin here, so I can delete messages and remove members.")
	} else {
		b.WriteString("\nI am not a group admin here: delete and remove fall back to warnings.")
	}
	if m.cfg.LogChat != "" {
		b.WriteString("\nAudit: admin actions also go live to the log group")
	}
	fmt.Fprintf(&b, "\nAudit entries and closed records are kept %d days.", m.cfg.RetentionDays)
	return req.Reply(ctx, b.String())
}

func (m *Feature) handleAudit(ctx context.Context, req *bot.Request) error {
	n := 10
	if arg := strings.TrimSpace(req.Args); arg != "" {
		v, err := strconv.Atoi(arg)
		if err != nil || v < 1 || v > 50 {
			return bot.Userf("Usage: %s [N] — N between 1 and 50 (default 10).", req.Cmd("audit"))
		}
		n = v
	}
	entries, err := m.core.AuditLog(ctx, req.Chat.ID, n)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	if err := m.adminAudit(ctx, req, "audit.view", nil, strconv.Itoa(n)); err != nil {
		return err
	}
	if len(entries) == 0 {
		return req.Reply(ctx, "Nothing in the audit log for this group yet.")
	}
	write := func(title string, list []bot.AuditEntry) string {
		var b strings.Builder
		fmt.Fprintf(&b, title, len(list))
		for _, en := range list {
			b.WriteString("\n" + m.formatAudit(en))
		}
		return b.String()
	}
	if len(entries) <= groupListEntries {
		return req.Reply(ctx, write("Latest %d audit entries, newest first:", entries))
	}
	// A group post stays short: the latest entries here, all of them to
	// the admin who asked, privately (they just addressed the bot).
	more := len(entries) - groupListEntries
	text := write("Latest %d audit entries, newest first:", entries[:groupListEntries])
	err = m.out.DM(ctx, req.Sender, write("Audit log of "+strings.ReplaceAll(groupLabel(req.Chat.Name), "%", "%%")+" — the latest %d entries, newest first:", entries))
	switch {
	case errors.Is(err, bot.ErrNoContact):
		text += fmt.Sprintf("\n…and %d more — message me once, then ask again, and I'll send you all %d privately.", more, len(entries))
	case err != nil:
		return err
	default:
		text += fmt.Sprintf("\n…and %d more — I've sent you all %d privately.", more, len(entries))
	}
	return req.Reply(ctx, text)
}

// groupListEntries bounds the entries of a list posted in a group (about
// 12 lines with its title and closing line).
const groupListEntries = 10

func capitalise(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}
