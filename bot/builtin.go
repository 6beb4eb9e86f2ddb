package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

func (e *Engine) registerBuiltins() {
	e.jobs.HandleJob(jobQuestion, expireQuestion)
	HandleJobOf(e.jobs, jobMedia, e.finishMediaMessage)
	e.reg.Handle(Route{Name: "help", Aliases: []string{"commands", "menu", "h"}, Usage: "[HEADING or COMMAND]", Lists: true,
		Help: "list commands, or explain one", Handler: e.helpHandler})
	e.reg.Handle(Route{Name: "bot", Usage: "[on|off|features LIST]",
		Help: "show or switch the bot in this group (admins switch)", Scope: GroupOnly, Handler: e.botHandler})
	e.reg.Handle(Route{Name: "area", Aliases: []string{"postcode"}, Usage: "[POSTCODE AREA …|clear]",
		Help: "show or set this group's postcode districts/sectors, e.g. SY3 7", Scope: GroupOnly, Handler: e.areaHandler})
	e.reg.Handle(Route{Name: "quiet", Usage: "[22:00-07:00|off|default]",
		Help: "show or set this group's quiet hours, when reminders and other posts wait (admins set)", Scope: GroupOnly, Handler: e.quietHandler})
}

func (e *Engine) helpHandler(ctx context.Context, req *Request) error {
	p := e.prefix()
	sections := e.helpSections(ctx, req)
	arg := helpArg(req.Args, p)
	// A heading as written wins over a command of the same name ("!help
	// power" is the family); then a command; then any word of a heading.
	if reply, ok := e.helpHeading(req, sections, arg, true); ok {
		return req.Reply(ctx, reply)
	}
	if arg != "" && !strings.Contains(arg, " ") && len(e.reg.router.Named(arg)) > 0 {
		return e.explainCommand(ctx, req, arg)
	}
	if reply, ok := e.helpHeading(req, sections, arg, false); ok {
		return req.Reply(ctx, reply)
	}
	words := helpWords(arg)
	if len(words) == 0 {
		// A short overview: a full list of every command's usage would be a
		// wall of text in a group chat.
		var b strings.Builder
		fmt.Fprintf(&b, "Commands — type %shelp lending (or another heading) for details, or %shelp COMMAND:", p, p)
		for _, s := range sections {
			fmt.Fprintf(&b, "\n%s: %s", s.title, strings.Join(s.names, " "))
		}
		if private := e.directOnlyNames(); req.Chat.IsGroup && len(private) > 0 {
			fmt.Fprintf(&b, "\nIn a direct message to me: %s", strings.Join(private, " "))
		}
		return req.Reply(ctx, b.String())
	}
	for _, w := range words {
		if len(e.reg.router.Named(w)) > 0 {
			return e.explainCommand(ctx, req, w)
		}
	}
	shown := strings.Join(words, " ")
	if s := e.reg.router.Suggest(words[0]); s != "" {
		return Userf("I don't know %s%s — did you mean %s%s? Type %shelp for the list.", p, Truncate(shown, 40), p, s, p)
	}
	return Userf("I don't know %s%s. Type %shelp for the list, or %shelp lending (or another heading).", p, Truncate(shown, 40), p, p)
}

// helpArg is what follows !help, lower-cased, without the prefix or the
// punctuation people add ("!help !lend", "!help lending?").
func helpArg(args, prefix string) string {
	var words []string
	for _, w := range strings.Fields(strings.ToLower(args)) {
		w = strings.TrimPrefix(w, prefix)
		w = strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if w != "" {
			words = append(words, w)
		}
	}
	return strings.Join(words, " ")
}

// helpFiller are words around what someone wants help with: "!help me",
// "!help with lending please".
var helpFiller = map[string]bool{
	"me": true, "please": true, "pls": true, "plz": true, "with": true, "about": true, "for": true, "the": true,
	"a": true, "an": true, "all": true, "commands": true, "command": true, "list": true, "menu": true, "help": true,
	"i": true, "need": true, "what": true, "can": true, "you": true, "do": true, "how": true, "to": true, "use": true,
	"is": true, "are": true, "there": true, "any": true, "of": true, "us": true, "again": true, "thanks": true, "hi": true, "hello": true,
}

func helpWords(arg string) []string {
	var out []string
	for _, w := range strings.Fields(arg) {
		if !helpFiller[w] {
			out = append(out, w)
		}
	}
	return out
}

// helpHeadings maps the headings under "Commands" in docs/residents.md
// and docs/admins.md, and the words
// people use for them, to a help section: a feature's name, "" for the
// core's commands, or "data" for the personal-data commands.
var helpHeadings = map[string]string{
	"general":                       "",
	"power cuts":                    "power",
	"power cut":                     "power",
	"potholes and street faults":    "potholes",
	"street faults":                 "potholes",
	"faults":                        "potholes",
	"council notices":               "notices",
	"moderation and group settings": "moderation",
	"group settings":                "moderation",
	"your data":                     "data",
	"my data":                       "data",
	"personal data":                 "data",
	"data":                          "data",
	"privacy":                       "data",
}

// helpHeading answers "!help lending", "!help power cuts", "!help your
// data": a heading as written in docs/residents.md, a feature's name, or any word of
// a heading that is not a command itself.
func (e *Engine) helpHeading(req *Request, sections []helpSection, arg string, exact bool) (string, bool) {
	p := e.prefix()
	if arg == "" {
		return "", false
	}
	key, found := "", false
	if s, ok := roleSection(sections, arg); ok {
		return s.title + ":\n" + strings.Join(s.lines, "\n"), true
	}
	if k, ok := helpHeadings[strings.ReplaceAll(arg, "&", "and")]; ok {
		key, found = k, true
	} else if contains(e.reg.featureNames(), arg) || arg == "moderation" || arg == "lending" {
		key, found = arg, true
	}
	if !found && !exact {
		for _, word := range strings.Fields(arg) {
			if contains(e.reg.featureNames(), word) || word == "moderation" || word == "lending" {
				key, found = word, true
				break
			}
			if k, ok := helpHeadings[word]; ok && len(e.reg.router.Named(word)) == 0 {
				key, found = k, true
				break
			}
		}
	}
	if !found {
		return "", false
	}
	if key == "data" {
		return e.dataHelp(req), true
	}
	if req.Chat.IsGroup && contains(e.reg.featureNames(), key) && !req.Group.FeatureOn(key) {
		return featureOffReply(key, p), true
	}
	title := "General"
	if key != "" {
		title = capitalise(key)
	}
	for _, s := range sections {
		if s.title == title {
			return s.title + ":\n" + strings.Join(s.lines, "\n"), true
		}
	}
	where := "in a direct message"
	if !req.Chat.IsGroup {
		where = "in a group"
	}
	return fmt.Sprintf("The %s commands work %s: type %shelp %s there.", key, where, p, key), true
}

// dataHelp lists the personal-data commands, wherever it is asked.
func (e *Engine) dataHelp(req *Request) string {
	p := e.prefix()
	var lines []string
	for _, name := range []string{"mydata", "forgetme"} {
		if rt, ok := e.reg.router.Lookup(name); ok {
			line := p + rt.Name
			if rt.Usage != "" {
				line += " " + rt.Usage
			}
			lines = append(lines, line+" — "+rt.Help)
		}
	}
	if len(lines) == 0 {
		return "I keep only what the commands you use need. Nothing to see or delete here."
	}
	out := "Your data:\n" + strings.Join(lines, "\n")
	if req.Chat.IsGroup {
		out += "\nSend these to me in a direct message."
	}
	return out
}

// explainCommand answers "!help lent": usage, help, aliases and where it
// works, for every route under the name.
func (e *Engine) explainCommand(ctx context.Context, req *Request, name string) error {
	p := e.prefix()
	rts := e.reg.router.Named(name)
	var b strings.Builder
	for i, rt := range rts {
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "%s%s %s\n%s", p, rt.Name, rt.Usage, capitalise(rt.Help))
		var also []string
		for _, a := range rt.Aliases {
			if utf8.RuneCountInString(a) >= 3 {
				also = append(also, a)
			}
		}
		if len(also) > 0 {
			fmt.Fprintf(&b, "\nAlso: %s%s", p, strings.Join(also, ", "+p))
		}
		switch {
		case rt.AdminOnly:
			b.WriteString("\nGroup admins only.")
		case rt.Scope == DirectOnly:
			b.WriteString("\nIn a direct message to me.")
		case rt.Scope == GroupOnly:
			b.WriteString("\nIn a group.")
		}
		if req.Chat.IsGroup && rt.Feature != "" && !req.Group.FeatureOn(rt.Feature) {
			fmt.Fprintf(&b, "\nThe %s commands are switched off in this group.", rt.Feature)
		}
	}
	return req.Reply(ctx, strings.TrimSpace(strings.ReplaceAll(b.String(), " \n", "\n")))
}

// directOnlyNames lists the commands that work only in a direct message,
// so group help can point to them (personal data, subscriptions).
func (e *Engine) directOnlyNames() []string {
	var out []string
	for _, rt := range e.reg.router.Routes() {
		if rt.Scope == DirectOnly && !rt.Hidden && !contains(out, e.prefix()+rt.Name) {
			out = append(out, e.prefix()+rt.Name)
		}
	}
	return out
}

// helpSection is one heading of !help: a feature family's commands.
type helpSection struct {
	title string
	role  bool     // the commands of a role the asker holds
	names []string // "!lend", once each
	lines []string // "!lend ITEM — list something…"
}

// helpSections lists the commands usable where the request was made
// (group or direct chat, features switched on), grouped by feature, then
// the commands of each role the asker holds, under the role's heading.
func (e *Engine) helpSections(ctx context.Context, req *Request) []helpSection {
	byFeature := map[string]*helpSection{}
	var roles []*helpSection
	for _, rt := range e.reg.router.Routes() {
		if !e.helpLists(ctx, req, rt) {
			continue
		}
		var s *helpSection
		if rt.For != nil {
			s = roleOf(&roles, rt.Role)
		} else if s = byFeature[rt.Feature]; s == nil {
			title := "General"
			if rt.Feature != "" {
				title = capitalise(rt.Feature)
			}
			s = &helpSection{title: title}
			byFeature[rt.Feature] = s
		}
		e.addHelpLine(s, rt)
	}
	keys := make([]string, 0, len(byFeature))
	for k := range byFeature {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]helpSection, 0, len(keys)+len(roles))
	for _, k := range keys {
		out = append(out, *byFeature[k])
	}
	for _, s := range roles {
		out = append(out, *s)
	}
	return out
}

// helpLists reports whether !help shows rt to the asker here: a role's
// command only to those who hold the role, others unless hidden; each
// only where it works and with its feature on.
func (e *Engine) helpLists(ctx context.Context, req *Request, rt *Route) bool {
	if (rt.Scope == DirectOnly && req.Chat.IsGroup) || (rt.Scope == GroupOnly && !req.Chat.IsGroup) {
		return false
	}
	if req.Chat.IsGroup && rt.Feature != "" && !req.Group.FeatureOn(rt.Feature) {
		return false
	}
	if rt.For != nil {
		return rt.For(ctx, req)
	}
	return !rt.Hidden
}

// roleOf returns the section of the role titled title, adding it in the
// order roles are first met.
func roleOf(roles *[]*helpSection, title string) *helpSection {
	for _, s := range *roles {
		if s.title == title {
			return s
		}
	}
	s := &helpSection{title: title, role: true}
	*roles = append(*roles, s)
	return s
}

// addHelpLine lists rt in s: its name once, and its usage line.
func (e *Engine) addHelpLine(s *helpSection, rt *Route) {
	p := e.prefix()
	if !contains(s.names, p+rt.Name) {
		s.names = append(s.names, p+rt.Name)
	}
	line := p + rt.Name
	if rt.Usage != "" {
		line += " " + rt.Usage
	}
	line += " — " + rt.Help
	if rt.AdminOnly {
		line += " (admins)"
	}
	s.lines = append(s.lines, line)
}

// roleSection finds the role section "!help approvers" or "!help for
// notice approvers" asks for: its heading, or the heading's last word.
func roleSection(sections []helpSection, arg string) (helpSection, bool) {
	for _, s := range sections {
		title := strings.ToLower(s.title)
		words := strings.Fields(title)
		if s.role && len(words) > 0 && (arg == title || arg == strings.TrimPrefix(title, "for ") || arg == words[len(words)-1]) {
			return s, true
		}
	}
	return helpSection{}, false
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (e *Engine) botHandler(ctx context.Context, req *Request) error {
	p := e.prefix()
	fields := req.Fields()
	if len(fields) == 0 {
		if !req.Group.Enabled {
			return req.Reply(ctx, fmt.Sprintf("neighbourbot is off in this group. A group admin can switch it on with %sbot on.", p))
		}
		return req.Reply(ctx, e.botStatus(req.Group))
	}
	admin, err := req.IsAdmin(ctx)
	if err != nil {
		return fmt.Errorf("admin check: %w", err)
	}
	sub := strings.ToLower(fields[0])
	if !admin {
		if sub == "features" {
			return Userf("Sorry, only group admins can choose the bot's features.")
		}
		return Userf("Sorry, only group admins can switch the bot on or off.")
	}
	g := req.Group
	g.Chat, g.Name = req.Chat.ID, req.Chat.Name
	if on, ok := ParseOnOff(sub); ok {
		if g.Enabled == on {
			return req.Reply(ctx, fmt.Sprintf("neighbourbot is already %s here.", onOff(on)))
		}
		g.Enabled = on
		g.UpdatedAt = e.now()
		if err := e.store.SaveGroupSettings(ctx, g); err != nil {
			return fmt.Errorf("save group: %w", err)
		}
		if err := e.audit.Record(ctx, AuditEntry{Chat: req.Chat.ID, ActorID: req.Sender.ID, ActorName: req.Sender.DisplayName(), Action: "bot." + onOff(on)}); err != nil {
			return err
		}
		if on {
			return req.Reply(ctx, fmt.Sprintf("neighbourbot is on in this group. Type %shelp to see what I can do. Admins can switch me off again with %sbot off.", p, p))
		}
		return req.Reply(ctx, fmt.Sprintf("neighbourbot is off in this group. I'll stay quiet until an admin types %sbot on.", p))
	}
	if sub != "features" {
		return Userf("Usage: %sbot on, %sbot off, or %sbot features lending,power,… (or all)", p, p, p)
	}
	if !g.Enabled {
		return Userf("Switch the bot on first with %sbot on.", p)
	}
	known := e.reg.featureNames()
	if len(fields) == 1 {
		return req.Reply(ctx, e.botStatus(g))
	}
	list := strings.ToLower(strings.Join(fields[1:], ","))
	var on []string
	if list == "all" {
		on = known
	} else {
		for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
			if !contains(known, f) {
				return Userf("I don't know the feature %q. Features: %s.", f, strings.Join(known, ", "))
			}
			on = append(on, f)
		}
	}
	g.FeaturesOff = nil
	for _, f := range known {
		if !contains(on, f) {
			g.FeaturesOff = append(g.FeaturesOff, f)
		}
	}
	g.UpdatedAt = e.now()
	if err := e.store.SaveGroupSettings(ctx, g); err != nil {
		return fmt.Errorf("save group: %w", err)
	}
	if err := e.audit.Record(ctx, AuditEntry{Chat: req.Chat.ID, ActorID: req.Sender.ID, ActorName: req.Sender.DisplayName(), Action: "bot.features", Detail: strings.Join(on, ", ")}); err != nil {
		return err
	}
	return req.Reply(ctx, e.botStatus(g))
}

func (e *Engine) botStatus(g GroupSettings) string {
	var b strings.Builder
	b.WriteString("neighbourbot is on in this group.")
	if names := e.reg.featureNames(); len(names) > 0 {
		// "Commands", not "features on": notices, say, also need their own
		// !notices on, and "notices on" here would read as if they were.
		var on, off []string
		for _, n := range names {
			if g.FeatureOn(n) {
				on = append(on, n)
			} else {
				off = append(off, n)
			}
		}
		if len(on) > 0 {
			b.WriteString("\nCommands available: " + strings.Join(on, ", ") + ".")
		}
		if len(off) > 0 {
			b.WriteString("\nSwitched off: " + strings.Join(off, ", ") + ".")
		}
	}
	if len(g.Areas) > 0 {
		b.WriteString("\nArea: " + strings.Join(g.Areas, ", ") + ".")
	}
	fmt.Fprintf(&b, "\nType %shelp for commands.", e.prefix())
	return b.String()
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (e *Engine) areaHandler(ctx context.Context, req *Request) error {
	p := e.prefix()
	if strings.TrimSpace(req.Args) == "" {
		if len(req.Group.Areas) == 0 {
			return req.Reply(ctx, fmt.Sprintf("No area set for this group. An admin can set one with %sarea SY3 7 (postcode district or sector; several allowed, separated by commas).", p))
		}
		return req.Reply(ctx, "This group's area: "+strings.Join(req.Group.Areas, ", ")+".")
	}
	admin, err := req.IsAdmin(ctx)
	if err != nil {
		return fmt.Errorf("admin check: %w", err)
	}
	if !admin {
		return Userf("Sorry, only group admins can set the group's area.")
	}
	g := req.Group
	g.Chat = req.Chat.ID
	note := ""
	if strings.EqualFold(strings.TrimSpace(req.Args), "clear") || strings.EqualFold(strings.TrimSpace(req.Args), "none") {
		g.Areas = nil
	} else {
		areas, n, err := ParseAreaList(req.Args, p+"area")
		if err != nil {
			return err
		}
		if len(areas) > 20 {
			return Userf("That's a lot of areas — at most 20 per group, please.")
		}
		note = n
		g.Areas = areas
	}
	g.UpdatedAt = e.now()
	if err := e.store.SaveGroupSettings(ctx, g); err != nil {
		return fmt.Errorf("save group: %w", err)
	}
	if err := e.audit.Record(ctx, AuditEntry{Chat: req.Chat.ID, ActorID: req.Sender.ID, ActorName: req.Sender.DisplayName(), Action: "area.set", Detail: strings.Join(g.Areas, ", ")}); err != nil {
		return err
	}
	if len(g.Areas) == 0 {
		return req.Reply(ctx, "Area cleared for this group.")
	}
	return req.Reply(ctx, strings.TrimSpace("This group's area is now "+strings.Join(g.Areas, ", ")+". "+note))
}

// coreData is the personal-data provider for what the core itself holds.
type coreData struct{ e *Engine }

func (c coreData) DataName() string { return "Profile" }

func (c coreData) DescribePerson(ctx context.Context, person int64) ([]string, error) {
	p, err := c.e.store.PersonByID(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("load person: %w", err)
	}
	addrs, err := c.e.store.PersonAddrs(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("load addresses: %w", err)
	}
	groups, err := c.e.store.MemberGroups(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("load groups: %w", err)
	}
	lines := []string{fmt.Sprintf("Name: %s", p.Name)}
	for _, a := range addrs {
		lines = append(lines, "WhatsApp address: "+string(a))
	}
	lines = append(lines, fmt.Sprintf("Groups where I've seen you: %d", len(groups)))
	return lines, nil
}

func (c coreData) ForgetPerson(ctx context.Context, person int64) (string, error) {
	if err := c.e.out.forgetQueued(ctx, person); err != nil {
		return "", err
	}
	n, err := c.e.store.AnonymiseAudit(ctx, person)
	if err != nil {
		return "", fmt.Errorf("anonymise audit: %w", err)
	}
	if err := c.e.store.ForgetPerson(ctx, person); err != nil {
		return "", fmt.Errorf("forget person: %w", err)
	}
	switch n {
	case 0:
		return "your name and WhatsApp addresses removed", nil
	case 1:
		return "your name and WhatsApp addresses removed; 1 audit entry anonymised", nil
	}
	return fmt.Sprintf("your name and WhatsApp addresses removed; %d audit entries anonymised", n), nil
}

// featureOffReply answers a command whose feature family the group switched
// off, saying how to switch it back on.
func featureOffReply(feature, prefix string) string {
	return fmt.Sprintf("The %s commands are switched off in this group. A group admin can switch everything back on with %sbot features all (%sbot features shows what is on).", feature, prefix, prefix)
}
