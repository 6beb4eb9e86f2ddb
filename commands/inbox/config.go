package inbox

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"neighbourbot/bot"
)

// Config is the [inbox] section of the configuration file.
type Config struct {
	// Enabled switches the inbox on: direct messages that are not commands
	// become tickets for the council's staff.
	Enabled bool `toml:"enabled"`
	// StaffChat is the WhatsApp group of the staff who answer (its JID; in
	// the console, a group id). Desks may name their own.
	StaffChat string `toml:"staff_chat"`
	// TeamName signs staff replies: "Council team (Sam): …". It is only
	// ever shown as a label like that, never inside a sentence, so any
	// name reads well ("Shropshire Council customer services (Sam): …").
	TeamName string `toml:"team_name"`
	// Hours are the office hours in the bot's time zone, e.g.
	// "Mon-Fri 09:00-17:00" or "Mon-Thu 09:00-17:00, Fri 09:00-16:30".
	// Empty: always open.
	Hours string `toml:"hours"`
	// ClosedDays are extra dates the office is closed ("2026-12-24").
	ClosedDays []string `toml:"closed_days"`
	// BankHolidays picks the GOV.UK division whose bank holidays close
	// the office: england-and-wales, scotland, northern-ireland, or "" for
	// none.
	BankHolidays string `toml:"bank_holidays"`
	// BankHolidaysURL is GOV.UK's bank-holidays.json (read daily; the last
	// good copy is kept in the database and used when it is unreachable).
	BankHolidaysURL string `toml:"bank_holidays_url"`
	// OutOfHoursText is told once per ticket when a resident writes while
	// the office is closed; UrgentText follows it (the council's
	// out-of-hours emergency number, say).
	OutOfHoursText string `toml:"out_of_hours_text"`
	UrgentText     string `toml:"urgent_text"`
	// ShowStaffNames names the staff member on replies to residents.
	ShowStaffNames bool `toml:"show_staff_names"`
	// MaxTicketsPerDay caps new tickets per resident in 24 hours.
	MaxTicketsPerDay int `toml:"max_tickets_per_day"`
	// MaxMessagesPerHour caps the messages of a ticket forwarded to the
	// staff chat one by one in an hour; the rest are kept on the ticket.
	MaxMessagesPerHour int `toml:"max_messages_per_hour"`
	// MaxMediaMB caps a photo, video, voice note or document kept.
	MaxMediaMB int `toml:"max_media_mb"`
	// RetentionDays: closed tickets are deleted this long after closing.
	RetentionDays int `toml:"retention_days"`

	// ReopenWithin is how long after a close a resident's new message
	// reopens their last ticket (and joins it) rather than starting a new
	// one: "7d", "48h", or "off" to always start a new one.
	ReopenWithin string `toml:"reopen_within"`
	// DefaultDesk names the desk a message goes to when the desks menu is
	// not answered within MenuTimeout; "" is the first desk.
	DefaultDesk string `toml:"default_desk"`
	// MenuTimeout is how long the desks menu waits for a number.
	MenuTimeout string `toml:"menu_timeout"`
	// ReplyTarget and CloseTarget are how long, in working time (office
	// hours, less closed days and bank holidays), a ticket should wait for
	// its first reply and take to close; the staff page shows each
	// ticket's timers against them. A desk may set its own.
	ReplyTarget string `toml:"reply_target"`
	CloseTarget string `toml:"close_target"`

	Desks   []Desk   `toml:"desks"`
	Answers []Answer `toml:"answers"`
}

// Desk is one team residents can reach ("Highways", "Cllr Smith — Castle
// ward"). With more than one desk a resident's first message gets a
// numbered menu unless a keyword routes it.
type Desk struct {
	Name      string   `toml:"name"`
	StaffChat string   `toml:"staff_chat"` // empty: the inbox's staff_chat
	Keywords  []string `toml:"keywords"`
	// ReplyTarget and CloseTarget override the inbox's for this desk.
	ReplyTarget string `toml:"reply_target"`
	CloseTarget string `toml:"close_target"`
}

// Answer is a self-help answer given at once, at any hour, to a first
// message matching one of its keywords.
type Answer struct {
	Keywords []string `toml:"keywords"`
	Text     string   `toml:"text"`
	Link     string   `toml:"link"`
}

// DefaultConfig returns the built-in defaults.
func DefaultConfig() Config {
	return Config{
		TeamName:           "Council team",
		Hours:              "Mon-Fri 09:00-17:00",
		ClosedDays:         []string{},
		BankHolidays:       "england-and-wales",
		BankHolidaysURL:    "https://www.gov.uk/bank-holidays.json",
		OutOfHoursText:     "Messages sent now will be picked up, but may not be answered until then.",
		ShowStaffNames:     true,
		MaxTicketsPerDay:   3,
		MaxMessagesPerHour: 20,
		MaxMediaMB:         16,
		RetentionDays:      365,
		ReopenWithin:       "7d",
		MenuTimeout:        "1h",
		ReplyTarget:        "4h",
		CloseTarget:        "40h",
	}
}

// Divisions are GOV.UK's bank holiday divisions.
var Divisions = []string{"england-and-wales", "scotland", "northern-ireland"}

// Validate reports the first invalid value, naming its key.
func (c Config) Validate() error {
	if c.Enabled && strings.TrimSpace(c.StaffChat) == "" {
		for _, d := range c.Desks {
			if strings.TrimSpace(d.StaffChat) == "" {
				return errors.New("staff_chat must name the staff group when the inbox is enabled (or every desk must name its own)")
			}
		}
		if len(c.Desks) == 0 {
			return errors.New("staff_chat must name the staff group when the inbox is enabled")
		}
	}
	if n := utf8.RuneCountInString(c.TeamName); n < 1 || n > 60 {
		return fmt.Errorf("team_name %q must be 1–60 characters", c.TeamName)
	}
	if _, err := ParseHours(c.Hours); err != nil {
		return fmt.Errorf("hours %q: %w", c.Hours, err)
	}
	for _, d := range c.ClosedDays {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return fmt.Errorf("closed_days: %q is not a date like 2026-12-24", d)
		}
	}
	if c.BankHolidays != "" && !contains(Divisions, c.BankHolidays) {
		return fmt.Errorf("bank_holidays %q must be one of %s, or \"\" for none", c.BankHolidays, strings.Join(Divisions, ", "))
	}
	if c.BankHolidays != "" {
		u, err := url.Parse(c.BankHolidaysURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("bank_holidays_url %q must be an http:// or https:// URL", c.BankHolidaysURL)
		}
	}
	if utf8.RuneCountInString(c.OutOfHoursText) > 500 || utf8.RuneCountInString(c.UrgentText) > 500 {
		return errors.New("out_of_hours_text and urgent_text must be at most 500 characters each")
	}
	if c.MaxTicketsPerDay < 1 || c.MaxTicketsPerDay > 100 {
		return fmt.Errorf("max_tickets_per_day %d must be between 1 and 100", c.MaxTicketsPerDay)
	}
	if c.MaxMessagesPerHour < 1 || c.MaxMessagesPerHour > 1000 {
		return fmt.Errorf("max_messages_per_hour %d must be between 1 and 1000", c.MaxMessagesPerHour)
	}
	// The WhatsApp adapter downloads at most 16 MB (whatsapp
	// DefaultMaxDownloadBytes), so a higher cap could never be used.
	if c.MaxMediaMB < 1 || c.MaxMediaMB > 16 {
		return fmt.Errorf("max_media_mb %d must be between 1 and 16 (the most the bot downloads from WhatsApp)", c.MaxMediaMB)
	}
	if c.RetentionDays < 1 || c.RetentionDays > 3650 {
		return fmt.Errorf("retention_days %d must be between 1 and 3650", c.RetentionDays)
	}
	if err := validateDesks(c.Desks); err != nil {
		return err
	}
	if err := c.validateRouting(); err != nil {
		return err
	}
	return validateAnswers(c.Answers)
}

// validateDesks checks the desks a resident picks from: at most nine,
// named once each, with keywords that can match.
func validateDesks(desks []Desk) error {
	if len(desks) > 9 {
		return fmt.Errorf("desks: at most 9 (the menu is answered with one digit), not %d", len(desks))
	}
	names := map[string]bool{}
	for i, d := range desks {
		name := strings.TrimSpace(d.Name)
		if name == "" || utf8.RuneCountInString(name) > 60 {
			return fmt.Errorf("desks[%d].name must be 1–60 characters", i)
		}
		if names[strings.ToLower(name)] {
			return fmt.Errorf("desks: %q is listed twice", name)
		}
		names[strings.ToLower(name)] = true
		for _, k := range d.Keywords {
			if len(words(k)) == 0 {
				return fmt.Errorf("desks[%d] (%s): keyword %q has no letters or digits", i, name, k)
			}
		}
	}
	return nil
}

// validateRouting checks where a message goes when no one says: the
// reopen window, the default desk and the menu's time-out.
func (c Config) validateRouting() error {
	if _, err := c.reopenWindow(); err != nil {
		return err
	}
	if _, err := c.menuWait(); err != nil {
		return err
	}
	if err := c.validateTargets(); err != nil {
		return err
	}
	if c.DefaultDesk != "" && c.defaultDesk() < 0 {
		var names []string
		for _, d := range c.Desks {
			names = append(names, strings.TrimSpace(d.Name))
		}
		return fmt.Errorf("default_desk %q is not one of the desks (%s)", c.DefaultDesk, strings.Join(names, ", "))
	}
	return nil
}

// validateTargets checks the reply and close targets, the inbox's and
// each desk's.
func (c Config) validateTargets() error {
	check := func(key, v string) error {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		if _, err := parseTarget(v); err != nil {
			return fmt.Errorf("%s %q must be a duration from 1m to 90d of working time, such as \"4h\" or \"40h\"", key, v)
		}
		return nil
	}
	if err := errors.Join(check("reply_target", c.ReplyTarget), check("close_target", c.CloseTarget)); err != nil {
		return err
	}
	for i, d := range c.Desks {
		if err := errors.Join(check(fmt.Sprintf("desks[%d].reply_target", i), d.ReplyTarget),
			check(fmt.Sprintf("desks[%d].close_target", i), d.CloseTarget)); err != nil {
			return err
		}
	}
	return nil
}

func parseTarget(v string) (time.Duration, error) {
	d, err := bot.ParseDuration(strings.TrimSpace(v))
	if err != nil || d < time.Minute || d > 90*24*time.Hour {
		return 0, errors.New("out of range")
	}
	return d, nil
}

// targets are a desk's reply and close targets: its own, else the
// inbox's (0: none).
func (c Config) targets(d Desk) (reply, close time.Duration) {
	pick := func(own, all string) time.Duration {
		if strings.TrimSpace(own) != "" {
			all = own
		}
		t, _ := parseTarget(all) // checked by Validate; "" is none
		return t
	}
	return pick(d.ReplyTarget, c.ReplyTarget), pick(d.CloseTarget, c.CloseTarget)
}

// reopenWindow is ReopenWithin read: 0 for off.
func (c Config) reopenWindow() (time.Duration, error) {
	switch strings.ToLower(strings.TrimSpace(c.ReopenWithin)) {
	case "", "off", "0", "never":
		return 0, nil
	}
	d, err := bot.ParseDuration(c.ReopenWithin)
	if err != nil || d > 90*24*time.Hour {
		return 0, fmt.Errorf("reopen_within %q must be a duration up to 90d, such as \"7d\" or \"48h\", or \"off\"", c.ReopenWithin)
	}
	return d, nil
}

// menuWait is MenuTimeout read (an hour when unset).
func (c Config) menuWait() (time.Duration, error) {
	if strings.TrimSpace(c.MenuTimeout) == "" {
		return time.Hour, nil
	}
	d, err := bot.ParseDuration(c.MenuTimeout)
	if err != nil || d < 5*time.Minute || d > 24*time.Hour {
		return 0, fmt.Errorf("menu_timeout %q must be a duration from 5m to 24h, such as \"1h\"", c.MenuTimeout)
	}
	return d, nil
}

// defaultDesk is the index of DefaultDesk among the desks (0 when unset,
// -1 when it names none).
func (c Config) defaultDesk() int {
	name := strings.TrimSpace(c.DefaultDesk)
	if name == "" {
		return 0
	}
	for i, d := range c.Desks {
		if strings.EqualFold(strings.TrimSpace(d.Name), name) {
			return i
		}
	}
	return -1
}

// validateAnswers checks the ready answers: keywords that can match, a
// text of sensible length, a web link.
func validateAnswers(answers []Answer) error {
	for i, a := range answers {
		if len(a.Keywords) == 0 {
			return fmt.Errorf("answers[%d] needs at least one keyword", i)
		}
		for _, k := range a.Keywords {
			if len(words(k)) == 0 {
				return fmt.Errorf("answers[%d]: keyword %q has no letters or digits", i, k)
			}
		}
		if n := utf8.RuneCountInString(a.Text); n < 1 || n > 1000 {
			return fmt.Errorf("answers[%d].text must be 1–1000 characters", i)
		}
		if a.Link != "" {
			u, err := url.Parse(a.Link)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("answers[%d].link %q must be an http:// or https:// URL", i, a.Link)
			}
		}
	}
	return nil
}

// desks returns the configured desks, or one unnamed desk on the inbox's
// staff chat when none are configured.
func (c Config) desks() []Desk {
	if len(c.Desks) == 0 {
		return []Desk{{StaffChat: c.StaffChat}}
	}
	out := make([]Desk, len(c.Desks))
	for i, d := range c.Desks {
		d.Name = strings.TrimSpace(d.Name)
		if strings.TrimSpace(d.StaffChat) == "" {
			d.StaffChat = c.StaffChat
		}
		out[i] = d
	}
	return out
}

// StaffChats lists the staff chats the inbox posts to, as configured.
func (c Config) StaffChats() []string {
	var out []string
	for _, d := range c.desks() {
		if chat := strings.TrimSpace(d.StaffChat); chat != "" && !contains(out, chat) {
			out = append(out, chat)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
