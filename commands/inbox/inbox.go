// Package inbox is the council inbox: residents message the council by
// writing to the bot privately. A direct message that is not a command
// opens a ticket (C12) or joins the resident's open one; the council's staff
// group sees every ticket and message, with photos, videos, voice notes and
// documents forwarded, and answers by replying to a post or with !reply.
// Office hours (with closed days and GOV.UK bank holidays), desks with a
// numbered menu, self-help answers, rate limits, an audit of every ticket
// event, a CSV export and the personal-data commands are part of it. It is
// off unless [inbox] enabled is set.
package inbox

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"neighbourbot/bot"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migrations returns the package's schema.
func Migrations() bot.Migrations { return bot.MigrationsIn("inbox", migrationFS) }

// Job kinds.
const (
	jobFlush     = "inbox.flush"     // post waiting messages to staff chats
	jobHolidays  = "inbox.holidays"  // refresh the bank holidays copy
	jobRetention = "inbox.retention" // purge closed tickets past retention_days
	jobMenu      = "inbox.menu"      // route a menu left unanswered to the first desk
)

// Deps are what the inbox needs from its surroundings.
type Deps struct {
	// MediaDir is where residents' photos, videos, voice notes and
	// documents are kept (private: never served).
	MediaDir string
	// Location is the bot's time zone, for office hours.
	Location *time.Location
	// HTTP fetches the bank holidays file.
	HTTP *http.Client
	// Chat turns a configured staff chat into a chat id (the console maps
	// a group id "staff" to its chat); nil uses the text as it is.
	Chat func(string) bot.ChatID
	// Health, when set, gets a readiness probe: /readyz fails while posts
	// have waited over five minutes for a staff group.
	Health *bot.Health
}

// Feature is the registered council inbox, holding the handles of its Kit.
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
	reg         *bot.Registry
	cfg         Config
	deps        Deps
	st          *store
	hours       Hours
	loc         *time.Location
	desks       []deskInfo
	staff       map[bot.ChatID]bool
	// reopenWithin is how long after a close a resident's message reopens
	// the ticket (0: never); menuWait how long the desks menu waits before
	// the message goes to defaultDesk.
	reopenWithin time.Duration
	menuWait     time.Duration
	defaultDesk  int

	mu          sync.Mutex // guards the parsed bank holidays
	holidaysAt  time.Time
	holidayDays map[string]string
	warnedPosts time.Time // when "staff chat unreachable" was last logged
	// holidaysFails counts failed bank-holiday fetches in a row.
	holidaysFails int
}

// log is the bot's logger with lines marked as the inbox's.
func (f *Feature) log() *slog.Logger { return f.lg }

type deskInfo struct {
	Desk
	chat bot.ChatID
}

// Register wires the inbox in through the handles of k, its Kit. With the inbox disabled only
// the personal-data provider and retention are registered, so what an
// earlier, enabled run kept can still be seen, erased and purged.
func Register(k bot.Kit, cfg Config, deps Deps) error {
	_, err := RegisterFeature(k, cfg, deps)
	return err
}

// RegisterFeature is Register returning the feature, for the staff web
// page (see web.go).
func RegisterFeature(k bot.Kit, cfg Config, deps Deps) (*Feature, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("inbox config: %w", err)
	}
	if deps.Location == nil {
		deps.Location = time.UTC
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: 20 * time.Second}
	}
	if deps.Chat == nil {
		deps.Chat = func(s string) bot.ChatID { return bot.ChatID(s) }
	}
	hours, _ := ParseHours(cfg.Hours) // checked by Validate
	f := &Feature{clock: k.Clock, lg: k.Log, prefix: k.Prefix, core: k.Core, jobs: k.Jobs, out: k.Out, auditLog: k.Audit, groups: k.Groups, attachments: k.Attachments, reg: k.Reg,
		cfg: cfg, deps: deps, st: &store{db: k.Core.DB()}, hours: hours, loc: deps.Location,
		staff: map[bot.ChatID]bool{}, defaultDesk: cfg.defaultDesk()}
	f.reopenWithin, _ = cfg.reopenWindow() // checked by Validate
	f.menuWait, _ = cfg.menuWait()
	for _, d := range cfg.desks() {
		di := deskInfo{Desk: d, chat: deps.Chat(strings.TrimSpace(d.StaffChat))}
		f.desks = append(f.desks, di)
		if di.chat != "" {
			f.staff[di.chat] = true
		}
	}
	k.Jobs.HandleJob(jobRetention, f.retentionJob)
	k.Jobs.HandleJob(jobFlush, f.flushJob)
	k.Jobs.HandleFetch(jobHolidays, f.holidaysJob)
	bot.HandleJobOf(k.Jobs, jobMenu, f.menuJob)
	ctx := context.Background()
	if !cfg.Enabled {
		// Switched off: only what an earlier run kept is shown, erased
		// and purged; with nothing kept the inbox stays out of !mydata.
		held, err := f.st.anyTickets(ctx)
		if err != nil {
			return f, fmt.Errorf("inbox: %w", err)
		}
		if held {
			k.Reg.AddDataProvider(dataProvider{f})
			return f, f.scheduleRetention(ctx)
		}
		return f, k.Jobs.Cancel(ctx, "inbox.")
	}
	k.Reg.AddDataProvider(dataProvider{f})
	if err := f.scheduleRetention(ctx); err != nil {
		return nil, err
	}
	if deps.Health != nil {
		deps.Health.Ready("council inbox", f.readyProbe)
	}
	f.routes()
	// The inbox answers direct messages that are not commands. It is a
	// listener, and it marks each one taken (bot.Request.Take) so that a
	// general answer to direct messages (a pointer to !help) stays out of
	// its way.
	k.Reg.Listen(f.listenStaff)
	k.Reg.ListenDirect(f.listenResident)
	if cfg.BankHolidays != "" {
		if err := k.Jobs.Schedule(ctx, jobHolidays, jobHolidays, k.Clock.Now(), nil); err != nil {
			return nil, err
		}
	}
	// Posts left waiting by an earlier run go out now.
	return f, f.scheduleFlush(ctx, k.Clock.Now())
}

// postsStuckAfter is how long a post may wait for a staff group before
// /readyz reports it.
const postsStuckAfter = 5 * time.Minute

// readyProbe fails while posts have waited too long for a staff group (the
// bot is offline, was removed, or the group switched it off). It runs on
// the health server's goroutine and only reads.
func (f *Feature) readyProbe(ctx context.Context) error {
	n, since, err := f.st.waitingPosts(ctx)
	if err != nil {
		return err
	}
	if n == 0 || since.IsZero() {
		return nil
	}
	if f.clock.Now().Sub(since) < postsStuckAfter {
		return nil
	}
	return fmt.Errorf("%d ticket posts waiting for the staff group since %s", n, since.In(f.loc).Format("Mon 2 Jan 15:04"))
}

// scheduleRetention plans the nightly purge (04:10 in the bot's zone).
func (f *Feature) scheduleRetention(ctx context.Context) error {
	now := f.clock.Now().In(f.loc)
	at := time.Date(now.Year(), now.Month(), now.Day(), 4, 10, 0, 0, f.loc)
	if !at.After(now) {
		at = at.AddDate(0, 0, 1)
	}
	return f.jobs.Schedule(ctx, jobRetention, jobRetention, at, nil)
}

func (f *Feature) scheduleFlush(ctx context.Context, at time.Time) error {
	return f.jobs.Schedule(ctx, jobFlush, jobFlush, at, nil)
}

// deskByName finds a ticket's desk (the first for an unknown name, after a
// config change).
func (f *Feature) deskByName(name string) deskInfo {
	for _, d := range f.desks {
		if d.Name == name {
			return d
		}
	}
	return f.desks[0]
}

// calendar is the office hours with today's closed days and bank holidays.
func (f *Feature) calendar(ctx context.Context) calendar {
	c := calendar{hours: f.hours, loc: f.loc, closed: map[string]string{}}
	if f.cfg.BankHolidays != "" {
		days, err := f.bankHolidays(ctx)
		if err != nil {
			f.log().Warn("bank holidays unreadable; treating no day as one", bot.KeyErr, err)
		}
		for d, title := range days {
			c.closed[d] = title + ", a bank holiday"
		}
		c.holidays = days != nil
	}
	for _, d := range f.cfg.ClosedDays {
		c.closed[d] = "" // a closed day: nothing more to say than that
	}
	return c
}

const holidaysKey = "bank_holidays"

// bankHolidays reads the cached copy, parsing it again only when a new
// one was saved.
func (f *Feature) bankHolidays(ctx context.Context) (map[string]string, error) {
	raw, at, ok, err := f.st.getState(ctx, holidaysKey)
	if err != nil || !ok {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.holidayDays != nil && at.Equal(f.holidaysAt) {
		return f.holidayDays, nil
	}
	days, err := parseBankHolidays([]byte(raw), f.cfg.BankHolidays)
	if err != nil {
		return nil, err
	}
	f.holidayDays, f.holidaysAt = days, at
	return days, nil
}

// holidaysJob fetches GOV.UK's bank holidays once a day. A failure keeps
// the last good copy (and is logged); it never fails the job, so the next
// day's fetch is always planned.
func (f *Feature) holidaysJob(ctx context.Context, _ bot.Job) (bot.ApplyFunc, error) {
	// Fetched with no unit of work held; only the copy is stored in it.
	now := f.clock.Now()
	data, err := f.fetchHolidays(ctx)
	if err == nil {
		_, err = parseBankHolidays(data, f.cfg.BankHolidays)
	}
	return func(ctx context.Context) error { return f.storeHolidays(ctx, now, data, err) }, nil
}

// storeHolidays keeps a good copy of the bank holidays and books the next
// fetch: tomorrow, or sooner while no copy is kept.
func (f *Feature) storeHolidays(ctx context.Context, now time.Time, data []byte, err error) error {
	next := now.Add(24 * time.Hour)
	if err != nil {
		// One log line per failure streak, not one per try.
		f.holidaysFails++
		_, at, ok, _ := f.st.getState(ctx, holidaysKey)
		switch {
		case ok && f.holidaysFails == 1:
			f.log().Warn("could not refresh bank holidays; using the last good copy until it works again", "copy_from", at.Format(time.DateOnly), bot.KeyErr, err)
		case !ok:
			// No copy yet: try again sooner, backing off from an hour
			// to a day so an unreachable site is not asked all night.
			next = now.Add(holidaysRetry.Delay(f.holidaysFails, jobHolidays, 0))
			if f.holidaysFails == 1 {
				f.log().Warn("could not fetch bank holidays and no copy is kept yet; trying again, backing off from an hour to a day", bot.KeyErr, err)
			}
		}
	} else {
		if f.holidaysFails > 0 {
			f.log().Info("bank holidays fetched again", "failed_tries", f.holidaysFails)
			f.holidaysFails = 0
		}
		if err := f.st.setState(ctx, holidaysKey, string(data), now); err != nil {
			return err
		}
	}
	return f.jobs.Schedule(ctx, jobHolidays, jobHolidays, next, nil)
}

// holidaysRetry spaces the tries while no copy of the bank holidays is kept.
var holidaysRetry = bot.Backoff{Base: time.Hour, Max: 24 * time.Hour}

// maxHolidaysBytes bounds the bank holidays download (GOV.UK's is ~20 KB).
const maxHolidaysBytes = 1 << 20

func (f *Feature) fetchHolidays(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.cfg.BankHolidaysURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := f.deps.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bank holidays: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxHolidaysBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxHolidaysBytes {
		return nil, errors.New("bank holidays: file over 1 MB")
	}
	return data, nil
}
