// Package power owns power-cut checks: "is it just me or the whole
// street?" answered with a group poll and typed !off / !on answers, a
// verdict when the check's window ends, restoration with the outage's
// duration (and the compensation hint for long cuts), the group's check
// history, and an optional lookup of incidents the network operator already
// knows about. Its tables are power_checks, power_votes and power_groups.
package power

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"

	"neighbourbot/bot"
	"neighbourbot/commands/polling"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migrations returns the package's schema.
func Migrations() bot.Migrations {
	return bot.MigrationsIn("power", migrationFS)
}

// FeatureName is the feature family groups switch on and off.
const FeatureName = "power"

const (
	pollKind     = "power"
	pollQuestion = "Is your power off right now?"
	optionOff    = "Off"
	optionOn     = "On"
	jobWindow    = "power.window"
	jobExpire    = "power.expire"
	jobResend    = "power.resend"
	historyLimit = 10
	// maxIncidentsShown keeps the verdict short when several incidents
	// touch the group's area.
	maxIncidentsShown = 2
)

// Deps are what the feature needs beyond the engine.
type Deps struct {
	// Location is the local time zone for times shown to residents.
	Location *time.Location
	// Incidents is the network operator's feed; nil turns the lookup off.
	Incidents IncidentSource
	// Quiet holds unplanned-incident alerts until the morning.
	Quiet bot.QuietHours
	// Sources receives how the operator polls stand (metrics); optional.
	Sources polling.Observer
}

// log is the bot's logger with lines marked as power's.
func (f *Feature) log() *slog.Logger { return f.lg }

// Feature is the registered power feature, holding the handles of its Kit.
type Feature struct {
	clock     bot.Clock
	lg        *slog.Logger
	prefix    string
	core      bot.Core
	jobs      *bot.Jobs
	out       *bot.Outbox
	auditLog  *bot.AuditLog
	cfg       Config
	st        *store
	loc       *time.Location
	incidents IncidentSource
	quiet     bot.QuietHours
	poller    *polling.Poller
}

type jobPayload struct {
	Check int64 `json:"check"`
}

// Register wires the power commands, poll, jobs, hint listener and
// personal-data provider in through the handles of k, the feature's Kit.
func Register(k bot.Kit, cfg Config, deps Deps) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("power config: %w", err)
	}
	loc := deps.Location
	if loc == nil {
		loc = time.UTC
	}
	f := &Feature{clock: k.Clock, lg: k.Log, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, auditLog: k.Audit,
		cfg: cfg, st: &store{db: k.Core.DB()}, loc: loc, incidents: deps.Incidents, quiet: deps.Quiet}
	k.Reg.Declare(bot.Feature{Name: FeatureName, Description: "power-cut checks: is it just me or the whole street?"})
	// Help lines start lower-case: !help shows them after "!power … — " and
	// capitalises them when one command is asked about.
	p := k.Prefix
	k.Reg.Handle(bot.Route{Name: "power", Aliases: []string{"powercut", "outage"}, Lists: true, Usage: "[on|history|suggest on/off|alerts on/off]",
		Help: fmt.Sprintf("start a power check to find out whether it's just you or the whole street; %spower on says it's back, %spower history lists past checks, %spower suggest on or off (admins) switches whether I offer a check when someone asks about a power cut, and %spower alerts on or off (admins) whether I post the network operator's power cuts and planned work in this area",
			p, p, p, p),
		Feature: FeatureName, Scope: bot.GroupOnly, Handler: f.handlePower})
	k.Reg.Handle(bot.Route{Name: "off", Help: "answer a running power check: your power is off",
		Feature: FeatureName, Scope: bot.GroupOnly, Handler: func(ctx context.Context, req *bot.Request) error { return f.handleAnswer(ctx, req, true) }})
	k.Reg.Handle(bot.Route{Name: "on", Help: "answer a running power check: your power is on",
		Feature: FeatureName, Scope: bot.GroupOnly, Handler: func(ctx context.Context, req *bot.Request) error { return f.handleAnswer(ctx, req, false) }})
	k.Reg.Handle(bot.Route{Name: "restored", Help: "say the power is back: closes the power check and notes how long the cut lasted",
		Feature: FeatureName, Scope: bot.GroupOnly, Handler: f.handleRestored})
	k.Reg.HandlePoll(pollKind, f.pollVote)
	bot.HandleFetchOf(k.Jobs, jobWindow, f.windowJob)
	bot.HandleJobOf(k.Jobs, jobExpire, f.expireJob)
	bot.HandleJobOf(k.Jobs, jobResend, f.resendJob)
	k.Reg.Listen(f.listen)
	k.Reg.AddDataProvider(dataProvider{f})
	if err := f.resume(context.Background()); err != nil {
		return fmt.Errorf("power start-up: %w", err)
	}
	if err := f.registerAlerts(context.Background(), k, deps.Sources); err != nil {
		return fmt.Errorf("power start-up: %w", err)
	}
	return nil
}

// resume plans again the jobs of every unfinished check. A check is
// committed before its jobs are scheduled, so a crash (or a failed
// Schedule) in between would otherwise leave it open with no verdict and
// no expiry; scheduling under the same keys replaces jobs that exist.
func (f *Feature) resume(ctx context.Context) error {
	checks, err := f.st.unfinished(ctx)
	if err != nil {
		return err
	}
	for _, c := range checks {
		if err := f.scheduleJobs(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// scheduleJobs plans a check's verdict (while it is open) and its expiry.
func (f *Feature) scheduleJobs(ctx context.Context, c check) error {
	payload := jobPayload{Check: c.ID}
	if c.State == stateOpen {
		if err := f.jobs.Schedule(ctx, jobWindow, jobKeyPrefix(c.ID)+"window", c.WindowEnds, payload); err != nil {
			return fmt.Errorf("schedule verdict of check %d: %w", c.ID, err)
		}
	}
	if err := f.jobs.Schedule(ctx, jobExpire, jobKeyPrefix(c.ID)+"expire", f.expiresAt(c), payload); err != nil {
		return fmt.Errorf("schedule expiry of check %d: %w", c.ID, err)
	}
	return nil
}

func (f *Feature) expiresAt(c check) time.Time { return c.StartedAt.Add(f.cfg.CloseAfter.D()) }

// current is the group's unfinished check, brought up to date first: an
// open check whose window has passed gets its verdict now, and one past
// close_after is closed, whether or not their jobs ran. Nothing can leave
// a group stuck behind a check that never finishes.
func (f *Feature) current(ctx context.Context, chat bot.ChatID, now time.Time) (check, bool, error) {
	c, ok, err := f.st.active(ctx, chat)
	if err != nil || !ok {
		return c, ok, err
	}
	switch {
	case c.State == stateOpen && !now.Before(c.WindowEnds):
		// Its job was lost: the verdict comes now, without asking the
		// operator (no outside call while a message is handled).
		err = f.finishCheck(ctx, c, nil)
	case !now.Before(f.expiresAt(c)):
		err = f.closeExpired(ctx, c.ID, now)
	default:
		return c, true, nil
	}
	if err != nil {
		return check{}, false, err
	}
	return f.st.active(ctx, chat)
}

// closeExpired closes a check past close_after that its expiry job did
// not close, and drops whatever jobs it still has.
func (f *Feature) closeExpired(ctx context.Context, id int64, now time.Time) error {
	if _, err := f.st.expire(ctx, id, now); err != nil {
		return err
	}
	if err := f.jobs.Cancel(ctx, jobKeyPrefix(id)); err != nil {
		f.log().Warn("cancel jobs of an expired check", "check", id, bot.KeyErr, err)
	}
	return nil
}

func jobKeyPrefix(id int64) string { return "power:check:" + strconv.FormatInt(id, 10) + ":" }

// checkFromKey reads the check id back from a job key made with
// jobKeyPrefix; 0 when the key is not one.
func checkFromKey(key string) int64 {
	rest, ok := strings.CutPrefix(key, "power:check:")
	if !ok {
		return 0
	}
	num, _, _ := strings.Cut(rest, ":")
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

func (f *Feature) usage(req *bot.Request) error {
	return bot.Userf("Usage: %s to start a power check, %s on when it's back, %s history for past checks.",
		req.Cmd("power"), req.Cmd("power"), req.Cmd("power"))
}

func (f *Feature) handlePower(ctx context.Context, req *bot.Request) error {
	fields := req.Fields()
	if len(fields) == 0 {
		return f.startOrTally(ctx, req)
	}
	sub := strings.ToLower(fields[0])
	// "!power off here too", "!power on 🎉": the rest is chatter.
	rest := onlyChatter(strings.Join(fields[1:], " "))
	switch {
	case sub == "off" && rest:
		return f.startOrVoteOff(ctx, req)
	case (sub == "on" || sub == "back" || sub == "restored") && rest:
		return f.restore(ctx, req)
	case sub == "history" && len(fields) == 1:
		return f.history(ctx, req)
	case sub == "suggest" && len(fields) <= 2:
		return f.suggestCommand(ctx, req, fields[1:])
	case sub == "alerts" && len(fields) <= 2:
		return f.alertsCommand(ctx, req, fields[1:])
	}
	return f.usage(req)
}

func (f *Feature) handleRestored(ctx context.Context, req *bot.Request) error {
	if !onlyChatter(req.Args) {
		return bot.Userf("Just type %s when the power is back — nothing after it.", req.Cmd("restored"))
	}
	return f.restore(ctx, req)
}

// startOrVoteOff is "!power off": an answer during a running check, a new
// check otherwise.
func (f *Feature) startOrVoteOff(ctx context.Context, req *bot.Request) error {
	c, ok, err := f.current(ctx, req.Chat.ID, req.Now())
	if err != nil {
		return err
	}
	if ok && c.State == stateOpen {
		return f.typedVote(ctx, req, true)
	}
	return f.startOrTally(ctx, req)
}

func (f *Feature) startOrTally(ctx context.Context, req *bot.Request) error {
	chat := req.Chat.ID
	c, ok, err := f.current(ctx, chat, req.Now())
	if err != nil {
		return err
	}
	if ok && c.State == stateOpen {
		t, err := f.st.tally(ctx, c.ID)
		if err != nil {
			return err
		}
		return req.Reply(ctx, fmt.Sprintf("A power check is already running (result at %s): %s so far. Vote in the poll or type %s / %s.",
			f.timeOfDay(c.WindowEnds), countsText(t), req.Cmd("off"), req.Cmd("on")))
	}
	if ok && c.Verdict == verdictSeveral {
		return req.Reply(ctx, fmt.Sprintf("A power cut has been open here since %s (%s off at the peak). When your power is back, type %s. If it came back and went off again, type %s and then %s.",
			f.when(c.StartedAt, req.Now()), homes(c.PeakOff), req.Cmd("power on"), req.Cmd("power on"), req.Cmd("power")))
	}
	var closeEarlier int64
	if ok {
		// A finished check with nothing left to wait for (just one home):
		// a new question from the street replaces it.
		closeEarlier = c.ID
	}
	now := req.Now()
	nc, err := f.st.start(ctx, chat, req.Sender.ID, now, now.Add(f.cfg.Window.D()), closeEarlier)
	if err != nil {
		return err
	}
	if closeEarlier != 0 {
		if err := f.jobs.Cancel(ctx, jobKeyPrefix(closeEarlier)); err != nil {
			f.log().Warn("cancel jobs of replaced check", "check", closeEarlier, bot.KeyErr, err)
		}
	}
	if err := f.scheduleJobs(ctx, nc); err != nil {
		// Nothing has been said yet: take the check back rather than leave
		// one the group was never told about.
		if derr := f.st.discard(ctx, nc.ID); derr != nil {
			return errors.Join(err, derr)
		}
		if cerr := f.jobs.Cancel(ctx, jobKeyPrefix(nc.ID)); cerr != nil {
			f.log().Warn("cancel jobs of a discarded check", "check", nc.ID, bot.KeyErr, cerr)
		}
		return err
	}
	status, err := req.Say(ctx, f.statusText(nc, req.Sender.DisplayName(), tally{Off: 1, OnlyOff: req.Sender.ID}))
	if err != nil {
		return err
	}
	if err := f.st.setStatusMsg(ctx, nc.ID, status); err != nil {
		return err
	}
	if _, err := f.out.SendPoll(ctx, pollKind, strconv.FormatInt(nc.ID, 10), bot.OutPoll{Chat: chat, Question: pollQuestion, Options: []string{optionOff, optionOn}}); err != nil {
		// Typed answers still work without the poll.
		f.log().Warn("send poll", "check", nc.ID, bot.KeyErr, err)
	}
	return nil
}

// chatterWords are what people add to a one-word answer without changing
// it: "!off here too", "!on again", "!off 😩", "!off at no 12".
var chatterWords = map[string]bool{
	"here": true, "too": true, "also": true, "me": true, "us": true, "as": true, "well": true, "still": true,
	"again": true, "now": true, "same": true, "ditto": true, "yes": true, "yep": true, "yeah": true, "ours": true,
	"mine": true, "our": true, "my": true, "at": true, "no": true, "number": true, "house": true, "home": true,
	"end": true, "this": true, "of": true, "the": true, "street": true, "road": true, "power": true, "is": true,
	"it's": true, "its": true, "lights": true, "off": true, "on": true, "out": true, "back": true, "all": true,
	"and": true, "ok": true, "thanks": true, "phew": true, "finally": true, "oh": true, "dear": true, "ugh": true,
}

// onlyChatter reports whether what follows !off / !on is only emoji,
// punctuation, house numbers and chatterWords, so the answer stands.
// Anything else ("!off since 8am we think the fuse…") is refused as before,
// since it may be a question for a person, not an answer.
func onlyChatter(args string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(args), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		if chatterWords[w] || strings.Trim(w, "0123456789") == "" {
			continue
		}
		return false
	}
	return true
}

// handleAnswer is a typed !off or !on.
func (f *Feature) handleAnswer(ctx context.Context, req *bot.Request, off bool) error {
	if !onlyChatter(req.Args) {
		return bot.Userf("Just type %s or %s — nothing after it.", req.Cmd("off"), req.Cmd("on"))
	}
	return f.typedVote(ctx, req, off)
}

func (f *Feature) typedVote(ctx context.Context, req *bot.Request, off bool) error {
	c, ok, err := f.current(ctx, req.Chat.ID, req.Now())
	if err != nil {
		return err
	}
	if !ok {
		return bot.Userf("No power check is running here. If your power is off, type %s to ask the street.", req.Cmd("power"))
	}
	if c.State != stateOpen {
		if off && c.Verdict == verdictSeveral {
			return bot.Userf("The power check has finished and the power cut is noted (result above) — no need to answer. When your power is back, type %s.", req.Cmd("power on"))
		}
		if off {
			return bot.Userf("The power check has finished — its result is above. If your power is off now, type %s.", req.Cmd("power"))
		}
		return bot.Userf("The power check has finished. If your power is back, type %s to close it.", req.Cmd("power on"))
	}
	prev, had, err := f.st.voteOf(ctx, c.ID, req.Sender.ID)
	if err != nil {
		return err
	}
	if had && prev.Off == off {
		return bot.Userf("You're already counted as %s in this check — nothing changed.", onOff(off))
	}
	t, err := f.st.setVote(ctx, c.ID, req.Sender.ID, &vote{Off: off, Source: sourceTyped}, req.Now())
	if err != nil {
		return err
	}
	if err := f.out.React(ctx, req.Msg.Ref(), "👍"); err != nil {
		return err
	}
	f.updateStatus(ctx, c, t)
	return nil
}

func (f *Feature) pollVote(ctx context.Context, req *bot.Request) error {
	id, err := strconv.ParseInt(req.Poll.Ref, 10, 64)
	if err != nil {
		f.log().Warn("poll with a bad reference", "ref", req.Poll.Ref)
		return nil
	}
	c, err := f.st.byID(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.Chat != req.Chat.ID || c.State != stateOpen {
		// Late votes on a finished check change nothing; the poll stays
		// in the chat history and people still tap it.
		f.log().Debug("vote after the check finished", "check", id)
		return nil
	}
	if !req.Now().Before(c.WindowEnds) {
		// The window is over but its job has not run (lost in a crash):
		// this vote is late, and the verdict is due now (without asking
		// the operator while the vote is handled).
		return f.finishCheck(ctx, c, nil)
	}
	var next *vote
	switch {
	case len(req.Votes) == 1 && req.Votes[0] == optionOff:
		next = &vote{Off: true, Source: sourcePoll}
	case len(req.Votes) == 1 && req.Votes[0] == optionOn:
		next = &vote{Off: false, Source: sourcePoll}
	case req.Sender.ID == c.StarterID:
		// Withdrawn (or both ticked): the starter falls back to the Off
		// that starting the check implied.
		next = &vote{Off: true, Source: sourceStarter}
	}
	prev, had, err := f.st.voteOf(ctx, c.ID, req.Sender.ID)
	if err != nil {
		return err
	}
	if (!had && next == nil) || (had && next != nil && prev.Off == next.Off && prev.Source == next.Source) {
		return nil
	}
	t, err := f.st.setVote(ctx, c.ID, req.Sender.ID, next, req.Now())
	if err != nil {
		return err
	}
	f.updateStatus(ctx, c, t)
	return nil
}

// updateStatus edits the check's one status message to the current
// tally. A failed edit is logged: the answer is already saved.
func (f *Feature) updateStatus(ctx context.Context, c check, t tally) {
	if c.StatusMsg == "" {
		return
	}
	if err := f.out.Edit(ctx, c.Chat, c.StatusMsg, f.statusText(c, f.starterName(ctx, c), t)); err != nil {
		f.log().Warn("update status message", "check", c.ID, bot.KeyErr, err)
	}
}

func (f *Feature) finalStatus(ctx context.Context, c check, outcome string) {
	if c.StatusMsg == "" {
		return
	}
	text := fmt.Sprintf("Power check started by %s at %s — %s", f.starterName(ctx, c), f.timeOfDay(c.StartedAt), outcome)
	if err := f.out.Edit(ctx, c.Chat, c.StatusMsg, text); err != nil {
		f.log().Warn("close status message", "check", c.ID, bot.KeyErr, err)
	}
}

func (f *Feature) starterName(ctx context.Context, c check) string {
	if c.StarterID == 0 {
		return "a neighbour"
	}
	p, err := f.core.PersonByID(ctx, c.StarterID)
	if err != nil {
		return "a neighbour"
	}
	return p.DisplayName()
}

func (f *Feature) statusText(c check, starter string, t tally) string {
	p := f.prefix
	return fmt.Sprintf("Power check started by %s at %s: is it just one home or the whole street?\nVote in the poll below or type %soff / %son. Result at %s.\nSo far: %s.",
		starter, f.timeOfDay(c.StartedAt), p, p, f.timeOfDay(c.WindowEnds), countsText(t))
}

func (f *Feature) windowJob(ctx context.Context, job bot.Job, p jobPayload) (bot.ApplyFunc, error) {
	c, err := f.st.byID(ctx, p.Check)
	if errors.Is(err, bot.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// The operator is asked with no unit of work held, and only when
	// someone reported the power off.
	var incidents []Incident
	if c.State == stateOpen && f.clock.Now().Before(f.expiresAt(c)) {
		t, err := f.st.tally(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		if t.Off > 0 {
			incidents = f.lookup(ctx, c.Chat)
		}
	}
	return func(ctx context.Context) error {
		c, err := f.st.byID(ctx, p.Check)
		if errors.Is(err, bot.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return f.finishCheck(ctx, c, incidents)
	}, nil
}

// finishCheck records an open check's verdict and posts it, with the
// operator's incidents found for it, unless the group has since switched
// the power feature (or the bot) off: then the verdict is kept for the
// history and nothing is posted.
func (f *Feature) finishCheck(ctx context.Context, c check, found []Incident) error {
	if c.State != stateOpen {
		return nil
	}
	if now := f.clock.Now(); !now.Before(f.expiresAt(c)) {
		// Days late (the bot was down): a verdict now would be stale.
		return f.closeExpired(ctx, c.ID, now)
	}
	t, err := f.st.tally(ctx, c.ID)
	if err != nil {
		return err
	}
	verdict := verdictNone
	switch {
	case t.Off >= 2:
		verdict = verdictSeveral
	case t.Off == 1:
		verdict = verdictSingle
	}
	var incidents []Incident
	if verdict != verdictNone {
		incidents = found
	}
	var refs []string
	for _, inc := range incidents {
		refs = append(refs, inc.Ref)
	}
	now := f.clock.Now()
	changed, err := f.st.finishWindow(ctx, c.ID, verdict, t, strings.Join(refs, ";"), incidentsJSON(incidents), now)
	if err != nil || !changed {
		return err
	}
	if verdict == verdictNone {
		if err := f.jobs.Cancel(ctx, jobKeyPrefix(c.ID)); err != nil {
			f.log().Warn("cancel expiry", "check", c.ID, bot.KeyErr, err)
		}
	}
	if on, err := f.postsAllowed(ctx, c.Chat); err != nil || !on {
		return err
	}
	f.finalStatus(ctx, c, fmt.Sprintf("finished at %s: %s. Result below.", f.timeOfDay(now), countsText(t)))
	msg := f.verdictMessage(ctx, c, t, verdict, incidents, now)
	// If WhatsApp is away, the verdict waits in the send queue; it is
	// dropped there if the group switches power off meanwhile, or once
	// the check would have closed (a verdict days late is stale).
	msg.Feature, msg.Expires = "power", f.expiresAt(c)
	if _, err := f.out.Send(ctx, msg); err != nil {
		if errors.Is(err, bot.ErrGroupOff) {
			f.log().Info("verdict not posted: the group switched the bot off", "check", c.ID)
			return nil
		}
		return err
	}
	return nil
}

// resendJob sends a verdict an older version could not send the first time
// (this version leaves that to the send queue), rebuilt from the check as it
// stands. Jobs planned by even older versions also carry the chat and the
// message's text and mentions but no check id; the id is then read from the
// job's key (power:check:ID:verdict).
func (f *Feature) resendJob(ctx context.Context, job bot.Job, p jobPayload) error {
	if p.Check == 0 {
		p.Check = checkFromKey(job.Key)
	}
	if p.Check == 0 {
		f.log().Error("resend job without a check; not sent", bot.KeyJob, job.ID)
		return nil
	}
	c, err := f.st.byID(ctx, p.Check)
	if errors.Is(err, bot.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if on, err := f.postsAllowed(ctx, c.Chat); err != nil || !on {
		return err
	}
	stale, err := f.verdictStale(ctx, c.ID, c.Chat)
	if err != nil || stale || c.Verdict == "" {
		return err
	}
	// The counts are the verdict's; who is named comes from the answers
	// as they stand, so a starter forgotten since is not.
	t, err := f.st.tally(ctx, c.ID)
	if err != nil {
		return err
	}
	if c.VerdictOff >= 0 && c.VerdictOn >= 0 {
		if t.Off != c.VerdictOff {
			t.OnlyOff = 0
		}
		t.Off, t.On = c.VerdictOff, c.VerdictOn
	}
	incidents, err := parseIncidents(c.IncidentDetails)
	if err != nil {
		// The verdict goes without the operator's line rather than not at all.
		f.log().Warn("stored incidents unreadable", "check", c.ID, bot.KeyErr, err)
	}
	msg := f.verdictMessage(ctx, c, t, c.Verdict, incidents, f.clock.Now())
	msg.Feature, msg.Expires = "power", f.expiresAt(c)
	_, err = f.out.Send(ctx, msg)
	if errors.Is(err, bot.ErrNotInChat) || errors.Is(err, bot.ErrGroupOff) {
		f.log().Warn("verdict not posted: the bot left the group or was switched off", "check", c.ID)
		return nil
	}
	return err
}

// shownIncident is what a verdict needs of an incident, as stored in
// power_checks.incident_details.
type shownIncident struct {
	Ref     string `json:"ref"`
	Planned bool   `json:"planned,omitempty"`
	ETA     int64  `json:"eta,omitempty"` // unix milliseconds; 0 when none was given
}

// incidentsJSON keeps the incidents a verdict names, for sending it again.
func incidentsJSON(incidents []Incident) string {
	if len(incidents) == 0 {
		return ""
	}
	shown := make([]shownIncident, 0, len(incidents))
	for _, inc := range incidents {
		si := shownIncident{Ref: inc.Ref, Planned: inc.Planned}
		if !inc.EstimatedRestoration.IsZero() {
			si.ETA = inc.EstimatedRestoration.UnixMilli()
		}
		shown = append(shown, si)
	}
	b, err := json.Marshal(shown)
	if err != nil {
		// Plain structs always encode; without them a resent verdict
		// only lacks the operator's line.
		return ""
	}
	return string(b)
}

// parseIncidents reads what incidentsJSON wrote.
func parseIncidents(s string) ([]Incident, error) {
	if s == "" {
		return nil, nil
	}
	var shown []shownIncident
	if err := json.Unmarshal([]byte(s), &shown); err != nil {
		return nil, fmt.Errorf("incident details: %w", err)
	}
	out := make([]Incident, 0, len(shown))
	for _, si := range shown {
		inc := Incident{Ref: si.Ref, Planned: si.Planned}
		if si.ETA != 0 {
			inc.EstimatedRestoration = time.UnixMilli(si.ETA).UTC()
		}
		out = append(out, inc)
	}
	return out, nil
}

// verdictStale reports whether a verdict still waiting to be sent has been
// overtaken: its check was restored, closed (other than by a "nobody off"
// verdict itself), purged, or followed by a newer check in the group.
func (f *Feature) verdictStale(ctx context.Context, id int64, chat bot.ChatID) (bool, error) {
	c, err := f.st.byID(ctx, id)
	if errors.Is(err, bot.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if !c.RestoredAt.IsZero() || (c.State == stateClosed && c.Verdict != verdictNone) {
		return true, nil
	}
	return f.st.newerCheck(ctx, chat, id)
}

// postsAllowed reports whether the bot may post power messages the group
// did not ask for just now: the bot and the power feature are both on.
func (f *Feature) postsAllowed(ctx context.Context, chat bot.ChatID) (bool, error) {
	gs, err := f.core.GroupSettings(ctx, chat)
	if err != nil {
		return false, fmt.Errorf("group settings: %w", err)
	}
	if !gs.Enabled || !gs.FeatureOn(FeatureName) {
		f.log().Info("scheduled post skipped: the group switched power or the bot off", bot.KeyChat, chat)
		return false, nil
	}
	return true, nil
}

// lookup asks the outage feed about the group's area. Any failure gives
// the plain answer: the check never waits on or breaks over the feed.
func (f *Feature) lookup(ctx context.Context, chat bot.ChatID) []Incident {
	if f.incidents == nil {
		return nil
	}
	gs, err := f.core.GroupSettings(ctx, chat)
	if err != nil {
		f.log().Warn("group settings for incident lookup", bot.KeyChat, chat, bot.KeyErr, err)
		return nil
	}
	if len(gs.Areas) == 0 {
		return nil
	}
	var all []Incident
	if as, ok := f.incidents.(AreaIncidentSource); ok {
		all, err = as.IncidentsFor(ctx, gs.Areas)
	} else {
		all, err = f.incidents.Incidents(ctx)
	}
	if err != nil {
		f.log().Warn("outage feed failed, giving the plain answer", bot.KeyChat, chat, bot.KeyErr, err)
		return nil
	}
	return MatchIncidents(all, gs.Areas)
}

func (f *Feature) verdictMessage(ctx context.Context, c check, t tally, verdict string, incidents []Incident, now time.Time) bot.OutMessage {
	p := f.prefix
	out := bot.OutMessage{Chat: c.Chat}
	var b strings.Builder
	fmt.Fprintf(&b, "Power check result: %s.\n", countsText(t))
	switch verdict {
	case verdictNone:
		fmt.Fprintf(&b, "Nobody reports the power off now — looks like it's back. If it goes off again, type %spower.", p)
		out.Text = b.String()
		return out
	case verdictSingle:
		b.WriteString("Looks like just your home")
		if t.OnlyOff != 0 && t.OnlyOff == c.StarterID {
			if starter, err := f.core.PersonByID(ctx, c.StarterID); err == nil {
				b.WriteString(", @" + starter.DisplayName())
				out.Mentions = append(out.Mentions, bot.MentionOf(starter))
			}
		}
		fmt.Fprintf(&b, ". Check your fuse box / trip switches; if you're on a prepayment meter check your credit; if your switches are fine, call %s — the cable to your home is the network operator's job.", f.cfg.ReportNumber)
		if len(incidents) > 0 {
			b.WriteString("\nNote: " + f.incidentLine(incidents, now))
		}
	case verdictSeveral:
		if len(incidents) > 0 {
			b.WriteString("Looks like a power cut affecting several homes.\n" + f.incidentLine(incidents, now))
			if f.cfg.OperatorLink != "" {
				b.WriteString(" Updates: " + f.cfg.OperatorLink)
			}
		} else {
			fmt.Fprintf(&b, "Looks like a power cut affecting several homes — call %s", f.cfg.ReportNumber)
			if f.cfg.OperatorLink != "" {
				b.WriteString(" or check " + f.cfg.OperatorLink)
			}
			b.WriteString("; only one of you needs to report it.")
		}
	}
	fmt.Fprintf(&b, "\nWhen it's back, type %spower on so I can note how long it lasted.", p)
	out.Text = b.String()
	return out
}

func (f *Feature) incidentLine(incidents []Incident, now time.Time) string {
	inc := incidents[0]
	var b strings.Builder
	if inc.Planned {
		b.WriteString("Your network operator has planned work here: incident " + inc.Ref)
	} else {
		b.WriteString("Your network operator already knows: incident " + inc.Ref)
	}
	if inc.EstimatedRestoration.IsZero() {
		b.WriteString(" (no estimated restoration time yet)")
	} else {
		b.WriteString(", estimated restoration " + f.when(inc.EstimatedRestoration, now))
	}
	fmt.Fprintf(&b, " — no need to call %s.", f.cfg.ReportNumber)
	if extra := len(incidents) - 1; extra > 0 {
		shown := min(extra, maxIncidentsShown-1)
		var refs []string
		for _, other := range incidents[1 : 1+shown] {
			refs = append(refs, other.Ref)
		}
		fmt.Fprintf(&b, " Also nearby: %s", strings.Join(refs, ", "))
		if extra > shown {
			fmt.Fprintf(&b, " and %d more", extra-shown)
		}
		b.WriteString(".")
	}
	return b.String()
}

func (f *Feature) restore(ctx context.Context, req *bot.Request) error {
	c, ok, err := f.st.active(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	if !ok {
		return bot.Userf("There's no power cut open here to mark as restored. If your power is off, type %s to ask the street.", req.Cmd("power"))
	}
	now := req.Now()
	changed, err := f.st.restore(ctx, c.ID, now)
	if err != nil {
		return err
	}
	if !changed {
		return bot.Userf("That power check is already closed.")
	}
	if err := f.jobs.Cancel(ctx, jobKeyPrefix(c.ID)); err != nil {
		f.log().Warn("cancel jobs of restored check", "check", c.ID, bot.KeyErr, err)
	}
	lasted := now.Sub(c.StartedAt)
	if err := f.auditLog.Record(ctx, bot.AuditEntry{Chat: req.Chat.ID, ActorID: req.Sender.ID, ActorName: req.Sender.DisplayName(),
		Action: "power.restored", Detail: fmt.Sprintf("check %d, %s", c.ID, bot.FormatDuration(lasted))}); err != nil {
		f.log().Warn("audit restoration", bot.KeyErr, err)
	}
	if c.State == stateOpen {
		f.finalStatus(ctx, c, fmt.Sprintf("closed at %s: power reported back.", f.timeOfDay(now)))
	}
	text := fmt.Sprintf("Power back — thanks, %s. It was off for at least %s (the check started %s). Power check closed.",
		req.Sender.DisplayName(), bot.FormatDuration(lasted), f.when(c.StartedAt, now))
	if lasted > f.cfg.CompensationAfter.D() {
		text += "\n" + f.cfg.CompensationText
	}
	return req.Reply(ctx, text)
}

func (f *Feature) expireJob(ctx context.Context, job bot.Job, p jobPayload) error {
	closed, err := f.st.expire(ctx, p.Check, f.clock.Now())
	if err != nil {
		return err
	}
	if closed {
		f.log().Info("closed a check nobody marked restored", "check", p.Check)
	}
	return nil
}

func (f *Feature) history(ctx context.Context, req *bot.Request) error {
	checks, err := f.st.history(ctx, req.Chat.ID, historyLimit)
	if err != nil {
		return err
	}
	if len(checks) == 0 {
		return req.Reply(ctx, fmt.Sprintf("No power checks in this group yet. If your power goes off, type %s.", req.Cmd("power")))
	}
	now := req.Now()
	var b strings.Builder
	b.WriteString("Power checks here, latest first:")
	for _, c := range checks {
		b.WriteString("\n• " + f.when(c.StartedAt, now))
		switch {
		case c.State == stateOpen:
			fmt.Fprintf(&b, ", running now (result at %s)", f.timeOfDay(c.WindowEnds))
		case c.State == stateEnded:
			b.WriteString(", not reported back yet")
		case !c.RestoredAt.IsZero():
			fmt.Fprintf(&b, " → %s (%s)", f.endWhen(c.StartedAt, c.RestoredAt), bot.FormatDuration(c.RestoredAt.Sub(c.StartedAt)))
		case c.Verdict == verdictNone:
			fmt.Fprintf(&b, " → %s, nobody off at the end of the check", f.endWhen(c.StartedAt, c.ClosedAt))
		default:
			b.WriteString(", end not reported")
		}
		fmt.Fprintf(&b, " — peak %s off", homes(c.PeakOff))
	}
	return req.Reply(ctx, b.String())
}

func (f *Feature) suggestCommand(ctx context.Context, req *bot.Request, args []string) error {
	if len(args) == 0 {
		on, _, err := f.st.suggestState(ctx, req.Chat.ID)
		if err != nil {
			return err
		}
		state := "off"
		if on {
			state = "on"
		}
		return req.Reply(ctx, fmt.Sprintf("The power-check hint is %s here. A group admin can switch it with %s on or %s off.",
			state, req.Cmd("power suggest"), req.Cmd("power suggest")))
	}
	on, ok := bot.ParseOnOff(args[0])
	if !ok {
		return bot.Userf("Usage: %s on or %s off.", req.Cmd("power suggest"), req.Cmd("power suggest"))
	}
	admin, err := req.IsAdmin(ctx)
	if err != nil {
		return err
	}
	if !admin {
		return bot.Userf("Sorry, only group admins can switch the power-check hint on or off.")
	}
	if err := f.st.setSuggest(ctx, req.Chat.ID, on); err != nil {
		return err
	}
	if err := f.auditLog.Record(ctx, bot.AuditEntry{Chat: req.Chat.ID, ActorID: req.Sender.ID, ActorName: req.Sender.DisplayName(),
		Action: "power.suggest", Detail: onOff(!on)}); err != nil {
		f.log().Warn("audit hint switch", bot.KeyErr, err)
	}
	if on {
		return req.Reply(ctx, fmt.Sprintf("Power-check hint on: when someone says the power is off, I'll suggest %s.", req.Cmd("power")))
	}
	return req.Reply(ctx, "Power-check hint off.")
}

// listen offers a check when someone asks about the power, in groups whose
// admins switched the hint on, at most once per suggest_cooldown.
func (f *Feature) listen(ctx context.Context, req *bot.Request) error {
	if !req.Chat.IsGroup || !req.Group.FeatureOn(FeatureName) || req.Msg == nil || req.Msg.Reaction != nil {
		return nil
	}
	if !looksLikeOutage(req.Msg.Text) {
		return nil
	}
	on, last, err := f.st.suggestState(ctx, req.Chat.ID)
	if err != nil || !on {
		return err
	}
	now := req.Now()
	if !last.IsZero() && now.Sub(last) < f.cfg.SuggestCooldown.D() {
		return nil
	}
	c, ok, err := f.current(ctx, req.Chat.ID, now)
	if err != nil {
		return err
	}
	if err := f.st.markSuggested(ctx, req.Chat.ID, now); err != nil {
		return err
	}
	if ok && c.State == stateOpen {
		return req.Reply(ctx, fmt.Sprintf("A power check is running — vote in the poll or type %s / %s.", req.Cmd("off"), req.Cmd("on")))
	}
	return req.Reply(ctx, fmt.Sprintf("Shall I start a power check? Type %s.", req.Cmd("power")))
}

// timeOfDay writes a time of day in the local zone.
func (f *Feature) timeOfDay(t time.Time) string { return t.In(f.loc).Format("15:04") }

// when writes t as a time of day when it falls on now's local date, with
// the day otherwise.
func (f *Feature) when(t, now time.Time) string {
	lt, ln := t.In(f.loc), now.In(f.loc)
	if lt.YearDay() == ln.YearDay() && lt.Year() == ln.Year() {
		return lt.Format("15:04")
	}
	return lt.Format("Mon 2 Jan 15:04")
}

// endWhen writes an end time relative to its start's day.
func (f *Feature) endWhen(start, end time.Time) string { return f.when(end, start) }

func homes(n int) string {
	switch n {
	case 0:
		return "no homes"
	case 1:
		return "1 home"
	}
	return strconv.Itoa(n) + " homes"
}

func countsText(t tally) string { return fmt.Sprintf("%s off, %d on", homes(t.Off), t.On) }

func onOff(off bool) string {
	if off {
		return "off"
	}
	return "on"
}
