package notices

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices/sources"
)

// Config is the [notices] section of the configuration file.
type Config struct {
	// SourceName is the organisation shown under webhook and console
	// notices ("From Shropshire Council") and before feed names.
	SourceName string `toml:"source_name"`
	// SourceNameCy is the organisation's Welsh name ("Cyngor Sir
	// Ceredigion"), shown on notices in Welsh; "" leaves SourceName there.
	SourceNameCy string `toml:"source_name_cy"`
	// Topics is the vocabulary groups and subscribers choose from; feed
	// topics, keyword rules and webhook topics must use these words.
	Topics []string `toml:"topics"`
	// TopicAliases maps other words for a topic onto it ("flood" →
	// "flooding"), for webhooks, !notices topics and !subscribe.
	TopicAliases map[string]string `toml:"topic_aliases"`
	// RequireApproval holds every notice until an approver approves it.
	RequireApproval bool `toml:"require_approval"`
	// Approvers are the identities allowed to approve: phone numbers in
	// international form without "+", LIDs, or console names.
	Approvers []string `toml:"approvers"`
	// EmergencyTwoApprovals asks two different approvers for emergency
	// notices when approval is required.
	EmergencyTwoApprovals bool `toml:"emergency_two_approvals"`
	// PauseNonEssential is the pre-election switch: everything except
	// emergency notices is held until it is turned off again.
	PauseNonEssential bool `toml:"pause_non_essential"`
	// SendBatch and SendGap pace the outbox: at most SendBatch messages
	// in any SendGap, so a fan-out never bursts (an emergency may start
	// one batch early; see drainJob).
	SendBatch int          `toml:"send_batch"`
	SendGap   bot.Duration `toml:"send_gap"`
	// FetchTimeout bounds one feed request; MaxFeedBytes caps its body.
	FetchTimeout bot.Duration  `toml:"fetch_timeout"`
	MaxFeedBytes int64         `toml:"max_feed_bytes"`
	Webhook      WebhookConfig `toml:"webhook"`
	Feeds        []FeedConfig  `toml:"feeds"`
	// Senders are named council services with their own tokens, topics
	// and approval rules (see governance_senders.go).
	Senders []SenderConfig `toml:"senders"`
	// ElectionPeriods hold non-essential notices by date and area;
	// ElectionHold is "wait" (until the period ends) or "refuse".
	ElectionPeriods []PeriodConfig `toml:"election_periods"`
	ElectionHold    string         `toml:"election_hold"`
	// ShareResults posts a poll's result line in each group at close.
	ShareResults bool `toml:"share_results"`
	// ResultsURL receives each closed poll's results as a signed JSON
	// POST; ResultsSecret is the HMAC key (NEIGHBOURBOT_NOTICES_RESULTS_SECRET).
	ResultsURL     string       `toml:"results_url"`
	ResultsSecret  string       `toml:"results_secret"`
	ResultsTimeout bot.Duration `toml:"results_timeout"`
	// Sources are the built-in official sources (flood, weather and
	// emergency warnings, CAP feeds).
	Sources sources.Config `toml:"sources"`
	// RetentionDays is how long a notice is kept after it ended (see
	// retention.go) before the nightly purge deletes it and every row that
	// depends on it; the append-only audit is kept.
	RetentionDays int `toml:"retention_days"`
}

// WebhookConfig is [notices.webhook]: the HTTP endpoint councils post to.
type WebhookConfig struct {
	// Listen is the address the server binds, e.g. "127.0.0.1:8087".
	Listen string `toml:"listen"`
	// Token enables the webhook; requests must send "Authorization:
	// Bearer TOKEN". Set it through NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN.
	Token string `toml:"token"`
	// MaxBodyBytes caps a request body; larger requests get 413.
	MaxBodyBytes int64 `toml:"max_body_bytes"`
}

// FeedConfig is one [[notices.feeds]] entry.
type FeedConfig struct {
	Name string `toml:"name"`
	// DisplayName overrides "SOURCE_NAME — NAME" in the "From …" line;
	// DisplayNameCy is its Welsh, for "Oddi wrth …".
	DisplayName   string       `toml:"display_name"`
	DisplayNameCy string       `toml:"display_name_cy"`
	URL           string       `toml:"url"`
	Interval      bot.Duration `toml:"interval"`
	// Topics tag every item of the feed; Rules add more by keyword.
	Topics []string `toml:"topics"`
	// Area is the default area of the feed's items: postcode areas,
	// districts or sectors separated by commas; empty means council-wide.
	Area string `toml:"area"`
	// Urgency of the feed's items: normal, urgent or emergency.
	Urgency string `toml:"urgency"`
	// ExpireAfter drops items older than this (by their publication
	// date) instead of relaying them late.
	ExpireAfter bot.Duration  `toml:"expire_after"`
	Rules       []KeywordRule `toml:"rules"`
	// Language of the feed's items: english (the default), welsh, or
	// bilingual (titles "Cymraeg / English"); see language.go.
	Language string `toml:"language"`
}

// KeywordRule tags items whose title or body contains one of the words of
// Match ("grit|gritting|salt") with Topic.
type KeywordRule struct {
	Match string `toml:"match"`
	Topic string `toml:"topic"`
}

// DefaultConfig returns the built-in defaults.
func DefaultConfig() Config {
	return Config{
		SourceName:     "the council",
		Topics:         []string{"gritting", "bins", "roads", "consultations", "flooding", "events", "planning", "emergencies"},
		TopicAliases:   defaultTopicAliases(),
		Approvers:      []string{},
		SendBatch:      5,
		SendGap:        bot.Duration(30 * time.Second),
		FetchTimeout:   bot.Duration(30 * time.Second),
		MaxFeedBytes:   5 << 20,
		Webhook:        WebhookConfig{Listen: "127.0.0.1:8087", MaxBodyBytes: 64 << 10},
		ElectionHold:   holdWait,
		ShareResults:   true,
		ResultsTimeout: bot.Duration(10 * time.Second),
		Sources:        sources.DefaultConfig(),
		RetentionDays:  90,
	}
}

var topicWord = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// Validate reports the first invalid value, naming its key.
func (c Config) Validate() error {
	if strings.TrimSpace(c.SourceName) == "" {
		return errors.New("source_name must not be empty")
	}
	if err := c.validateTopics(); err != nil {
		return err
	}
	if err := c.validateApprovers(); err != nil {
		return err
	}
	if c.SendBatch < 1 || c.SendBatch > 50 {
		return fmt.Errorf("send_batch %d must be between 1 and 50", c.SendBatch)
	}
	if c.SendGap.D() < 0 {
		return errors.New("send_gap must not be negative")
	}
	if c.FetchTimeout.D() < time.Second {
		return errors.New("fetch_timeout must be at least 1s")
	}
	if c.MaxFeedBytes < 1024 {
		return errors.New("max_feed_bytes must be at least 1024")
	}
	if c.Webhook.Token != "" {
		if len(c.Webhook.Token) < 16 {
			return errors.New("webhook.token must be at least 16 characters")
		}
		if strings.TrimSpace(c.Webhook.Listen) == "" {
			return errors.New("webhook.listen must be set when webhook.token is")
		}
	}
	if c.Webhook.MaxBodyBytes < 1024 || c.Webhook.MaxBodyBytes > 10<<20 {
		return errors.New("webhook.max_body_bytes must be between 1024 and 10485760")
	}
	if c.RetentionDays < 1 || c.RetentionDays > 3650 {
		return fmt.Errorf("retention_days %d must be between 1 and 3650", c.RetentionDays)
	}
	if err := c.Sources.Validate(c.knownTopic); err != nil {
		return err
	}
	if err := c.validateCouncil(); err != nil {
		return err
	}
	names := map[string]bool{}
	for i, f := range c.Feeds {
		if err := c.validateFeed(i, f, names); err != nil {
			return err
		}
		names[f.Name] = true
	}
	return nil
}

// validateTopics checks the topic words and the aliases that map onto them.
func (c Config) validateTopics() error {
	if len(c.Topics) == 0 {
		return errors.New("topics must list at least one topic")
	}
	for _, t := range c.Topics {
		if !topicWord.MatchString(t) || t == "all" {
			return fmt.Errorf("topics: %q must be a lower-case word (letters, digits, '-'), not \"all\"", t)
		}
	}
	// In sorted order, so the same mistake is reported first every time.
	for _, a := range slices.Sorted(maps.Keys(c.TopicAliases)) {
		t := c.TopicAliases[a]
		if !topicWord.MatchString(a) || a == "all" {
			return fmt.Errorf("topic_aliases: %q must be a lower-case word (letters, digits, '-'), not \"all\"", a)
		}
		if c.knownTopic(a) {
			return fmt.Errorf("topic_aliases: %q is a topic itself, not an alias", a)
		}
		if !c.knownTopic(t) {
			return fmt.Errorf("topic_aliases: %q = %q names a topic that is not in topics", a, t)
		}
	}
	return nil
}

// validateApprovers checks who may approve notices.
func (c Config) validateApprovers() error {
	if c.RequireApproval && len(c.Approvers) == 0 {
		return errors.New("approvers must name at least one approver when require_approval is true")
	}
	for i, a := range c.Approvers {
		if strings.TrimSpace(a) == "" {
			return errors.New("approvers must not contain empty entries")
		}
		if err := bot.CheckPhoneEntry(a); err != nil {
			return fmt.Errorf("approvers[%d] %w", i, err)
		}
	}
	return nil
}

// validateFeed checks feeds[i]; names holds the names of the feeds before it.
func (c Config) validateFeed(i int, f FeedConfig, names map[string]bool) error {
	key := fmt.Sprintf("feeds[%d]", i)
	if strings.TrimSpace(f.Name) == "" {
		return fmt.Errorf("%s.name must not be empty", key)
	}
	if names[f.Name] {
		return fmt.Errorf("%s.name %q is used by two feeds", key, f.Name)
	}
	u, err := url.Parse(f.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s.url %q must be an http or https URL", key, f.URL)
	}
	if f.Interval.D() != 0 && f.Interval.D() < time.Minute {
		return fmt.Errorf("%s.interval must be at least 1m", key)
	}
	for _, t := range f.Topics {
		if !c.knownTopic(t) {
			return fmt.Errorf("%s.topics: %q is not in topics", key, t)
		}
	}
	if _, err := parseAreaList(f.Area); err != nil {
		return fmt.Errorf("%s.area: %w", key, err)
	}
	if f.Urgency != "" {
		if _, ok := parseUrgency(f.Urgency); !ok {
			return fmt.Errorf("%s.urgency %q must be normal, urgent or emergency", key, f.Urgency)
		}
	}
	if !validFeedLanguage(f.Language) {
		return fmt.Errorf("%s.language %q must be english, welsh or bilingual", key, f.Language)
	}
	if f.ExpireAfter.D() < 0 {
		return fmt.Errorf("%s.expire_after must not be negative", key)
	}
	for j, r := range f.Rules {
		if _, err := compileRule(r.Match); err != nil {
			return fmt.Errorf("%s.rules[%d].match: %w", key, j, err)
		}
		if !c.knownTopic(r.Topic) {
			return fmt.Errorf("%s.rules[%d].topic %q is not in topics", key, j, r.Topic)
		}
	}
	return nil
}

func (c Config) knownTopic(t string) bool {
	for _, k := range c.Topics {
		if k == t {
			return true
		}
	}
	return false
}

// withFeedDefaults fills the per-feed defaults.
func (f FeedConfig) withFeedDefaults() FeedConfig {
	if f.Interval == 0 {
		f.Interval = bot.Duration(15 * time.Minute)
	}
	if f.Urgency == "" {
		f.Urgency = string(UrgencyNormal)
	}
	if f.ExpireAfter == 0 {
		f.ExpireAfter = bot.Duration(3 * 24 * time.Hour)
	}
	return f
}

// parseAreaList reads "SY3 7, SY4" into canonical areas.
func parseAreaList(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		a, ok := bot.NormalizeArea(part)
		if !ok {
			return nil, fmt.Errorf("%q is not a postcode area, district or sector", strings.TrimSpace(part))
		}
		if !contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) > 20 {
		return nil, errors.New("at most 20 areas")
	}
	return out, nil
}

// compileRule turns "grit|gritting|salt" into a case-insensitive whole-word
// matcher.
func compileRule(match string) (*regexp.Regexp, error) {
	var words []string
	for _, w := range strings.Split(match, "|") {
		w = strings.TrimSpace(w)
		if w == "" {
			continue
		}
		words = append(words, regexp.QuoteMeta(w))
	}
	if len(words) == 0 {
		return nil, errors.New("needs at least one word, e.g. \"grit|gritting|salt\"")
	}
	return regexp.Compile(`(?i)\b(?:` + strings.Join(words, "|") + `)\b`)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
