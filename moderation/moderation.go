// Package moderation owns group moderation and per-group configuration by
// chat command: rules, welcome messages, reports to admins, warnings with a
// limit, a blocklist, link locks with allowlists, antiflood, the !settings
// screen and the !audit view with its live log group. It also owns the
// personal-data commands (!mydata, !forgetme) that gather every feature's
// bot.DataProvider, and the nightly retention job that purges old audit
// entries, closed moderation records and, through bot.RecordPurger, every
// other feature's closed records.
//
// Automatic checks run as an engine inspector on every message in enabled
// groups. The common case — a member chatting — is answered from memory:
// each group's settings and compiled blocklist are cached and antiflood
// counts are kept in memory, so a plain message costs no database query.
// Admins are exempt; whether the sender is one is only asked when a message
// breaks a rule. In a bot command the command word is never checked, only
// what follows it (and !report not at all); commands still count towards
// antiflood.
package moderation

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"neighbourbot/bot"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migrations is the moderation schema.
func Migrations() bot.Migrations {
	return bot.MigrationsIn("moderation", migrationFS)
}

// Actions on a rule breach, from gentlest to firmest.
const (
	ActionWarn   = "warn"   // give a warning (counts towards the limit)
	ActionDelete = "delete" // delete the message for everyone (bot must be admin)
	ActionRemove = "remove" // remove the member (bot must be admin)
)

// Rules a message can break, as recorded on warnings and in the audit log.
const (
	ruleManual    = "manual"
	ruleBlocklist = "blocklist"
	ruleLinks     = "links"
	ruleAntiflood = "antiflood"
)

const (
	maxWarnLimit    = 20
	maxRulesRunes   = 2000
	maxWelcomeRunes = 1000
	maxReasonRunes  = 300
	maxAllowed      = 50
	forgetTimeout   = 10 * time.Minute
	botName         = "neighbourbot"

	jobRetention = "moderation.retention"
	jobLiveLog   = "moderation.livelog"
	liveLogEvery = time.Minute
	// The live log sends at most liveLogChunk entries to a message and
	// liveLogMaxChunks messages to a run, so catching up after an outage
	// neither builds one huge message nor floods the log group at once.
	liveLogChunk     = 50
	liveLogMaxChunks = 10
	watermarkKey     = "audit_live_watermark"
)

// Deps are what the moderation feature needs from the application.
type Deps struct {
	// Location is the time zone for times shown to people and for the
	// nightly retention run (default UTC).
	Location *time.Location
	// CouncilDomains are allowed under !links on besides council_domains:
	// the wiring passes gov.uk and the configured council's own domains
	// (its notices sources and feeds, its Open311 and email endpoints).
	CouncilDomains []string
}

// Feature is the moderation feature wired into an engine.
type Feature struct {
	clock    bot.Clock
	lg       *slog.Logger
	prefix   string
	core     bot.Core
	jobs     *bot.Jobs
	out      *bot.Outbox
	auditLog *bot.AuditLog
	groups   *bot.Groups
	ask      *bot.Questions
	reg      *bot.Registry
	cfg      Config
	loc      *time.Location
	st       store
	council  []string
	flood    *floodTracker

	mu    sync.Mutex
	cache map[bot.ChatID]*groupRules
}

// log is the bot's logger with lines marked as moderation's.
func (m *Feature) log() *slog.Logger { return m.lg }

// groupRules is a group's settings ready for checking messages.
type groupRules struct {
	cfg     groupConfig
	blocks  []blockEntry
	block   *blockMatcher
	allowed []string
}

// Register wires moderation in through the handles of k, its Kit: its commands, the message
// inspector, the welcome hook, the personal-data provider and its jobs.
func Register(k bot.Kit, cfg Config, deps Deps) error {
	_, err := register(context.Background(), k, cfg, deps)
	return err
}

func register(ctx context.Context, k bot.Kit, cfg Config, deps Deps) (*Feature, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("moderation config: %w", err)
	}
	loc := deps.Location
	if loc == nil {
		loc = time.UTC
	}
	m := &Feature{
		clock: k.Clock, lg: k.Log, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, auditLog: k.Audit, groups: k.Groups, ask: k.Ask, reg: k.Reg,
		cfg: cfg, loc: loc, st: store{db: k.Core.DB(), core: k.Core},
		council: mergeDomains(cfg.councilDomains(), deps.CouncilDomains), flood: newFloodTracker(),
		cache: map[bot.ChatID]*groupRules{},
	}
	m.routes()
	k.Reg.Inspect(m.inspectMessage)
	k.Reg.HandleAnswers(bot.Answers{Kind: questionForget, Answer: m.answerForget, Lapsed: m.forgetStillAnswered})
	k.Reg.OnGroupChange(m.onGroupChange)
	k.Reg.AddDataProvider(dataProvider{m})
	k.Jobs.HandleJob(jobRetention, m.retentionJob)
	k.Jobs.HandleJob(jobLiveLog, m.liveLogJob)
	if err := m.scheduleRetention(ctx, true); err != nil {
		return nil, err
	}
	if cfg.LogChat != "" {
		if err := m.startLiveLog(ctx); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// rules returns a group's cached rules, loading them on first use.
func (m *Feature) rules(ctx context.Context, chat bot.ChatID) (*groupRules, error) {
	m.mu.Lock()
	r, ok := m.cache[chat]
	m.mu.Unlock()
	if ok {
		return r, nil
	}
	g, err := m.st.group(ctx, chat)
	if err != nil {
		return nil, err
	}
	blocks, err := m.st.blocklist(ctx, chat)
	if err != nil {
		return nil, err
	}
	allowed, err := m.st.allowedDomains(ctx, chat)
	if err != nil {
		return nil, err
	}
	r = &groupRules{cfg: g, blocks: blocks, block: compileBlocklist(blocks), allowed: allowed}
	m.mu.Lock()
	m.cache[chat] = r
	m.mu.Unlock()
	return r, nil
}

// forget drops a group's cached rules after a change.
func (m *Feature) forget(chat bot.ChatID) {
	m.mu.Lock()
	delete(m.cache, chat)
	m.mu.Unlock()
}

// saveGroup stores changed settings and refreshes the cache.
func (m *Feature) saveGroup(ctx context.Context, g groupConfig) error {
	if err := m.st.saveGroup(ctx, g, m.clock.Now()); err != nil {
		return err
	}
	m.forget(g.Chat)
	return nil
}

func (m *Feature) warnLimit(g groupConfig) int {
	if g.WarnLimit > 0 {
		return g.WarnLimit
	}
	return m.cfg.WarningLimit
}

func (m *Feature) limitAction(g groupConfig) string {
	if g.LimitAction != "" {
		return g.LimitAction
	}
	return m.cfg.LimitAction
}

func (m *Feature) reportDelivery(g groupConfig) string {
	if g.ReportDelivery != "" {
		return g.ReportDelivery
	}
	return m.cfg.ReportDelivery
}

func (m *Feature) floodLimits(g groupConfig) (int, time.Duration) {
	n, w := g.FloodMessages, g.FloodWindow
	if n <= 0 {
		n = m.cfg.AntifloodMessages
	}
	if w <= 0 {
		w = m.cfg.AntifloodWindow.D()
	}
	return n, w
}

// linkAllowed reports whether a host is allowed in a group: the council's
// domains from config and the group's own allowlist, with subdomains.
func (m *Feature) linkAllowed(r *groupRules, host string) bool {
	return domainAllowed(host, m.council) || domainAllowed(host, r.allowed)
}

// breach is a rule a message broke and what to do about it.
type breach struct {
	rule   string
	action string
	reason string // for the member, the admins and the audit log
}

func actionRank(a string) int {
	switch a {
	case ActionRemove:
		return 2
	case ActionDelete:
		return 1
	}
	return 0
}

// inspectMessage checks a group message against the group's automatic rules.
func (m *Feature) inspectMessage(ctx context.Context, req *bot.Request) (bool, error) {
	if req.Msg == nil || req.Msg.Reaction != nil || !req.Chat.IsGroup {
		return false, nil
	}
	r, err := m.rules(ctx, req.Chat.ID)
	if err != nil {
		return false, err
	}
	b, found := m.check(req, r)
	if !found {
		return false, nil
	}
	admin, err := req.IsAdmin(ctx)
	if err != nil {
		return false, fmt.Errorf("admin check: %w", err)
	}
	if admin {
		return false, nil
	}
	return true, m.enforce(ctx, req, r, b)
}

// check finds the firmest breach in a message; it touches only memory.
func (m *Feature) check(req *bot.Request, r *groupRules) (breach, bool) {
	var found breach
	ok := false
	consider := func(b breach) {
		if !ok || actionRank(b.action) > actionRank(found.action) {
			found, ok = b, true
		}
	}
	g := &r.cfg
	if g.FloodOn {
		n, w := m.floodLimits(*g)
		if m.flood.hit(req.Chat.ID, req.Sender.ID, req.Now(), n, w) {
			consider(breach{rule: ruleAntiflood, action: g.FloodAction,
				reason: fmt.Sprintf("too many messages at once (more than %d in %s)", n, floodWindowText(w))})
		}
	}
	if req.Command == "report" {
		// A report names what it reports ("!report casino spam"): the
		// reporter must not be warned for the words they point at.
		return found, ok
	}
	text := req.Msg.Text
	if req.Command != "" && len(m.reg.Router().Named(req.Command)) > 0 {
		// A bot command: its name is the bot's word, not the member's, so
		// a blocked word that is also a command name ("errand") must not
		// catch "!errand". What they typed after it is checked as usual;
		// an unknown "!casino" is chatter and is checked whole.
		text = req.Args
	}
	if text == "" {
		return found, ok
	}
	if hit := r.block.match(text); hit != "" {
		consider(breach{rule: ruleBlocklist, action: g.BlockAction, reason: "a blocked word or phrase"})
	}
	if g.LinksLocked {
		if _, bad := hasDisallowedLink(text, func(h string) bool { return m.linkAllowed(r, h) }); bad {
			consider(breach{rule: ruleLinks, action: g.LinksAction, reason: "links aren't allowed in this group"})
		}
	}
	return found, ok
}

// enforce carries out a breach's action, falling back to a warning when
// the bot lacks the admin rights the action needs.
func (m *Feature) enforce(ctx context.Context, req *bot.Request, r *groupRules, b breach) error {
	chat := req.Chat.ID
	target := req.Sender
	switch b.action {
	case ActionDelete, ActionRemove:
		// Deleting and removing are queued and go after the message's
		// commit, so whether the bot may do them is decided here, from the
		// group info already cached for the message.
		admin, err := m.botIsAdmin(ctx, chat)
		if err != nil {
			return err
		}
		if !admin {
			verb := "delete messages"
			if b.action == ActionRemove {
				verb = "remove members"
			}
			if err := m.tellNeedAdmin(ctx, r, chat, verb); err != nil {
				return err
			}
			break // warn instead
		}
		// The member goes even if their message cannot be deleted (too
		// old, already gone): the two are separate queued actions.
		if err := m.out.Delete(ctx, req.Msg.Ref()); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if b.action == ActionRemove {
			if err := m.out.RemoveMember(ctx, chat, req.Msg.Sender.Addr); err != nil {
				return fmt.Errorf("remove: %w", err)
			}
		}
		if err := m.clearNeedAdmin(ctx, r); err != nil {
			return err
		}
		if b.action == ActionRemove {
			if err := m.st.closeWarnings(ctx, chat, target.ID, m.clock.Now()); err != nil {
				return err
			}
			if err := m.audit(ctx, chat, bot.Person{}, "auto.remove", &target, b.rule+": "+b.reason); err != nil {
				return err
			}
			_, err := req.Say(ctx, fmt.Sprintf("I removed %s from the group: %s.", target.DisplayName(), b.reason))
			return err
		}
		if err := m.audit(ctx, chat, bot.Person{}, "auto.delete", &target, b.rule+": "+b.reason); err != nil {
			return err
		}
		_, err = req.Say(ctx, fmt.Sprintf("I deleted a message from @%s: %s.", target.DisplayName(), b.reason), bot.MentionOf(target))
		return err
	}
	return m.giveWarning(ctx, req, r, target, req.Msg.Sender.Addr, b.rule, b.reason, bot.Person{})
}

// giveWarning records a warning, tells the member, and applies the limit
// action when they reach it. by is the admin, or the zero Person for the
// bot's own checks.
func (m *Feature) giveWarning(ctx context.Context, req *bot.Request, r *groupRules, target bot.Person, addr bot.Address, rule, reason string, by bot.Person) error {
	now := m.clock.Now()
	chat := req.Chat.ID
	if _, err := m.st.addWarning(ctx, warning{Chat: chat, PersonID: target.ID, Rule: rule, Reason: reason, ByID: by.ID,
		CreatedAt: now, ExpiresAt: now.Add(m.cfg.WarningExpiry.D())}); err != nil {
		return err
	}
	active, err := m.st.activeWarnings(ctx, chat, target.ID, now)
	if err != nil {
		return err
	}
	limit := m.warnLimit(r.cfg)
	// A limit lowered below what someone already had (!warnlimit 2 after
	// their third warning) never shows "warning 3 of 2": the count stops
	// at the limit and this warning applies the limit action.
	count := min(len(active), limit)
	action := "warn"
	if by.ID == 0 {
		action = "warn.auto"
	}
	if err := m.audit(ctx, chat, by, action, &target, fmt.Sprintf("%s (%d of %d)", reason, count, limit)); err != nil {
		return err
	}
	text := fmt.Sprintf("@%s, warning %d of %d: %s.", target.DisplayName(), count, limit, reason)
	if by.ID != 0 {
		text = fmt.Sprintf("@%s has been warned (%d of %d): %s.", target.DisplayName(), count, limit, reason)
	}
	if err := req.Reply(ctx, text, bot.MentionOf(target)); err != nil {
		return err
	}
	if len(active) < limit {
		return nil
	}
	return m.limitReached(ctx, req, r, target, addr, count, limit, reason)
}

// limitReached removes the member or tells the admins, per the group's
// limit action.
func (m *Feature) limitReached(ctx context.Context, req *bot.Request, r *groupRules, target bot.Person, addr bot.Address, count, limit int, reason string) error {
	chat := req.Chat.ID
	cantRemove := false
	if m.limitAction(r.cfg) == LimitRemove {
		admin, err := m.botIsAdmin(ctx, chat)
		if err != nil {
			return err
		}
		if admin {
			err = m.out.RemoveMember(ctx, chat, addr)
		} else {
			err = bot.ErrNotAdmin
		}
		switch {
		case err == nil:
			if err := m.st.closeWarnings(ctx, chat, target.ID, m.clock.Now()); err != nil {
				return err
			}
			if err := m.clearNeedAdmin(ctx, r); err != nil {
				return err
			}
			if err := m.audit(ctx, chat, bot.Person{}, "warn.limit.remove", &target, fmt.Sprintf("%d of %d warnings", count, limit)); err != nil {
				return err
			}
			_, err := req.Say(ctx, fmt.Sprintf("%s reached the warning limit (%d of %d) and has been removed from the group.", bot.AtSentenceStart(target.DisplayName()), count, limit))
			return err
		case errors.Is(err, bot.ErrNotAdmin):
			cantRemove = true
		default:
			return fmt.Errorf("remove member: %w", err)
		}
	}
	who, mentions, err := m.adminMentions(ctx, chat)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s has reached the warning limit (%d of %d). Latest: %s.", who, target.DisplayName(), count, limit, reason)
	if cantRemove {
		b.WriteString(" I can't remove them myself because I'm not a group admin here.")
		r.cfg.ToldNeedAdmin = true
		if err := m.saveGroup(ctx, r.cfg); err != nil {
			return err
		}
	}
	fmt.Fprintf(&b, " An admin can remove them, or clear their warnings with %s @%s all.", req.Cmd("unwarn"), target.DisplayName())
	if err := m.audit(ctx, chat, bot.Person{}, "warn.limit.notify", &target, fmt.Sprintf("%d of %d warnings", count, limit)); err != nil {
		return err
	}
	_, err = req.Say(ctx, b.String(), mentions...)
	return err
}

// adminMentions writes "@Alice @Dave" for a group's admins.
func (m *Feature) adminMentions(ctx context.Context, chat bot.ChatID) (string, []bot.Mention, error) {
	admins, err := m.groups.Admins(ctx, chat)
	if err != nil {
		return "", nil, fmt.Errorf("group admins: %w", err)
	}
	if len(admins) == 0 {
		return "Group admins", nil, nil
	}
	names := make([]string, 0, len(admins))
	mentions := make([]bot.Mention, 0, len(admins))
	for _, a := range admins {
		names = append(names, "@"+a.DisplayName())
		mentions = append(mentions, bot.MentionOf(a))
	}
	return strings.Join(names, " "), mentions, nil
}

// tellNeedAdmin tells a group's admins, once until the bot next manages an
// admin-only action, that it needs admin rights for what they configured.
func (m *Feature) tellNeedAdmin(ctx context.Context, r *groupRules, chat bot.ChatID, verb string) error {
	if r.cfg.ToldNeedAdmin {
		return nil
	}
	who, mentions, err := m.adminMentions(ctx, chat)
	if err != nil {
		return err
	}
	r.cfg.ToldNeedAdmin = true
	if err := m.saveGroup(ctx, r.cfg); err != nil {
		return err
	}
	if err := m.audit(ctx, chat, bot.Person{}, "auto.need_admin", nil, "cannot "+verb); err != nil {
		return err
	}
	_, err = m.out.Send(ctx, bot.OutMessage{Chat: chat, Mentions: mentions, Text: fmt.Sprintf(
		"%s: I can't %s here because I'm not a group admin, so I'm giving warnings instead. Make me an admin if you want me to %s. (I'll only mention this once.)",
		who, verb, verb)})
	return err
}

func (m *Feature) clearNeedAdmin(ctx context.Context, r *groupRules) error {
	if !r.cfg.ToldNeedAdmin {
		return nil
	}
	r.cfg.ToldNeedAdmin = false
	return m.saveGroup(ctx, r.cfg)
}

// audit records an admin command or automatic action (a zero actor is the
// bot; an actor with a name but no id is someone left unnamed on purpose)
// and passes it on to the live log group.
func (m *Feature) audit(ctx context.Context, chat bot.ChatID, actor bot.Person, action string, target *bot.Person, detail string) error {
	entry := bot.AuditEntry{Chat: chat, ActorID: actor.ID, ActorName: actor.DisplayName(), Action: action, Detail: detail}
	if actor.ID == 0 && actor.Name == "" {
		entry.ActorName = botName
	}
	if target != nil {
		entry.TargetID, entry.TargetName = target.ID, target.DisplayName()
	}
	if err := m.auditLog.Record(ctx, entry); err != nil {
		return err
	}
	if err := m.flushLiveLog(ctx); err != nil {
		m.log().Warn("live audit log", bot.KeyErr, err)
	}
	return nil
}

// onGroupChange welcomes people who join and drops flood counts of those
// who leave.
func (m *Feature) onGroupChange(ctx context.Context, ch bot.GroupChange, people []bot.Person) error {
	switch ch.Kind {
	case bot.MemberLeft:
		for _, p := range people {
			m.flood.forgetMember(ch.Chat.ID, p.ID)
		}
		return nil
	case bot.MemberJoined:
	default:
		return nil
	}
	r, err := m.rules(ctx, ch.Chat.ID)
	if err != nil {
		return err
	}
	if r.cfg.Welcome == "" || len(people) == 0 {
		return nil
	}
	names := make([]string, 0, len(people))
	mentions := make([]bot.Mention, 0, len(people))
	for _, p := range people {
		names = append(names, "@"+p.DisplayName())
		mentions = append(mentions, bot.MentionOf(p))
	}
	groupName := ch.Chat.Name
	if groupName == "" {
		gs, err := m.core.GroupSettings(ctx, ch.Chat.ID)
		if err != nil {
			return fmt.Errorf("group settings: %w", err)
		}
		groupName = gs.Name
	}
	text := renderWelcome(r.cfg.Welcome, joinNames(names), groupName)
	if r.cfg.WelcomeRules && r.cfg.Rules != "" {
		text += "\n\nGroup rules:\n" + r.cfg.Rules
	}
	_, err = m.out.Send(ctx, bot.OutMessage{Chat: ch.Chat.ID, Text: text, Mentions: mentions})
	return err
}

// joinNames writes "A", "A and B", "A, B and C".
func joinNames(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// scheduleRetention plans the next purge for 03:30 local time. At start-up
// it first cancels the pending one, so restarts never leave two chains.
func (m *Feature) scheduleRetention(ctx context.Context, atStart bool) error {
	if atStart {
		if err := m.jobs.Cancel(ctx, jobRetention+":"); err != nil {
			return err
		}
	}
	now := m.clock.Now().In(m.loc)
	next := time.Date(now.Year(), now.Month(), now.Day(), 3, 30, 0, 0, m.loc)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	// The key names the day: a job that reschedules itself under its own
	// key would be deleted as finished when it returns.
	return m.jobs.Schedule(ctx, jobRetention, jobRetention+":"+next.Format("2006-01-02"), next, nil)
}

// retentionJob purges audit entries and closed records older than the
// retention period: the core's audit log, moderation's own records, then
// those of every feature whose data provider is a bot.RecordPurger. The
// next run is planned first, so a failing purge (which the engine retries,
// and in the end drops) never breaks the nightly chain; one feature failing
// does not stop the others, and the errors are returned together at the end.
func (m *Feature) retentionJob(ctx context.Context, _ bot.Job) error {
	var errs []error
	if err := m.scheduleRetention(ctx, false); err != nil {
		m.log().Error("plan the next retention run", bot.KeyErr, err)
		errs = append(errs, fmt.Errorf("plan next retention run: %w", err))
	}
	cutoff := m.clock.Now().Add(-time.Duration(m.cfg.RetentionDays) * 24 * time.Hour)
	errs = append(errs, m.purgeStep(ctx, "audit log", cutoff, func(ctx context.Context) (int64, error) {
		return m.core.PurgeAudit(ctx, cutoff)
	}))
	errs = append(errs, m.purgeStep(ctx, "Moderation", cutoff, func(ctx context.Context) (int64, error) {
		return m.st.purgeClosed(ctx, cutoff)
	}))
	for _, p := range m.reg.DataProviders() {
		if purger, ok := p.(bot.RecordPurger); ok {
			errs = append(errs, m.purgeStep(ctx, p.DataName(), cutoff, func(ctx context.Context) (int64, error) {
				return purger.PurgeClosed(ctx, cutoff)
			}))
		}
	}
	err := errors.Join(errs...)
	if err != nil {
		// The job fails so that the engine retries it, but what did work
		// (the other features' purges, the next night's run) is kept.
		if cerr := m.core.Checkpoint(ctx); cerr != nil {
			return errors.Join(err, cerr)
		}
	}
	return err
}

// purgeStep runs one feature's purge in a savepoint of its own, so that a
// feature failing half-way leaves nothing half-deleted, and logs it.
func (m *Feature) purgeStep(ctx context.Context, feature string, cutoff time.Time, purge func(ctx context.Context) (int64, error)) error {
	var n int64
	err := m.core.Atomic(ctx, func(ctx context.Context) (err error) {
		n, err = purge(ctx)
		return err
	})
	if err != nil {
		m.lg.Error("retention purge failed", bot.KeyProvider, feature, bot.KeyErr, err)
		return fmt.Errorf("purge %s records: %w", feature, err)
	}
	m.lg.Info("retention purge", bot.KeyProvider, feature, "rows", n, "before", cutoff)
	return nil
}

// startLiveLog sets the watermark on first use (so the log group is not
// flooded with history) and starts the periodic flush.
func (m *Feature) startLiveLog(ctx context.Context) error {
	if _, ok, err := m.st.state(ctx, watermarkKey); err != nil {
		return err
	} else if !ok {
		latest, err := m.core.AuditLog(ctx, "", 1)
		if err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
		var id int64
		if len(latest) > 0 {
			id = latest[0].ID
		}
		if err := m.st.setState(ctx, watermarkKey, strconv.FormatInt(id, 10)); err != nil {
			return err
		}
	}
	if err := m.jobs.Cancel(ctx, jobLiveLog+":"); err != nil {
		return err
	}
	return m.scheduleLiveLog(ctx)
}

func (m *Feature) scheduleLiveLog(ctx context.Context) error {
	next := m.clock.Now().Add(liveLogEvery)
	return m.jobs.Schedule(ctx, jobLiveLog, jobLiveLog+":"+strconv.FormatInt(next.UnixMilli(), 10), next, nil)
}

// liveLogJob forwards entries other parts of the bot wrote (the core's
// !bot on, other features' admin actions) that moderation did not send on
// itself.
func (m *Feature) liveLogJob(ctx context.Context, _ bot.Job) error {
	if err := m.flushLiveLog(ctx); err != nil {
		m.log().Warn("live audit log", bot.KeyErr, err)
	}
	return m.scheduleLiveLog(ctx)
}

// flushLiveLog sends audit entries newer than the watermark to the log
// group, oldest first, liveLogChunk entries to a message, until it has
// caught up or sent liveLogMaxChunks messages (the periodic job carries on
// with the rest a minute later). The watermark moves past each message
// once it is sent, so entries written while the log group was unreachable
// go out later instead of being skipped.
func (m *Feature) flushLiveLog(ctx context.Context) error {
	if m.cfg.LogChat == "" {
		return nil
	}
	raw, ok, err := m.st.state(ctx, watermarkKey)
	if err != nil || !ok {
		return err
	}
	mark, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return fmt.Errorf("live log watermark %q: %w", raw, err)
	}
	// Sends are queued and go after the job commits, so whether the log
	// group can take them is asked first: while it cannot, the watermark
	// stays and the entries wait for the next run.
	if _, err := m.groups.Info(ctx, bot.ChatID(m.cfg.LogChat)); err != nil {
		return fmt.Errorf("log group unreachable, entries wait: %w", err)
	}
	names := map[bot.ChatID]string{}
	for range liveLogMaxChunks {
		fresh, err := m.core.AuditAfter(ctx, mark, liveLogChunk)
		if err != nil {
			return err
		}
		if len(fresh) == 0 {
			return nil
		}
		lines := make([]string, 0, len(fresh))
		for _, en := range fresh {
			name, ok := names[en.Chat]
			if !ok {
				gs, err := m.core.GroupSettings(ctx, en.Chat)
				if err != nil {
					return fmt.Errorf("group settings: %w", err)
				}
				name = gs.Name
				if name == "" {
					name = "a group"
				}
				names[en.Chat] = name
			}
			lines = append(lines, name+" · "+m.formatAudit(en))
		}
		if _, err := m.out.Send(ctx, bot.OutMessage{Chat: bot.ChatID(m.cfg.LogChat), Text: strings.Join(lines, "\n")}); err != nil {
			return err
		}
		mark = fresh[len(fresh)-1].ID
		if err := m.st.setState(ctx, watermarkKey, strconv.FormatInt(mark, 10)); err != nil {
			return err
		}
		if len(fresh) < liveLogChunk {
			return nil
		}
	}
	return nil
}

// formatAudit writes one entry: "Mon 5 Jan 09:00 Alice: warned Bob — spam".
func (m *Feature) formatAudit(en bot.AuditEntry) string {
	var b strings.Builder
	b.WriteString(en.Time.In(m.loc).Format("Mon 2 Jan 15:04"))
	b.WriteString(" " + en.ActorName + ": " + auditPhrase(en.Action, en.TargetName, m.prefix))
	if en.Detail != "" {
		b.WriteString(" — " + en.Detail)
	}
	return b.String()
}
