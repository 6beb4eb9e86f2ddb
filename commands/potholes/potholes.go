// Package potholes owns street-fault reports: residents log potholes and
// other faults (street lights, fly-tipping, drains) with a photo and a
// location pin, are shown "already reported?" matches before filing,
// confirm each other's reports, and the group follows each report from
// "open" to "fixed". Reports can go to the council over Open311 GeoReport
// v2 (see the open311 subpackage); the council's answers are polled and
// posted back into the group. It also exports reports as CSV or GeoJSON.
package potholes

import (
	"context"
	"crypto/tls"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/potholes/open311"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migrations returns the package's schema.
func Migrations() bot.Migrations {
	return bot.MigrationsIn("potholes", migrationFS)
}

// FeatureName is the feature family admins switch with !bot features.
const FeatureName = "potholes"

// maxDescriptionRunes caps what a resident may type as a description; the
// council's limit (4000) is far above what a street fault needs.
const maxDescriptionRunes = 1000

// Deps are what the feature needs from the process around it.
type Deps struct {
	// PhotoDir is where photos are stored (<data_dir>/photos).
	PhotoDir string
	// HTTP is the client for the council's server; its timeout is replaced
	// by the config's request_timeout.
	HTTP *http.Client
	// Location is the time zone dates are shown in.
	Location *time.Location
	// Quiet holds the feature's own messages (council updates, send
	// results, "is it fixed?") back during quiet hours.
	Quiet bot.QuietHours
	// MailTLS, when set, is the TLS configuration for the mail server
	// (tests use it to trust a test certificate); nil uses the system's
	// roots.
	MailTLS *tls.Config
	// Open311Observe, when set, counts every Open311 call by operation and
	// outcome (open311.Outcome), for the metrics.
	Open311Observe func(op, outcome string)
}

// log is the bot's logger with lines marked as potholes'.
func (f *Feature) log() *slog.Logger { return f.lg }

// Feature is the potholes feature, holding the handles of its Kit.
type Feature struct {
	clock       bot.Clock
	lg          *slog.Logger
	prefix      string
	core        bot.Core
	jobs        *bot.Jobs
	out         *bot.Outbox
	auditLog    *bot.AuditLog
	groups      *bot.Groups
	attachments *bot.Attachments
	router      *bot.Router
	cfg         Config
	deps        Deps
	store       store
	council     *open311.Client
	mailer      *mailer
	// services is the council's service list and questions, as last read.
	services catalogue
	// fmsHTTP reads FixMyStreet's feed.
	fmsHTTP *http.Client
}

// Register wires the potholes feature in through the handles of k, its Kit.
func Register(k bot.Kit, cfg Config, deps Deps) error {
	_, err := Open(k, cfg, deps)
	return err
}

// Open is Register returning the feature, for the staff page.
func Open(k bot.Kit, cfg Config, deps Deps) (*Feature, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("potholes config: %w", err)
	}
	if deps.PhotoDir == "" {
		return nil, errors.New("potholes: no photo directory")
	}
	if deps.Location == nil {
		deps.Location = time.UTC
	}
	hc := &http.Client{Timeout: cfg.RequestTimeout.D()}
	if deps.HTTP != nil {
		c := *deps.HTTP
		c.Timeout = cfg.RequestTimeout.D()
		hc = &c
	}
	f := &Feature{clock: k.Clock, lg: k.Log, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, auditLog: k.Audit, groups: k.Groups, attachments: k.Attachments, router: k.Reg.Router(),
		cfg: cfg, deps: deps, store: store{db: k.Core.DB()}}
	if cfg.councilConfigured() {
		f.council = &open311.Client{BaseURL: cfg.BaseURL, APIKey: cfg.APIKey, JurisdictionID: cfg.JurisdictionID, Format: cfg.Open311Format, HTTP: hc, Observe: deps.Open311Observe}
	}
	f.fmsHTTP = &http.Client{Timeout: fixMyStreetTimeout}
	if deps.HTTP != nil {
		c := *deps.HTTP
		c.Timeout = fixMyStreetTimeout
		f.fmsHTTP = &c
	}
	if err := applyPhotoModes(deps.PhotoDir, cfg); err != nil {
		// Photos are still saved with the right mode; only older ones
		// may keep theirs.
		f.log().Warn("could not set the photos' permissions", bot.KeyErr, err)
	}
	if cfg.Email.configured() {
		if err := cfg.Email.LoadPassword(); err != nil {
			return nil, fmt.Errorf("potholes email: %w", err)
		}
		f.cfg.Email = cfg.Email
		f.mailer = newMailer(cfg.Email, deps.MailTLS)
	}
	f.registerCommands(k.Reg, k.Prefix)
	k.Reg.Listen(f.listenForPin)
	f.registerJobs(k.Jobs)
	k.Reg.AddDataProvider(dataProvider{f})
	// Register runs at start-up with the database open: reports whose
	// sending was under way get their send jobs back.
	if err := f.resumeSends(context.Background()); err != nil {
		return nil, fmt.Errorf("potholes: resume sending: %w", err)
	}
	// The council's service list is read at once (the job runs as soon as
	// the engine does, so a slow council does not hold up the start) and
	// then daily.
	if f.council != nil {
		if err := f.scheduleDiscovery(context.Background(), k.Clock.Now()); err != nil {
			return nil, fmt.Errorf("potholes: schedule service discovery: %w", err)
		}
	}
	return f, nil
}

// registerCommands adds the feature family and its commands.
func (f *Feature) registerCommands(reg *bot.Registry, p string) {
	cfg := f.cfg
	others := otherCategories(cfg)
	reg.Declare(bot.Feature{Name: FeatureName, Description: "log potholes and street faults, spot duplicates, send them to the council"})
	reg.Handle(bot.Route{Name: "pothole", Usage: "DESCRIPTION | P7 [STATUS|send|check]", Feature: FeatureName, Scope: bot.GroupOnly,
		Help:    fmt.Sprintf("log a pothole (attach a photo and a location pin, or reply to one) or show report P7; admins can also type %spothole P7 fixed, %spothole P7 send or %spothole P7 check (ask the council again)", p, p, p),
		Handler: f.handlePothole})
	reg.Handle(bot.Route{Name: "report", Usage: "CATEGORY DESCRIPTION", Feature: FeatureName, Scope: bot.GroupOnly,
		Help:    "log a street fault: " + orList(cfg.Categories) + " (each also works as its own command, " + p + others[0] + " …)",
		Match:   f.matchReport,
		Handler: f.handleReport})
	reg.Handle(bot.Route{Name: "potholes", Aliases: []string{"faults"}, Feature: FeatureName, Lists: true,
		Help: "list this group's open reports with age and confirmations (in a DM: all of them, in each of your groups)", Handler: f.handlePotholes})
	reg.Handle(bot.Route{Name: "metoo", Usage: "P7", Feature: FeatureName, Scope: bot.GroupOnly,
		Help: "confirm you've seen report P7 too (attach or reply to a photo to add it)", Handler: f.handleMetoo})
	reg.Handle(bot.Route{Name: "fixed", Usage: "P7", Feature: FeatureName, Scope: bot.GroupOnly,
		Help: "say report P7 is fixed (a second neighbour confirms it)", Handler: f.handleFixed})
	f.categoryCommands(reg)
	if f.council != nil {
		// Only Open311 councils ask questions.
		reg.Handle(bot.Route{Name: "answer", Usage: "P7 ANSWER", Feature: FeatureName, Scope: bot.GroupOnly,
			Help: "answer the council's question about report P7 (asked after filing, when the council has questions)", Handler: f.handleAnswer})
	}
}

// registerJobs adds the handlers of the feature's jobs.
func (f *Feature) registerJobs(jobs *bot.Jobs) {
	bot.HandleFetchOf(jobs, jobSend, f.sendJob)
	jobs.HandleFetch(jobDiscover, f.discoverJob)
	bot.HandleJobOf(jobs, jobAnswerRemind, f.answerRemindJob)
	bot.HandleFetchOf(jobs, jobPoll, f.pollJob)
	bot.HandleJobOf(jobs, jobClaimLapse, f.claimLapseJob)
	bot.HandleJobOf(jobs, jobSendNews, f.sendNewsJob)
	bot.HandleJobOf(jobs, jobFixedCheck, f.fixedCheckJob)
	bot.HandleJobOf(jobs, jobFixedDigest, f.fixedDigestJob)
	bot.HandleJobOf(jobs, jobHeldPost, f.heldPostJob)
	bot.HandleJobOf(jobs, jobHeldAttempt, f.heldAttemptJob)
	bot.HandleFetchOf(jobs, jobFixMyStreet, f.fixMyStreetJob)
}

// orList joins words as people write them: "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func otherCategories(cfg Config) []string {
	if len(cfg.Categories) == 1 {
		return cfg.Categories
	}
	return append(append([]string(nil), cfg.Categories[1:]...), cfg.Categories[0])
}

// matchReport takes "!report CATEGORY …" and leaves "!report REASON" (a
// reply reporting a message to the admins) to moderation. When nothing
// else handles !report, it takes every !report to explain the categories.
func (f *Feature) matchReport(req *bot.Request) bool {
	if cat, _ := parseCategory(strings.Fields(req.Args), f.cfg.Categories); cat != "" {
		return true
	}
	if req.Args == "" && req.Chat.IsGroup && (req.Msg == nil || req.Msg.Quote == nil) {
		// "!report" alone, not a reply: the list of categories (which
		// also says how to report a message).
		return true
	}
	for _, rt := range f.router.Named("report") {
		if rt.Match == nil {
			return false
		}
	}
	return true
}

// refPattern matches "P7", "p7", "P#7" and a bare "7". The digits are not
// length-limited here: a number too large to be any report's id is still a
// reference, just to a report that doesn't exist.
var refPattern = regexp.MustCompile(`^(?:[Pp]#?)?([0-9]+)$`)

// reportRef is a reference a resident typed. ID is 0 when the number is
// too large to be a report id; Digits is the number as typed, without
// leading zeros, for telling them it doesn't exist.
type reportRef struct {
	ID     int64
	Digits string
}

// parseRef reads "P7", "p7", "P#7" or a bare "7"; trailing punctuation is
// ignored. Zero is not a reference.
func parseRef(s string) (reportRef, bool) {
	s = strings.TrimRight(strings.TrimSpace(s), ".,;:!?")
	m := refPattern.FindStringSubmatch(s)
	if m == nil {
		return reportRef{}, false
	}
	digits := strings.TrimLeft(m[1], "0")
	if digits == "" {
		return reportRef{}, false
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		// Out of range: no report has this number.
		return reportRef{Digits: digits}, true
	}
	return reportRef{ID: id, Digits: digits}, true
}

// isBareNumber reports whether a word is digits only (no "P").
func isBareNumber(s string) bool {
	s = strings.TrimRight(strings.TrimSpace(s), ".,;:!?")
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// looksLikeRef catches near-misses ("P", "P-7", "#7", "P0") so they get a
// clear answer rather than being filed as a one-word description.
func looksLikeRef(s string) bool {
	s = strings.TrimLeft(strings.TrimSpace(s), "Pp")
	s = strings.TrimLeft(s, "#-")
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// loadRef finds a report typed in a group, refusing other groups' reports.
func (f *Feature) loadRef(ctx context.Context, req *bot.Request, word string) (Report, error) {
	return f.loadRefIn(ctx, req.Chat.ID, word)
}

// loadRefIn finds a report by the reference typed for a group's report,
// refusing other groups' reports.
func (f *Feature) loadRefIn(ctx context.Context, chat bot.ChatID, word string) (Report, error) {
	p := f.prefix
	ref, ok := parseRef(word)
	if !ok {
		return Report{}, bot.Userf("%q isn't a report reference — they look like P7. %spotholes lists the open ones.", bot.Truncate(word, 20), p)
	}
	if ref.ID == 0 {
		return Report{}, bot.Userf("There's no report P%s in this group. %spotholes lists the open ones.", bot.Truncate(ref.Digits, 20), p)
	}
	r, err := f.store.report(ctx, ref.ID)
	if errors.Is(err, bot.ErrNotFound) || (err == nil && r.Chat != chat) {
		return Report{}, bot.Userf("There's no report P%d in this group. %spotholes lists the open ones.", ref.ID, p)
	}
	if err != nil {
		return Report{}, err
	}
	return r, nil
}

func (f *Feature) handlePothole(ctx context.Context, req *bot.Request) error {
	p := f.prefix
	fields := req.Fields()
	if len(fields) == 0 {
		if pickPhoto(req) != nil || pickLocation(req) != nil {
			return bot.Userf("Please add a short description, e.g. %spothole outside no. 12 Elm Road, deep", p)
		}
		return bot.Userf("Usage: %spothole DESCRIPTION — e.g. %spothole outside no. 12 Elm Road, deep (attach a photo and a location pin, or reply to one). %spotholes lists open reports.", p, p, p)
	}
	first := fields[0]
	if _, ok := parseRef(first); ok {
		rest := strings.TrimSpace(strings.TrimPrefix(req.Args, first))
		// "!pothole 7" shows P7 and "!pothole 7 fixed" sets its status,
		// but "!pothole 2 deep holes outside no. 9" is a description.
		if !isBareNumber(first) || rest == "" || isReportAction(rest) {
			return f.handleReportCommand(ctx, req, first, rest)
		}
	}
	if looksLikeRef(first) && len(fields) == 1 {
		return bot.Userf("%q isn't a report reference — they look like P7. %spotholes lists the open ones.", bot.Truncate(first, 20), p)
	}
	if strings.EqualFold(first, "new") {
		return f.file(ctx, req, f.cfg.defaultCategory(), strings.TrimSpace(req.Args[len(first):]), true)
	}
	return f.file(ctx, req, f.cfg.defaultCategory(), req.Args, false)
}

func (f *Feature) handleReport(ctx context.Context, req *bot.Request) error {
	fields := req.Fields()
	cat, used := parseCategory(fields, f.cfg.Categories)
	if cat == "" && len(fields) == 0 {
		return req.Reply(ctx, fmt.Sprintf("To log a street fault: %s.\nTo tell the admins about a message, reply to it with %sreport REASON.",
			f.categoryUsage(), f.prefix))
	}
	if cat == "" {
		return bot.Userf("Usage: %s.", f.categoryUsage())
	}
	return f.fileCategory(ctx, req, cat, strings.Join(fields[used:], " "))
}

// fileCommand is how a resident files in cat, for replies.
func (f *Feature) fileCommand(cat string) string {
	if cat == f.cfg.defaultCategory() {
		return f.prefix + "pothole"
	}
	return f.prefix + "report " + cat
}

// file logs a new report, first checking for open reports that look the same.
func (f *Feature) file(ctx context.Context, req *bot.Request, cat, desc string, force bool) error {
	desc = strings.Join(strings.Fields(desc), " ")
	if err := f.checkDescription(cat, desc); err != nil {
		return err
	}
	c := candidate{Category: cat, Description: desc}
	if loc := pickLocation(req); loc != nil {
		c.HasLocation, c.Lat, c.Long = true, loc.Lat, loc.Long
	}
	media := pickPhoto(req)
	if !force {
		open, err := f.duplicateCandidates(ctx, req.Chat.ID, c)
		if err != nil {
			return err
		}
		if dups := findDuplicates(c, open, float64(f.cfg.DuplicateRadiusM)); len(dups) > 0 {
			kept := f.holdAttempt(ctx, req, cat, c, media)
			return req.Reply(ctx, f.alreadyReported(dups, cat, media != nil, kept, req.Now()))
		}
	}
	// "new" after "Already reported?" files with the pin and photo of the
	// attempt that was held back, unless it brings its own.
	var fromEarlier []string
	pending, err := f.freshHeldAttempt(ctx, req)
	if err != nil {
		return err
	}
	var held heldAttempt
	if force && !pending.Expired && pending.Category == cat && (!c.HasLocation || media == nil) {
		held = pending
	}
	var outcome photoOutcome
	if media != nil {
		var err error
		if outcome, err = f.savePhoto(ctx, media); err != nil {
			return err
		}
	} else if held.hasPhoto() {
		outcome = held.photoOutcome()
		if outcome.Photo != nil {
			fromEarlier = append(fromEarlier, "photo")
		}
	}
	if !c.HasLocation && held.HasLocation {
		c.HasLocation, c.Lat, c.Long = true, held.Lat, held.Long
		fromEarlier = append(fromEarlier, "location")
	}
	now := req.Now()
	r := Report{Chat: req.Chat.ID, ReporterID: req.Sender.ID, Category: cat, Description: desc,
		HasLocation: c.HasLocation, Lat: c.Lat, Long: c.Long, Status: StatusOpen, Created: now}
	var with []string
	if outcome.Photo != nil {
		with = append(with, "photo")
	}
	if c.HasLocation {
		with = append(with, "location")
	}
	id, err := f.store.create(ctx, r, outcome.Photo, event{At: now, ActorID: req.Sender.ID, Kind: "filed", Detail: historyWith(with, fromEarlier)})
	if err != nil {
		return err
	}
	r.ID = id
	// FixMyStreet is asked after this commits: the reply does not wait.
	if err := f.scheduleFixMyStreet(ctx, r); err != nil {
		return err
	}
	heldNote, err := f.settleHeldAttempt(ctx, req, pending, force && pending.Category == cat, held.hasPhoto() || held.HasLocation, fmt.Sprintf("P%d", id))
	if err != nil {
		f.log().Error("settle held attempt", "report", id, bot.KeyErr, err)
	}
	if err := f.scheduleFixedCheck(ctx, id, now); err != nil {
		// The report is filed; only the later question is lost.
		f.log().Error("schedule fixed check", "report", id, bot.KeyErr, err)
	}
	return req.Reply(ctx, f.loggedText(r, with, fromEarlier, outcome, heldNote))
}

// checkDescription turns away a report with no description, or one too long
// to read on a phone, saying how to write it.
func (f *Feature) checkDescription(cat, desc string) error {
	if desc == "" {
		example := "outside no. 12 Elm Road, deep"
		if cat != f.cfg.defaultCategory() {
			example = "outside no. 12 Elm Road, …"
		}
		return bot.Userf("Please say where it is and what's wrong: %s %s", f.fileCommand(cat), example)
	}
	if n := bot.RuneLen(desc); n > maxDescriptionRunes {
		return bot.Userf("That description is %d characters — please keep it under %d (where it is and what's wrong is enough).", n, maxDescriptionRunes)
	}
	return nil
}

// loggedText is the reply to a newly filed report: its reference, what it
// came with, how others confirm it, and the council's first question.
func (f *Feature) loggedText(r Report, with, fromEarlier []string, outcome photoOutcome, heldNote string) string {
	ref := fmt.Sprintf("P%d", r.ID)
	var b strings.Builder
	fmt.Fprintf(&b, "Logged %s (%s", ref, r.Category)
	if len(with) > 0 {
		fmt.Fprintf(&b, ", with %s", withText(with, fromEarlier))
	}
	fmt.Fprintf(&b, "): %s", bot.EndSentence(bot.Truncate(r.Description, 80)))
	if !r.HasLocation {
		b.WriteString(" No location pin: a pin helps the council find it.")
	}
	fmt.Fprintf(&b, " Seen it too? Type %smetoo %s.", f.prefix, ref)
	if note := f.photoNote(outcome, ref); note != "" {
		b.WriteString("\n" + note)
	}
	if heldNote != "" {
		b.WriteString("\n" + heldNote)
	}
	// The council's first question, when it has any for this category.
	if qs := f.questions(Report{ID: r.ID, Category: r.Category}); len(qs) > 0 {
		b.WriteString("\n" + f.askText(Report{ID: r.ID, Category: r.Category}, qs[0]))
	}
	return b.String()
}

// withText says what a report was filed with: "photo and location", or
// "photo and the location from your earlier message" when some of it came
// from the attempt held back by "Already reported?".
func withText(with, fromEarlier []string) string {
	fresh := without(with, fromEarlier)
	if len(fromEarlier) > 0 {
		fresh = append(fresh, "the "+strings.Join(fromEarlier, " and ")+" from your earlier message")
	}
	return strings.Join(fresh, " and ")
}

// without returns the words of with that are not in drop.
func without(with, drop []string) []string {
	var out []string
	for _, w := range with {
		if !slices.Contains(drop, w) {
			out = append(out, w)
		}
	}
	return out
}

// historyWith is the history's note of what a report was filed with:
// "photo, location", or "location; photo from an earlier message".
func historyWith(with, fromEarlier []string) string {
	parts := []string{strings.Join(without(with, fromEarlier), ", ")}
	if len(fromEarlier) > 0 {
		parts = append(parts, strings.Join(fromEarlier, " and ")+" from an earlier message")
	}
	return strings.TrimPrefix(strings.Join(parts, "; "), "; ")
}

// alreadyReported lists the open reports that look like the new one. kept
// names what of the attempt is held for "new" ("location pin", "photo"), if
// anything.
func (f *Feature) alreadyReported(dups []match, cat string, hasPhoto bool, kept string, now time.Time) string {
	p := f.prefix
	photoHint := ""
	switch {
	case strings.Contains(kept, "photo"):
		photoHint = " Either way, your photo goes with it."
	case hasPhoto:
		photoHint = fmt.Sprintf(" Send %smetoo as a reply to your photo to add the photo too.", p)
	}
	anyway := "to file yours anyway"
	if kept != "" {
		anyway += fmt.Sprintf(" (within %s, it uses the %s you just sent)", bot.FormatDuration(heldAttemptFor), kept)
	}
	if len(dups) == 1 {
		d := dups[0]
		return fmt.Sprintf("Already reported? Looks like %s. Reply %smetoo %s if it's the same one, or %s new … %s.%s",
			f.matchSummary(d, now), p, d.Report.Ref(), f.fileCommand(cat), anyway, photoHint)
	}
	var b strings.Builder
	b.WriteString("Already reported? These look similar:")
	for _, d := range dups {
		b.WriteString("\n• " + f.matchSummary(d, now))
	}
	fmt.Fprintf(&b, "\nIf one is the same, reply %smetoo with its number (e.g. %smetoo %s), or %s new … %s.%s",
		p, p, dups[0].Report.Ref(), f.fileCommand(cat), anyway, photoHint)
	return b.String()
}

// matchSummary is "P7 — outside 12 Elm Road (20 m away, 3 days ago, 2 confirmations)".
func (f *Feature) matchSummary(d match, now time.Time) string {
	var parts []string
	if d.DistanceM >= 0 {
		parts = append(parts, fmt.Sprintf("%.0f m away", d.DistanceM))
	}
	parts = append(parts, age(d.Report.Created, now), confirmations(d.Report.Confirmations))
	if d.Report.Status != StatusOpen {
		parts = append(parts, string(d.Report.Status))
	}
	return fmt.Sprintf("%s — %s (%s)", d.Report.Ref(), bot.Truncate(d.Report.Description, 50), strings.Join(parts, ", "))
}

// age says how long ago t was, the way people do.
func age(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return bot.Count(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return bot.Count(int(d/time.Hour), "hour") + " ago"
	default:
		return bot.Count(int(d/(24*time.Hour)), "day") + " ago"
	}
}

func confirmations(n int) string {
	if n == 0 {
		return "no confirmations yet"
	}
	return bot.Count(n, "confirmation")
}

// groupListLines bounds a list posted in a group: about a phone screen.
const groupListLines = 12

// maxPrivateList bounds one group's list in a direct message.
const maxPrivateList = 60

// handlePotholes lists open reports: in a group a short post of the most
// confirmed (only those are loaded), in a direct message every open
// report of each of the sender's groups.
func (f *Feature) handlePotholes(ctx context.Context, req *bot.Request) error {
	p := f.prefix
	if !req.Chat.IsGroup {
		return f.listPrivately(ctx, req)
	}
	// The title, "…and N more" and the closing line take three lines.
	open, total, err := f.store.openReports(ctx, req.Chat.ID, groupListLines-3)
	if err != nil {
		return err
	}
	if total == 0 {
		return req.Reply(ctx, fmt.Sprintf("No open reports in this group. Log one with %spothole DESCRIPTION (a photo and a location pin help).", p))
	}
	var b strings.Builder
	if total > len(open) {
		fmt.Fprintf(&b, "Open reports (%d) — the %d most confirmed:", total, len(open))
	} else {
		fmt.Fprintf(&b, "Open reports (%d):", total)
	}
	f.writeReportLines(&b, open, req.Now())
	if more := total - len(open); more > 0 {
		fmt.Fprintf(&b, "\n…and %d more — message me %spotholes for the full list.", more, p)
	}
	fmt.Fprintf(&b, "\n%spothole P… shows one; %smetoo P… confirms it.", p, p)
	return req.Reply(ctx, b.String())
}

func (f *Feature) writeReportLines(b *strings.Builder, reports []Report, now time.Time) {
	for _, r := range reports {
		fmt.Fprintf(b, "\n• %s %s — %s · %s · %s", r.Ref(), r.Category, bot.Truncate(r.Description, 50), age(r.Created, now), confirmations(r.Confirmations))
		if r.Status != StatusOpen {
			b.WriteString(" · " + string(r.Status))
		}
	}
}

// listPrivately is !potholes in a direct message: each of the sender's
// groups where potholes is on, under its name.
func (f *Feature) listPrivately(ctx context.Context, req *bot.Request) error {
	p := f.prefix
	chats, err := f.core.MemberGroups(ctx, req.Sender.ID)
	if err != nil {
		return fmt.Errorf("member groups: %w", err)
	}
	var b strings.Builder
	groups := 0
	for _, chat := range chats {
		on, err := f.groupListening(ctx, chat)
		if err != nil {
			return err
		}
		if !on {
			continue
		}
		groups++
		open, total, err := f.store.openReports(ctx, chat, maxPrivateList)
		if err != nil {
			return err
		}
		if total == 0 {
			continue
		}
		gs, err := f.core.GroupSettings(ctx, chat)
		if err != nil {
			return fmt.Errorf("group settings: %w", err)
		}
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		name := gs.Name
		if strings.TrimSpace(name) == "" {
			name = "Your group"
		}
		fmt.Fprintf(&b, "*%s* — open reports (%d):", name, total)
		f.writeReportLines(&b, open, req.Now())
		if more := total - len(open); more > 0 {
			fmt.Fprintf(&b, "\n…and %d more.", more)
		}
	}
	switch {
	case groups == 0:
		return bot.Userf("I don't share a group with you where street reports are on.")
	case b.Len() == 0:
		return req.Reply(ctx, "No open reports in your groups.")
	}
	fmt.Fprintf(&b, "\nIn the group, %spothole P… shows one and %smetoo P… confirms it.", p, p)
	return req.Reply(ctx, b.String())
}

// handleReportCommand handles "!pothole P7 …": show, add a photo, or (admins) send or set a status.
func (f *Feature) handleReportCommand(ctx context.Context, req *bot.Request, refWord, rest string) error {
	p := f.prefix
	r, err := f.loadRef(ctx, req, refWord)
	if err != nil {
		return err
	}
	if rest == "" {
		if media := pickPhoto(req); media != nil {
			return f.addPhoto(ctx, req, r, media)
		}
		if loc := pickLocation(req); loc != nil {
			return f.pinForReport(ctx, req, r, loc)
		}
		return req.Reply(ctx, f.describe(ctx, r, req.Now()))
	}
	words := strings.Fields(strings.ToLower(rest))
	admin, err := req.IsAdmin(ctx)
	if err != nil {
		return fmt.Errorf("admin check: %w", err)
	}
	if words[0] == "send" && (len(words) == 1 || len(words) == 2 && words[1] == "anyway") {
		if !admin {
			switch {
			case !f.sendingSetUp():
				return bot.Userf("Sorry, only group admins can send a report to the council — and sending to the council isn't set up for this bot yet.")
			case f.cfg.AutoSendConfirmations > 0:
				return bot.Userf("Sorry, only group admins can send a report to the council. Once it has %d confirmations (%smetoo) it goes by itself.", f.cfg.AutoSendConfirmations, p)
			}
			return bot.Userf("Sorry, only group admins can send a report to the council — ask one of them.")
		}
		if len(words) == 2 {
			return f.adminSendAnyway(ctx, req, r)
		}
		return f.adminSend(ctx, req, r)
	}
	if words[0] == "check" && len(words) == 1 {
		if !admin {
			return bot.Userf("Sorry, only group admins can restart a report's council checks. %spothole %s shows the latest.", p, r.Ref())
		}
		return f.adminCheck(ctx, req, r)
	}
	status, dupWord, ok := parseStatus(words)
	if !ok {
		return bot.Userf("I don't know %q for %s. Admins can type %spothole %s send, check, or a status: investigating, in progress, action scheduled, fixed, not council's responsibility, duplicate P3, closed, open.",
			bot.Truncate(rest, 30), r.Ref(), p, r.Ref())
	}
	if !admin {
		return bot.Userf("Sorry, only group admins can change a report's status. If %s is fixed, type %sfixed %s — a second neighbour confirms it.", r.Ref(), p, r.Ref())
	}
	return f.adminSetStatus(ctx, req, r, status, dupWord)
}

// isReportAction reports whether the words after a report number are
// something an admin does to it (send, or a status) rather than the rest
// of a description.
func isReportAction(rest string) bool {
	words := strings.Fields(strings.ToLower(rest))
	if len(words) == 1 && (words[0] == "send" || words[0] == "check") || len(words) == 2 && words[0] == "send" && words[1] == "anyway" {
		return true
	}
	_, _, ok := parseStatus(words)
	return ok
}

// parseStatus reads the statuses admins type; for "duplicate P3" it also
// returns the reference word.
func parseStatus(words []string) (Status, string, bool) {
	joined := strings.NewReplacer("'", "", "’", "", "-", " ", "_", " ").Replace(strings.Join(words, " "))
	joined = strings.Join(strings.Fields(joined), " ")
	if w := strings.Fields(joined); len(w) == 2 && (w[0] == "duplicate" || w[0] == "dup" || w[0] == "dupe") {
		return StatusDuplicate, w[1], true
	}
	switch joined {
	case "open", "reopen":
		return StatusOpen, "", true
	case "investigating":
		return StatusInvestigating, "", true
	case "in progress", "inprogress":
		return StatusInProgress, "", true
	case "action scheduled", "scheduled", "planned":
		return StatusActionScheduled, "", true
	case "fixed", "done", "repaired":
		return StatusFixed, "", true
	case "not councils responsibility", "not council responsibility", "not responsible", "not the councils responsibility":
		return StatusNotResponsible, "", true
	case "duplicate", "dup", "dupe":
		return StatusDuplicate, "", true
	case "closed", "close":
		return StatusClosed, "", true
	}
	return "", "", false
}

// adminSetStatus records the status an admin gives a report in its group.
func (f *Feature) adminSetStatus(ctx context.Context, req *bot.Request, r Report, status Status, dupWord string) error {
	reply, err := f.setStatus(ctx, statusActor{PersonID: req.Sender.ID, Name: req.Sender.DisplayName(), Now: req.Now()}, r, status, dupWord)
	if err != nil {
		return err
	}
	return req.Reply(ctx, reply)
}

// statusActor is who sets a report's status: a group admin with the chat
// command, or council staff on the staff page (Name "Sam (web)").
type statusActor struct {
	PersonID int64
	Name     string
	Now      time.Time
}

// setStatus records the status someone gives a report, settles the jobs
// that status makes moot or needed again, audits it under their name and
// says what changed. The chat command and the staff page both come here.
func (f *Feature) setStatus(ctx context.Context, who statusActor, r Report, status Status, dupWord string) (string, error) {
	p := f.prefix
	var link dupLink
	if status == StatusDuplicate {
		var err error
		if link, err = f.duplicateLink(ctx, r, dupWord); err != nil {
			return "", err
		}
		r.DuplicateOf = link.root.ID
	} else {
		r.DuplicateOf = 0
	}
	if r.Status == status && status != StatusDuplicate {
		return "", bot.Userf("%s is already marked %s.", r.Ref(), status)
	}
	now := who.Now
	wasResolved := r.Status.Resolved()
	r.Status, r.Updated = status, now
	r.FixClaimAt, r.FixClaimBy = time.Time{}, 0
	if status.Resolved() && (r.SendState == sendQueued || r.SendState == sendRetrying) {
		r.SendState, r.NextSendAt = sendNone, time.Time{}
	}
	if err := f.store.apply(ctx, r, change{saveMutables: true, events: []event{{At: now, ActorID: who.PersonID, Kind: "status", Detail: strings.TrimSpace(string(status) + " " + link.detail)}}}); err != nil {
		return "", err
	}
	// Any status an admin sets answers a pending !fixed.
	if err := f.jobs.Cancel(ctx, claimPrefix(r.ID)); err != nil {
		return "", err
	}
	if status.Resolved() {
		if err := f.cancelFollowUps(ctx, r.ID); err != nil {
			return "", err
		}
	} else if wasResolved {
		if err := f.followReopened(ctx, who.PersonID, r, now); err != nil {
			return "", err
		}
	}
	if err := f.auditLog.Record(ctx, bot.AuditEntry{Chat: r.Chat, ActorID: who.PersonID, ActorName: who.Name,
		Action: "potholes.status", Detail: strings.TrimSpace(r.Ref() + " " + string(status) + " " + link.detail)}); err != nil {
		return "", err
	}
	if status == StatusDuplicate {
		origRef := link.root.Ref()
		if link.root.Status.Resolved() {
			// !metoo refuses a resolved report, so don't point people at it.
			return fmt.Sprintf("%s is now marked a duplicate of %s%s, which is already closed. If the problem is back, log it again with %spothole.", r.Ref(), origRef, link.viaNote, p), nil
		}
		return fmt.Sprintf("%s is now marked a duplicate of %s%s. Confirmations go to %s: %smetoo %s.", r.Ref(), origRef, link.viaNote, origRef, p, origRef), nil
	}
	return fmt.Sprintf("%s is now marked %s.", r.Ref(), status), nil
}

// dupLink is where a report marked a duplicate points: the original still
// followed, the history detail, and a note when it was reached through
// another duplicate.
type dupLink struct {
	root            Report
	detail, viaNote string
}

// duplicateLink resolves "duplicate P3" for report r, refusing a missing
// reference, r itself and a circle of duplicates.
func (f *Feature) duplicateLink(ctx context.Context, r Report, dupWord string) (dupLink, error) {
	if dupWord == "" {
		return dupLink{}, bot.Userf("Which report is %s a duplicate of? Type %spothole %s duplicate P3.", r.Ref(), f.prefix, r.Ref())
	}
	orig, err := f.loadRefIn(ctx, r.Chat, dupWord)
	if err != nil {
		return dupLink{}, err
	}
	if orig.ID == r.ID {
		return dupLink{}, bot.Userf("%s can't be a duplicate of itself.", r.Ref())
	}
	circle, err := f.leadsTo(ctx, orig, r.ID)
	if err != nil {
		return dupLink{}, err
	}
	if circle {
		return dupLink{}, bot.Userf("%s is already marked a duplicate of %s, so %s can't be a duplicate of %s.", orig.Ref(), r.Ref(), r.Ref(), orig.Ref())
	}
	// Link to the original, not to another duplicate, so confirmations
	// and !metoo always land on the report that is still followed.
	root, _, err := f.duplicateTrail(ctx, orig)
	if err != nil {
		return dupLink{}, err
	}
	link := dupLink{root: root, detail: "of " + root.Ref()}
	if root.ID != orig.ID {
		link.viaNote = fmt.Sprintf(" (%s is itself a duplicate of %s)", orig.Ref(), root.Ref())
		link.detail += ", via " + orig.Ref()
	}
	return link, nil
}

// followReopened restarts what a resolved report had stopped once an admin
// reopens it: polling the council and the "is it fixed?" question.
func (f *Feature) followReopened(ctx context.Context, by int64, r Report, now time.Time) error {
	if f.council != nil && (r.ServiceRequestID != "" || r.Token != "") {
		// Reopened after the council's request was closed here: follow it
		// again, for a new status_poll_for.
		if err := f.startPolling(ctx, r.ID, now); err != nil {
			return err
		}
		stopped, err := f.pollingStopped(ctx, r.ID)
		if err != nil {
			return err
		}
		if stopped {
			if err := f.store.apply(ctx, r, change{events: []event{{At: now, ActorID: by, Kind: pollRestartedEvent}}}); err != nil {
				return err
			}
		}
	}
	// A report reopened before the group was asked whether it's fixed
	// gets the question fixed_check_after from now.
	asked, err := f.store.hasEvent(ctx, r.ID, askedFixedEvent)
	if err != nil {
		return err
	}
	if asked {
		return nil
	}
	return f.scheduleFixedCheck(ctx, r.ID, now)
}

// cancelFollowUps drops a resolved report's pending jobs: sending, status
// checks, a !fixed claim's lapse and the "is it fixed?" question.
func (f *Feature) cancelFollowUps(ctx context.Context, id int64) error {
	for _, prefix := range []string{sendPrefix(id), pollPrefix(id), claimPrefix(id), fixedCheckPrefix(id)} {
		if err := f.jobs.Cancel(ctx, prefix); err != nil {
			return err
		}
	}
	return nil
}

// addPhoto attaches a photo to an existing report.
func (f *Feature) addPhoto(ctx context.Context, req *bot.Request, r Report, media *bot.Media) error {
	outcome, err := f.savePhoto(ctx, media)
	if err != nil {
		return err
	}
	if outcome.Photo == nil {
		return bot.Userf("%s", f.photoNote(outcome, r.Ref()))
	}
	dup, err := f.store.hasPhoto(ctx, r.ID, outcome.Photo.SHA256)
	if err != nil {
		return err
	}
	if dup {
		return bot.Userf("%s already has that photo.", r.Ref())
	}
	now := req.Now()
	r.Updated = now
	if err := f.store.apply(ctx, r, change{photo: outcome.Photo, photoBy: req.Sender.ID,
		events: []event{{At: now, ActorID: req.Sender.ID, Kind: "photo"}}}); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Photo added to %s — it now has %s.", r.Ref(), bot.Count(r.Photos+1, "photo")))
}

// handleMetoo counts a neighbour's confirmation of a report, with any photo
// they send or held back, and queues the report for the council once enough
// people have confirmed it.
func (f *Feature) handleMetoo(ctx context.Context, req *bot.Request) error {
	r, err := f.metooTarget(ctx, req)
	if err != nil {
		return err
	}
	already, err := f.store.hasConfirmed(ctx, r.ID, req.Sender.ID)
	if err != nil {
		return err
	}
	media := pickPhoto(req)
	if already {
		if media != nil {
			return f.addPhoto(ctx, req, r, media)
		}
		return bot.Userf("You've already confirmed %s (%s so far).", r.Ref(), confirmations(r.Confirmations))
	}
	outcome, heldPhoto, err := f.confirmationPhoto(ctx, req, r, media)
	if err != nil {
		return err
	}
	now := req.Now()
	r.Updated = now
	r.Confirmations++
	detail := ""
	if outcome.Photo != nil {
		detail = "with photo"
	}
	c := change{confirmBy: req.Sender.ID, photo: outcome.Photo, photoBy: req.Sender.ID,
		events: []event{{At: now, ActorID: req.Sender.ID, Kind: "confirmed", Detail: detail}}}
	autoSend := f.cfg.AutoSendConfirmations > 0 && r.Confirmations >= f.cfg.AutoSendConfirmations &&
		r.Status == StatusOpen && r.SendState == sendNone && f.cannotSend(r) == nil
	if autoSend {
		r.SendState, r.SendAttempts, r.NextSendAt = sendQueued, 0, now
		c.saveMutables = true
		c.events = append(c.events, event{At: now, Kind: "send queued", Detail: fmt.Sprintf("after %s", confirmations(r.Confirmations))})
		// The confirmation, the queued state and the send job go in
		// before the thanks, so a lost reply cannot strand the report.
		if err := f.queueSend(ctx, r, c); err != nil {
			return err
		}
	} else if err := f.store.apply(ctx, r, c); err != nil {
		return err
	}
	// Confirming a match answers "Already reported?": a pin held from that
	// attempt must not end up on a later, unrelated report.
	if err := f.dropHeldAttempt(ctx, req.Chat.ID, req.Sender.ID); err != nil {
		f.log().Error("drop held attempt", "report", r.ID, bot.KeyErr, err)
	}
	return req.Reply(ctx, f.metooThanks(r, outcome, heldPhoto, autoSend))
}

// metooTarget loads the report a !metoo names, refusing a duplicate (with
// the original to confirm instead), a resolved report and one's own report.
func (f *Feature) metooTarget(ctx context.Context, req *bot.Request) (Report, error) {
	p := f.prefix
	fields := req.Fields()
	if len(fields) == 0 {
		return Report{}, bot.Userf("Usage: %smetoo P7 — the report's number is in %spotholes.", p, p)
	}
	r, err := f.loadRef(ctx, req, fields[0])
	if err != nil {
		return Report{}, err
	}
	orig := r
	if r.Status == StatusDuplicate && r.DuplicateOf != 0 {
		if orig, _, err = f.duplicateTrail(ctx, r); err != nil {
			return Report{}, err
		}
	}
	switch {
	case orig.ID != r.ID:
		return Report{}, bot.Userf("%s is a duplicate of %s — type %smetoo %s instead.", r.Ref(), orig.Ref(), p, orig.Ref())
	case r.Status.Resolved():
		return Report{}, bot.Userf("%s is already marked %s. If the problem is back, log it again with %s DESCRIPTION.", r.Ref(), r.Status, f.fileCommand(r.Category))
	case r.ReporterID == req.Sender.ID:
		return Report{}, bot.Userf("%s is your own report — it already counts you. Ask a neighbour who's seen it to type %smetoo %s.", r.Ref(), p, r.Ref())
	}
	return r, nil
}

// confirmationPhoto is the photo a confirmation brings: the one sent now, or
// else the one held from the "Already reported?" attempt in the same
// category (heldPhoto). A photo the report already has is dropped.
func (f *Feature) confirmationPhoto(ctx context.Context, req *bot.Request, r Report, media *bot.Media) (outcome photoOutcome, heldPhoto bool, err error) {
	held, err := f.freshHeldAttempt(ctx, req)
	if err != nil {
		return outcome, false, err
	}
	heldPhoto = media == nil && held.Photo != nil && held.Category == r.Category
	if heldPhoto {
		outcome = held.photoOutcome()
	}
	if media != nil {
		if outcome, err = f.savePhoto(ctx, media); err != nil {
			return outcome, heldPhoto, err
		}
	}
	if outcome.Photo != nil {
		dup, err := f.store.hasPhoto(ctx, r.ID, outcome.Photo.SHA256)
		if err != nil {
			return outcome, heldPhoto, err
		}
		if dup {
			outcome.Photo = nil
		}
	}
	return outcome, heldPhoto, nil
}

// metooThanks is the reply to a confirmation: the new count, what became of
// the photo, and whether the report is now on its way to the council.
func (f *Feature) metooThanks(r Report, outcome photoOutcome, heldPhoto, autoSend bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Thanks — %s now has %s", r.Ref(), confirmations(r.Confirmations))
	switch {
	case outcome.Photo != nil && heldPhoto:
		b.WriteString(" and the photo from your earlier message")
	case outcome.Photo != nil:
		b.WriteString(" and your photo")
	case heldPhoto:
		b.WriteString(" (it already has the photo you sent earlier)")
	}
	b.WriteString(".")
	if autoSend {
		b.WriteString(" That's enough to send it to the council — I'll post here when it's gone.")
	}
	if note := f.photoNote(outcome, r.Ref()); note != "" {
		b.WriteString("\n" + note)
	}
	return b.String()
}

func (f *Feature) handleFixed(ctx context.Context, req *bot.Request) error {
	p := f.prefix
	fields := req.Fields()
	if len(fields) == 0 {
		return bot.Userf("Usage: %sfixed P7 — the report's number is in %spotholes.", p, p)
	}
	r, err := f.loadRef(ctx, req, fields[0])
	if err != nil {
		return err
	}
	if r.Status.Resolved() {
		return bot.Userf("%s is already marked %s.", r.Ref(), r.Status)
	}
	now := req.Now()
	var evs []event
	lapsed := f.claimLapsed(r, now)
	if lapsed {
		// Its lapse job hasn't run yet (the bot was down): an old claim
		// must not be confirmed now, so this starts a new one.
		evs = append(evs, f.lapseEvent(r))
		r.FixClaimAt, r.FixClaimBy = time.Time{}, 0
	}
	if r.FixClaimAt.IsZero() {
		r.FixClaimAt, r.FixClaimBy, r.Updated = now, req.Sender.ID, now
		evs = append(evs, event{At: now, ActorID: req.Sender.ID, Kind: "said fixed"})
		if err := f.store.apply(ctx, r, change{saveMutables: true, events: evs}); err != nil {
			return err
		}
		if err := f.scheduleClaimLapse(ctx, r); err != nil {
			return err
		}
		ask := fmt.Sprintf("one more neighbour confirm %s is fixed within %s? Type %sfixed %s.",
			r.Ref(), bot.FormatDuration(f.cfg.FixedClaimExpiry.D()), p, r.Ref())
		if lapsed {
			return req.Reply(ctx, fmt.Sprintf("Thanks — the earlier %sfixed %s ran out without a second neighbour, so yours starts a new one. Can %s", p, r.Ref(), ask))
		}
		return req.Reply(ctx, "Thanks — can "+ask)
	}
	if r.FixClaimBy == req.Sender.ID {
		return bot.Userf("You've already said %s is fixed — it needs another neighbour to confirm with %sfixed %s.", r.Ref(), p, r.Ref())
	}
	r.Status, r.Updated = StatusFixed, now
	r.FixClaimAt, r.FixClaimBy = time.Time{}, 0
	if r.SendState == sendQueued || r.SendState == sendRetrying {
		r.SendState, r.NextSendAt = sendNone, time.Time{}
	}
	if err := f.store.apply(ctx, r, change{saveMutables: true, events: []event{{At: now, ActorID: req.Sender.ID, Kind: "confirmed fixed"}}}); err != nil {
		return err
	}
	if err := f.cancelFollowUps(ctx, r.ID); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("%s is marked fixed — two neighbours agree. Thanks!", r.Ref()))
}

// describe shows one report with its history.
func (f *Feature) describe(ctx context.Context, r Report, now time.Time) string {
	p := f.prefix
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s · %s", r.Ref(), r.Category, r.Status)
	if r.Status == StatusDuplicate && r.DuplicateOf != 0 {
		fmt.Fprintf(&b, " of P%d", r.DuplicateOf)
		if orig, _, err := f.duplicateTrail(ctx, r); err != nil {
			f.log().Error("follow duplicates", "report", r.ID, bot.KeyErr, err)
		} else if orig.ID != r.DuplicateOf {
			fmt.Fprintf(&b, ", itself a duplicate of %s", orig.Ref())
		}
	}
	b.WriteString("\n" + r.Description)
	fmt.Fprintf(&b, "\nReported by %s %s · %s", f.personName(ctx, r.ReporterID), age(r.Created, now), confirmations(r.Confirmations))
	if r.Photos > 0 {
		b.WriteString(" · " + bot.Count(r.Photos, "photo"))
	}
	if r.HasLocation {
		fmt.Fprintf(&b, "\nLocation: %.5f, %.5f", r.Lat, r.Long)
	}
	f.writeCouncilState(ctx, &b, r, now)
	if (r.ServiceRequestID != "" || r.Token != "") && !r.Status.Resolved() {
		if stopped, err := f.pollingStopped(ctx, r.ID); err != nil {
			f.log().Error("council checks state", "report", r.ID, bot.KeyErr, err)
		} else if stopped {
			fmt.Fprintf(&b, "\nI've stopped checking with the council for updates. An admin can restart the checks with %spothole %s check.", p, r.Ref())
		}
	}
	if !r.FixClaimAt.IsZero() && !f.claimLapsed(r, now) {
		fmt.Fprintf(&b, "\nSaid to be fixed by %s — a second neighbour can confirm with %sfixed %s until %s.",
			f.personName(ctx, r.FixClaimBy), p, r.Ref(), f.when(f.claimLapsesAt(r.FixClaimAt)))
	}
	f.writeHistory(ctx, &b, r.ID)
	return b.String()
}

// writeCouncilState says where the report stands with the council: its
// reference, or how far sending it has got and what an admin can do.
func (f *Feature) writeCouncilState(ctx context.Context, b *strings.Builder, r Report, now time.Time) {
	p := f.prefix
	switch {
	case r.ServiceRequestID != "":
		fmt.Fprintf(b, "\nCouncil reference: %s", r.ServiceRequestID)
		if r.CouncilExpected != "" && !r.Status.Resolved() {
			if d, ok := f.formatExpected(r.CouncilExpected, now); ok {
				b.WriteString(" · expected by " + d)
			}
		}
	case r.Token != "":
		b.WriteString("\nSent to the council; waiting for their reference number.")
	case r.SendState == sendDone:
		if to, err := f.emailedTo(ctx, r); err != nil {
			f.log().Error("emailed to", "report", r.ID, bot.KeyErr, err)
		} else if to != "" {
			fmt.Fprintf(b, "\nEmailed to the council (%s); admins set its status here as the council replies.", to)
		}
	case r.SendState == sendRetrying:
		fmt.Fprintf(b, "\nNot sent yet: %s (attempt %d failed; next try %s).", r.LastSendError, r.SendAttempts, f.when(r.NextSendAt))
	case r.SendState == sendFailed:
		fmt.Fprintf(b, "\nNot sent: %s. An admin can retry with %spothole %s send.", r.LastSendError, p, r.Ref())
	case r.SendState == sendWaiting:
		if text, err := f.waitingText(ctx, r, false); err != nil {
			f.log().Error("waiting text", "report", r.ID, bot.KeyErr, err)
		} else if text != "" {
			b.WriteString("\nNot sent yet: " + text)
		} else {
			b.WriteString("\nWaiting for the council's questions to be answered.")
		}
	case r.SendState == sendQueued:
		if paused, err := f.sendPaused(ctx, r); err != nil {
			f.log().Error("send state", "report", r.ID, bot.KeyErr, err)
		} else if paused {
			fmt.Fprintf(b, "\nNot sent: it was due while the group had the bot or potholes off. An admin can send it with %spothole %s send.", p, r.Ref())
			break
		}
		b.WriteString("\nQueued to send to the council.")
	case r.SendState == sendSending || r.SendState == sendUnsure:
		fmt.Fprintf(b, "\nMay already have reached the council at %s — the bot stopped before hearing back, so it won't send it again by itself. An admin can type %spothole %s send again to retry.",
			f.when(r.SendStartedAt), p, r.Ref())
	}
}

// writeHistory lists the report's last events, oldest first, leaving out
// the bookkeeping ones residents need not see.
func (f *Feature) writeHistory(ctx context.Context, b *strings.Builder, id int64) {
	all, err := f.store.events(ctx, id)
	if err != nil {
		f.log().Error("load history", "report", id, bot.KeyErr, err)
		return
	}
	var evs []event
	for _, ev := range all {
		if ev.Kind != fixedDueEvent { // bookkeeping for the day's question
			evs = append(evs, ev)
		}
	}
	const maxHistory = 10
	b.WriteString("\nHistory:")
	if len(evs) > maxHistory {
		fmt.Fprintf(b, "\n• (%d earlier)", len(evs)-maxHistory)
		evs = evs[len(evs)-maxHistory:]
	}
	for _, ev := range evs {
		fmt.Fprintf(b, "\n• %s — %s", f.when(ev.At), f.eventText(ctx, ev))
	}
}

func (f *Feature) eventText(ctx context.Context, ev event) string {
	return f.eventTextAs(ev, f.personName(ctx, ev.ActorID))
}

// eventTextAs is a history line with its person shown as who.
func (f *Feature) eventTextAs(ev event, who string) string {
	withDetail := func(s string) string {
		if ev.Detail == "" {
			return s
		}
		return s + " (" + ev.Detail + ")"
	}
	switch ev.Kind {
	case "filed":
		return withDetail("filed by " + who)
	case "confirmed":
		return withDetail("confirmed by " + who)
	case "photo":
		return "photo added by " + who
	case "pin added", "pin moved":
		return "location " + strings.TrimPrefix(ev.Kind, "pin ") + " by " + who
	case "status":
		return ev.Detail + " — set by " + who
	case "said fixed":
		return "said fixed by " + who
	case "confirmed fixed":
		return "fixed — confirmed by " + who
	case askedFixedEvent:
		return "asked the group whether it's fixed"
	case "fixed claim lapsed":
		return withDetail(fmt.Sprintf("%s's %sfixed lapsed", who, f.prefix))
	case pollRestartedEvent:
		return "status checks restarted by " + who
	case councilAnswerEvent:
		code, val, _ := strings.Cut(ev.Detail, "=")
		if val == "" {
			val = "skipped"
		}
		return fmt.Sprintf("council's question %s answered by %s: %s", code, who, bot.Truncate(val, 60))
	case emailedEvent:
		// "emailed to highways@council.example.gov.uk, attempt 1"
		return "emailed " + ev.Detail
	case sendAnywayEvent:
		return withDetail("sending without the council's answers asked by " + who)
	case "send queued":
		if ev.ActorID != 0 {
			return withDetail("sending asked by " + who)
		}
		return withDetail("sending queued")
	}
	// Council and sending events are written by the bot in full.
	return ev.Kind + ": " + ev.Detail
}

// personName shows a person by name in the group; forgotten people are "a
// former neighbour".
func (f *Feature) personName(ctx context.Context, id int64) string {
	if id == 0 {
		return "a former neighbour"
	}
	p, err := f.core.PersonByID(ctx, id)
	if err != nil {
		return "a neighbour"
	}
	return p.DisplayName()
}

func (f *Feature) when(t time.Time) string {
	return t.In(f.deps.Location).Format("Mon 2 Jan 15:04")
}
