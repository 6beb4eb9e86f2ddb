// Package lending owns lending and borrowing inside a group: the things and
// favours members offer (!lend, !favour), requests answered by the people
// who have them (!borrow), the loan ledger with private due and overdue
// reminders (!lent, !returned, !extend), errands neighbours can join
// (!errand, !join), and the personal-data view and eraser for all of it.
//
// Privacy rules it keeps: a group's listings are shown only in that group
// and only while their owner is still a member; reminders go by direct
// message, never to the group; completed loans are the only trust signal.
package lending

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"neighbourbot/bot"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// Migrations is the lending schema.
func Migrations() bot.Migrations {
	return bot.MigrationsIn("lending", migrationsFS)
}

// FeatureName is the feature family groups switch on and off.
const FeatureName = "lending"

// Job kinds.
const (
	jobRemind        = "lending.remind"
	jobWantExpire    = "lending.want.expire"
	jobErrandSummary = "lending.errand.summary"
	jobErrandExpire  = "lending.errand.expire"
	jobNotice        = "lending.notice"
	jobConfirmNudge  = "lending.confirm.nudge"
)

// Limits that keep one person from filling a group's list.
const (
	maxListingsPerPerson = 50
	maxNoteRunes         = 200
	maxListed            = 60 // lines of one group's list in a direct message before "and N more"
	groupListLines       = 12 // lines of a list posted in a group, about a phone screen
	maxErrandAhead       = 31 * 24 * time.Hour
)

// Deps are what the lending feature needs from the application.
type Deps struct {
	// Quiet is the nightly window in which reminders wait.
	Quiet bot.QuietHours
	// Loc is the time zone dates are read and written in (default Quiet.Loc).
	Loc *time.Location
}

// Feature is the registered lending feature.
type Feature struct {
	clock  bot.Clock
	lg     *slog.Logger
	prefix string
	core   bot.Core
	jobs   *bot.Jobs
	out    *bot.Outbox
	groups *bot.Groups
	ask    *bot.Questions
	cfg    Config
	st     *store
	quiet  bot.QuietHours
	loc    *time.Location
}

// log is the bot's logger with lines marked as lending's.
func (f *Feature) log() *slog.Logger { return f.lg }

// Register wires the lending commands, jobs, listeners and data provider
// in through the handles of k, the feature's Kit.
func Register(k bot.Kit, cfg Config, deps Deps) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("lending config: %w", err)
	}
	loc := deps.Loc
	if loc == nil {
		loc = deps.Quiet.Loc
	}
	if loc == nil {
		loc = time.UTC
	}
	f := &Feature{clock: k.Clock, lg: k.Log, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, groups: k.Groups, ask: k.Ask,
		cfg: cfg, st: &store{db: k.Core.DB()}, quiet: deps.Quiet, loc: loc}
	k.Reg.Declare(bot.Feature{Name: FeatureName, Description: "lend and borrow things and favours, with reminders; errands"})
	for _, rt := range f.routes() {
		rt.Feature = FeatureName
		k.Reg.Handle(rt)
	}
	bot.HandleJobOf(k.Jobs, jobRemind, f.runReminder)
	bot.HandleJobOf(k.Jobs, jobWantExpire, f.runWantExpire)
	bot.HandleJobOf(k.Jobs, jobErrandSummary, f.runErrandSummary)
	bot.HandleJobOf(k.Jobs, jobErrandExpire, f.runErrandExpire)
	bot.HandleJobOf(k.Jobs, jobNotice, f.runNotice)
	bot.HandleJobOf(k.Jobs, jobConfirmNudge, f.runConfirmNudge)
	k.Reg.Listen(f.onReaction)
	k.Reg.HandleAnswers(bot.Answers{Kind: questionConfirm, Answer: f.onConfirmAnswer, Reaction: yesReaction})
	k.Reg.Listen(f.onLentAnswer)
	k.Reg.AddDataProvider(dataProvider{f})
	return nil
}

func (f *Feature) routes() []bot.Route {
	return []bot.Route{
		{Name: "lend", Aliases: []string{"offer", "canlend"}, Usage: "ITEM [— note]", Scope: bot.GroupOnly,
			Help: "list something you can lend in this group, e.g. !lend hedge trimmer — petrol", Handler: f.handleLend},
		{Name: "favour", Aliases: []string{"favor", "skill"}, Usage: "WHAT [— note]", Scope: bot.GroupOnly,
			Help: "offer a favour or skill, e.g. !favour mowing lawns", Handler: f.handleFavour},
		{Name: "unlist", Aliases: []string{"delist", "unoffer", "unlend"}, Usage: "ITEM", Scope: bot.GroupOnly,
			Help: "take something you listed off the list", Handler: f.handleUnlist},
		{Name: "borrow", Aliases: []string{"need", "want", "wanted", "lookingfor"}, Usage: "ITEM", Scope: bot.GroupOnly,
			Help: "ask to borrow something: I mention who has one, or tell you privately when someone lists one", Handler: f.handleBorrow},
		{Name: "lent", Aliases: []string{"loan", "lentto", "handedover"}, Usage: "ITEM @name [for 3d | until Saturday]", Scope: bot.GroupOnly,
			Help: "record that you lent something you listed; I remind the borrower privately", Handler: f.handleLent},
		{Name: "returned", Aliases: []string{"return", "back", "gaveback", "gotback"}, Usage: "ITEM", Scope: bot.GroupOnly,
			Help: "close a loan (the owner confirms when the borrower says it)", Handler: f.handleReturned},
		{Name: "confirm", Aliases: []string{"confirmed"}, Usage: "ITEM", Scope: bot.GroupOnly,
			Help: "owner: confirm a borrower has given your item back", Handler: f.handleConfirm, Match: f.matchConfirm},
		{Name: "extend", Aliases: []string{"renew"}, Usage: "ITEM 3d | ITEM until Saturday", Scope: bot.GroupOnly,
			Help: "give a borrower longer (the borrower asking tells the owner)", Handler: f.handleExtend},
		{Name: "items", Aliases: []string{"things", "list", "library", "borrowable"}, Usage: "[search words]", Lists: true,
			Help: "what can be borrowed here and what is out on loan (in a DM: the full list of each of your groups)", Handler: f.handleItems},
		{Name: "mine", Aliases: []string{"myitems", "myloans", "mylending"}, Usage: "",
			Help: "your listings, loans out and in, wants and errands (in a DM: all your groups)", Handler: f.handleMine},
		{Name: "errand", Aliases: []string{"trip", "goingto"}, Usage: "PLACE WHEN [— note] | cancel PLACE", Scope: bot.GroupOnly,
			Help: "offer a run neighbours can join, e.g. !errand tip Saturday 10am — can take 2 bags", Handler: f.handleErrand},
		{Name: "join", Aliases: []string{"joinerrand"}, Usage: "PLACE [what]", Scope: bot.GroupOnly,
			Help: "join an errand, e.g. !join tip 1 bag of garden waste", Handler: f.handleJoin, Match: f.matchErrandCommand},
		{Name: "unjoin", Aliases: []string{"leaveerrand", "notgoing"}, Usage: "[PLACE]", Scope: bot.GroupOnly,
			Help: "take yourself off an errand you joined", Handler: f.handleUnjoin},
		{Name: "errands", Aliases: []string{"trips"}, Usage: "",
			Help: "errands coming up here and who joined (in a DM: in all your groups)", Handler: f.handleErrands},
	}
}

// matchConfirm lets another feature own a plain !confirm: lending takes it
// in groups, where the lending feature is on.
func (f *Feature) matchConfirm(req *bot.Request) bool {
	return req.Chat.IsGroup && req.Group.FeatureOn(FeatureName)
}

// matchErrandCommand does the same for !join.
func (f *Feature) matchErrandCommand(req *bot.Request) bool {
	return req.Chat.IsGroup && req.Group.FeatureOn(FeatureName)
}

// checkName validates an item, favour or place name and returns it tidied
// (one line, no leading article) with its matcher words; usage is the reply
// for an empty name.
func (f *Feature) checkName(raw, usage string) (string, itemWords, error) {
	name, _, words, err := f.checkQuery(raw, usage)
	return name, words, err
}

// checkQuery is checkName that also returns whose thing was named ("Bob"
// for "Bob's ladder"), for the commands that look a thing up.
func (f *Feature) checkQuery(raw, usage string) (string, string, itemWords, error) {
	name, _ := splitItem(strings.Join(strings.Fields(raw), " "))
	if startsWithLink(raw) {
		return "", "", itemWords{}, bot.Userf("%s %s", linkNotName, usage)
	}
	name, possessor := stripDeterminers(name)
	name, err := f.checkTidyName(name, usage)
	if err != nil {
		return "", "", itemWords{}, err
	}
	return name, possessor, parseItem(name), nil
}

func (f *Feature) checkTidyName(name, usage string) (string, error) {
	if name == "" {
		return "", bot.Userf("%s", usage)
	}
	// "lаdder" typed with a Cyrillic а is shown and typed as "ladder".
	name = bot.UnmixScripts(name)
	if why := f.junkName(name); why != "" {
		// The name itself is not repeated: it may be someone's number.
		return "", bot.Userf("%s %s", why, usage)
	}
	if n := bot.RuneLen(name); n > f.cfg.MaxItemLength {
		return "", bot.Userf("That name is %d characters — keep it under %d and put any details after a dash, e.g. hedge trimmer — petrol.", n, f.cfg.MaxItemLength)
	}
	letters, marks := 0, 0
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsNumber(r):
			letters++
		case unicode.Is(unicode.Mn, r):
			marks++
		}
	}
	if letters == 0 || marks > letters {
		return "", bot.Userf("I can't read that name — please type it in plain words, e.g. ladder or hedge trimmer.")
	}
	if parseItem(name).empty() {
		return "", bot.Userf("%s", usage)
	}
	return name, nil
}

// linkNotName is the reply to a link given as a thing's name.
const linkNotName = "Name the thing in words (a link can go after a dash)."

// startsWithLink says whether text starts with a link, which splitItem
// would cut at its colon ("https" and a note of "//…").
func startsWithLink(text string) bool {
	first, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(text)), " ")
	return strings.Contains(first, "://") || strings.HasPrefix(first, "www.")
}

// junkName says why a name is not a thing's name, or "": a command typed
// twice ("!lend !lend"), a person ("!borrow @Amira"), or a link.
func (f *Feature) junkName(name string) string {
	for _, w := range strings.Fields(name) {
		lw := strings.ToLower(w)
		switch {
		case f.prefix != "" && strings.HasPrefix(w, f.prefix) && startsWithLetter(w[len(f.prefix):]):
			return "That's a command, not the name of a thing."
		case strings.HasPrefix(w, "@") && len(w) > 1:
			return "Name the thing, not a person (leave out the @name)."
		case strings.Contains(lw, "://") || strings.HasPrefix(lw, "www."):
			return linkNotName
		}
	}
	return ""
}

func startsWithLetter(s string) bool {
	for _, r := range s {
		return unicode.IsLetter(r)
	}
	return false
}

// checkNote tidies the note after a dash.
func checkNote(raw string) (string, error) {
	note := strings.Join(strings.Fields(raw), " ")
	if n := bot.RuneLen(note); n > maxNoteRunes {
		return "", bot.Userf("That note is %d characters — keep it under %d.", n, maxNoteRunes)
	}
	return note, nil
}

// person loads someone by id; 0 (forgotten) gives a neutral stand-in.
func (f *Feature) person(ctx context.Context, id int64) (bot.Person, error) {
	if id == 0 {
		return bot.Person{Name: "a former member"}, nil
	}
	p, err := f.core.PersonByID(ctx, id)
	if err != nil {
		return bot.Person{}, fmt.Errorf("load person: %w", err)
	}
	return p, nil
}

// memberCache answers "is this owner still in the group?" once per person
// per request.
type memberCache struct {
	f    *Feature
	chat bot.ChatID
	seen map[int64]bool
}

func (f *Feature) members(chat bot.ChatID) *memberCache {
	return &memberCache{f: f, chat: chat, seen: map[int64]bool{}}
}

func (m *memberCache) has(ctx context.Context, person int64) (bool, error) {
	if v, ok := m.seen[person]; ok {
		return v, nil
	}
	v, err := m.f.core.IsMember(ctx, m.chat, person)
	if err != nil {
		return false, fmt.Errorf("membership: %w", err)
	}
	m.seen[person] = v
	return v, nil
}

// noticePayload is a direct message sent as a job of its own: news held
// back by quiet hours, or an owner's overdue note, retried apart from the
// borrower's reminder.
type noticePayload struct {
	Person int64  `json:"person"`
	Text   string `json:"text"`
	// Chat is the group the news is about: it is dropped if the group
	// stopped listening (see groupStillListens) while it waited. Notices
	// stored before it was kept have none, and the loan's group stands in.
	Chat bot.ChatID `json:"chat,omitempty"`
	// Loan, when set, is the loan the news is about: it is dropped if the
	// loan was closed while it waited.
	Loan int64 `json:"loan,omitempty"`
}

// dm sends a person a direct message if the bot may: sent is false, with
// no error, for someone forgotten or who never addressed the bot (the core
// refuses cold messages, which get WhatsApp accounts banned). Callers
// decide what the person misses or who hears instead; other errors, such
// as a failed send, are returned so the job is retried.
func (f *Feature) dm(ctx context.Context, p bot.Person, text string) (sent bool, err error) {
	if p.Addr == "" {
		return false, nil
	}
	err = f.out.DM(ctx, p, text)
	if errors.Is(err, bot.ErrNoContact) {
		f.log().Info("direct message not sent: the person never addressed the bot", "person", p.ID)
		return false, nil
	}
	return err == nil, err
}

// canDM reports whether the bot may message a person privately.
func (f *Feature) canDM(ctx context.Context, p bot.Person) (bool, error) {
	ok, err := f.out.CanDM(ctx, p)
	if err != nil {
		return false, fmt.Errorf("can dm: %w", err)
	}
	return ok, nil
}

// heldByQuiet moves a job that comes due in quiet hours to their end, under
// its own key and with its payload unchanged, and reports whether it did:
// quiet hours are checked when a job is planned, but a job retried, or
// planned before quiet hours changed, can still come due in the night.
// The core keeps a job its handler rescheduled under the same key.
func (f *Feature) heldByQuiet(ctx context.Context, job bot.Job) (bool, error) {
	now := f.clock.Now()
	if !f.quiet.Contains(now) {
		return false, nil
	}
	return true, f.holdUntil(ctx, job, f.quiet.NextAllowed(now))
}

// holdUntil reschedules a job, unchanged, for a later moment.
func (f *Feature) holdUntil(ctx context.Context, job bot.Job, at time.Time) error {
	var payload any
	if len(job.Payload) > 0 {
		payload = json.RawMessage(job.Payload)
	}
	if err := f.jobs.Schedule(ctx, job.Kind, job.Key, at, payload); err != nil {
		return fmt.Errorf("hold %s until quiet hours end: %w", job.Kind, err)
	}
	return nil
}

// tell sends a person a direct message that something happened in a group
// ("a wheelbarrow was listed", "the errand is off"), or holds it until
// quiet hours end: someone listing a ladder at 23:00 should not wake a
// neighbour. reachable is false, and nothing is sent or held, for someone
// forgotten or who never addressed the bot: the caller tells them another
// way.
func (f *Feature) tell(ctx context.Context, chat bot.ChatID, p bot.Person, text string) (reachable bool, err error) {
	if p.Addr == "" {
		return false, nil // forgotten: nobody to tell
	}
	if ok, err := f.canDM(ctx, p); err != nil || !ok {
		return false, err
	}
	now := f.clock.Now()
	if !f.quiet.Contains(now) {
		return f.dm(ctx, p, text)
	}
	if err := f.jobs.Schedule(ctx, jobNotice, "", f.quiet.NextAllowed(now), noticePayload{Person: p.ID, Text: text, Chat: chat}); err != nil {
		return false, err
	}
	return true, nil
}

// runNotice sends a held-back direct message. Someone who cannot be
// messaged (forgotten since, or never addressed the bot) misses it, and so
// does everyone if its group stopped listening meanwhile: the news is
// about a group where the bot no longer answers.
func (f *Feature) runNotice(ctx context.Context, job bot.Job, n noticePayload) error {
	if held, err := f.heldByQuiet(ctx, job); held || err != nil {
		return err
	}
	if n.Loan != 0 {
		loan, err := f.st.loan(ctx, n.Loan)
		if errors.Is(err, bot.ErrNotFound) {
			return nil
		}
		if err != nil || loan.State == stateClosed {
			return err
		}
		if n.Chat == "" {
			n.Chat = loan.Chat
		}
	}
	if n.Chat != "" {
		if listens, err := f.groupStillListens(ctx, n.Chat); err != nil || !listens {
			return err
		}
	}
	p, err := f.person(ctx, n.Person)
	if err != nil {
		return err
	}
	_, err = f.dm(ctx, p, n.Text)
	return err
}

// groupStillListens reports whether lending still speaks for a group: the
// bot is switched on there, lending is among its features, and the bot is
// still a member. Every job that messages people about a group asks first,
// because a direct message telling someone to type !returned in a group
// where the bot no longer answers is one nobody can stop. A group's
// settings say whether it switched the bot or lending off; only the
// transport knows the bot was removed (its group lookup, cached, fails with
// ErrNotInChat). Other lookup errors are returned so the job is retried.
func (f *Feature) groupStillListens(ctx context.Context, chat bot.ChatID) (bool, error) {
	gs, err := f.core.GroupSettings(ctx, chat)
	if err != nil {
		return false, fmt.Errorf("group settings: %w", err)
	}
	if !gs.Enabled || !gs.FeatureOn(FeatureName) {
		return false, nil
	}
	if _, err := f.groups.Info(ctx, chat); errors.Is(err, bot.ErrNotInChat) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("group info: %w", err)
	}
	return true, nil
}

// groupName names a group in direct messages.
func (f *Feature) groupName(ctx context.Context, chat bot.ChatID) string {
	gs, err := f.core.GroupSettings(ctx, chat)
	if err != nil || strings.TrimSpace(gs.Name) == "" {
		return "your group"
	}
	return gs.Name
}

// withLoans writes "Alice (5 loans)": completed loans in the group are the
// one trust signal neighbourbot shows. Nothing is added before the first.
func (f *Feature) withLoans(ctx context.Context, chat bot.ChatID, p bot.Person) (string, error) {
	if p.ID == 0 {
		return p.DisplayName(), nil
	}
	n, err := f.st.completedLoans(ctx, chat, p.ID)
	if err != nil {
		return "", err
	}
	return p.DisplayName() + loansSuffix(n), nil
}

func loansSuffix(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return " (1 loan)"
	}
	return fmt.Sprintf(" (%d loans)", n)
}

// scored is a candidate with its match score.
type scored[T any] struct {
	v     T
	score float64
}

// best picks the best-scoring candidate. When several different names tie
// at the top it returns them so the reply can ask which one.
func best[T any](cands []scored[T], name func(T) string) (T, []string, bool) {
	var zero T
	if len(cands) == 0 {
		return zero, nil, false
	}
	top := 0
	for i, c := range cands {
		if c.score > cands[top].score {
			top = i
		}
	}
	var ties []string
	for _, c := range cands {
		if c.score == cands[top].score && !strings.EqualFold(name(c.v), name(cands[top].v)) {
			ties = append(ties, name(c.v))
		}
	}
	if len(ties) > 0 {
		return zero, append([]string{name(cands[top].v)}, ties...), false
	}
	return cands[top].v, nil, true
}

// whichOne is the reply when a name fits several things equally.
func whichOne(names []string, example string) error {
	if len(names) > 4 {
		names = names[:4]
	}
	return bot.Userf("Which one — %s? Type the full name, e.g. %s", strings.Join(names, " or "), example)
}
