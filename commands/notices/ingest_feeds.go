package notices

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices/feeds"
	"neighbourbot/commands/polling"
)

// maxItemsPerFetch bounds how many new items one fetch may turn into
// notices, so a feed that suddenly lists its whole archive is taken in
// steps, one per poll interval, rather than all at once.
const maxItemsPerFetch = 50

// feedSource is one configured feed with its keyword rules compiled.
type feedSource struct {
	cfg     FeedConfig
	name    string // display name for "From …"
	nameCy  string // its Welsh, for "Oddi wrth …" ("" when none)
	areas   []string
	urgency Urgency
	rules   []compiledRule
}

type compiledRule struct {
	re    *regexp.Regexp
	topic string
}

func newFeedSource(cfg Config, fc FeedConfig) (*feedSource, error) {
	fc = fc.withFeedDefaults()
	fs := &feedSource{cfg: fc}
	fs.name = fc.DisplayName
	if fs.name == "" {
		fs.name = cfg.SourceName + " — " + fc.Name
	}
	fs.nameCy = fc.DisplayNameCy
	if fs.nameCy == "" && cfg.SourceNameCy != "" {
		fs.nameCy = cfg.SourceNameCy + " — " + fc.Name
	}
	var err error
	if fs.areas, err = parseAreaList(fc.Area); err != nil {
		return nil, fmt.Errorf("feed %s area: %w", fc.Name, err)
	}
	fs.urgency, _ = parseUrgency(fc.Urgency)
	for _, r := range fc.Rules {
		re, err := compileRule(r.Match)
		if err != nil {
			return nil, fmt.Errorf("feed %s rule %q: %w", fc.Name, r.Match, err)
		}
		fs.rules = append(fs.rules, compiledRule{re: re, topic: r.Topic})
	}
	return fs, nil
}

func (f *feedSource) source() string { return "feed:" + f.cfg.Name }

// tag returns the feed's topics plus those whose keywords appear in text.
func (f *feedSource) tag(text string) []string {
	topics := append([]string(nil), f.cfg.Topics...)
	for _, r := range f.rules {
		if !contains(topics, r.topic) && r.re.MatchString(text) {
			topics = append(topics, r.topic)
		}
	}
	return topics
}

// itemNotice turns a feed item into a notice. Items past the feed's
// expire_after are expired on arrival, so an old archive is not relayed.
func (f *feedSource) itemNotice(it feeds.Item, now time.Time) *Notice {
	title := bot.Truncate(strings.Join(strings.Fields(bot.CleanText(it.Title)), " "), maxTitle)
	if title == "" {
		title = "Notice from " + f.name
	}
	body := bot.Truncate(bot.CleanText(it.Body), maxBody)
	link, err := cleanLink(it.Link)
	if err != nil {
		link = ""
	}
	n := &Notice{
		Source: f.source(), SourceName: f.name, SourceNameCy: f.nameCy,
		Identifier: bot.Truncate(it.ID, maxIDLen),
		MsgType:    MsgAlert, Urgency: f.urgency,
		Title: title, Body: body, Link: link,
		Topics: f.tag(title + "\n" + body + "\n" + strings.Join(it.Categories, "\n")), Areas: f.areas,
		Sent: it.Published,
	}
	// An item dated in the future is taken as first seen now, its
	// lifetime kept (see firstSeen).
	ref := it.Published
	if ref.IsZero() {
		ref = now
	}
	n.Expires = ref.Add(f.cfg.ExpireAfter.D())
	feedLanguage(n, f.cfg.Language)
	return n
}

// PollFeed fetches one configured feed once (by name) and ingests its new
// items, in the unit of work of ctx if it has one. It returns how many new
// notices it stored.
func (r *Feature) PollFeed(ctx context.Context, name string) (int, error) {
	for _, f := range r.feeds {
		if f.cfg.Name == name {
			return r.fetchFeed(ctx, f)(ctx)
		}
	}
	return 0, fmt.Errorf("no feed named %q", name)
}

func (r *Feature) fetcher() feeds.Fetcher {
	return feeds.Fetcher{Client: r.deps.HTTPClient, Timeout: r.cfg.FetchTimeout.D(), MaxBytes: r.cfg.MaxFeedBytes, UserAgent: "neighbourbot (council notices relay)"}
}

// fetchFeed fetches the feed now, with no unit of work held, and returns
// what stores the result and how many new notices that made.
func (r *Feature) fetchFeed(ctx context.Context, f *feedSource) func(ctx context.Context) (int, error) {
	st, err := r.st.feedState(ctx, f.cfg.Name)
	if err != nil {
		return func(context.Context) (int, error) { return 0, err }
	}
	now := r.clock.Now()
	sentWith := feeds.Validators{ETag: st.ETag, LastModified: st.LastModified}
	res, fetchErr := r.fetcher().Fetch(ctx, f.cfg.URL, sentWith)
	return func(ctx context.Context) (int, error) {
		return r.storeFetch(ctx, f, now, sentWith, res, fetchErr)
	}
}

// storeFetch stores a fetch's outcome in the unit of work of ctx. The
// feed's state is read again here, as it stands now.
func (r *Feature) storeFetch(ctx context.Context, f *feedSource, now time.Time, sentWith feeds.Validators, res feeds.Result, fetchErr error) (int, error) {
	st, err := r.st.feedState(ctx, f.cfg.Name)
	if err != nil {
		return 0, err
	}
	st.LastFetch = now
	if fetchErr != nil {
		st.Failures++
		st.LastStatus = fetchErr.Error()
		if err := r.st.saveFeedState(ctx, st); err != nil {
			return 0, errors.Join(fetchErr, err)
		}
		return 0, fmt.Errorf("feed %s: %w", f.cfg.Name, fetchErr)
	}
	st.Failures = 0
	if res.NotModified {
		st.LastStatus = "not modified"
		return 0, r.st.saveFeedState(ctx, st)
	}
	added, more, err := r.ingestItems(ctx, f, res.Items, now)
	if err != nil {
		return added, err
	}
	// Validators are saved only after every item is stored, so a crash
	// mid-way refetches the body rather than skipping items; and not while
	// new items are left over, or the next fetch would get "not modified"
	// and never see them; nor when they moved while this fetch was under
	// way (a newer fetch stored them).
	moved := st.ETag != sentWith.ETag || st.LastModified != sentWith.LastModified
	switch {
	case more:
		st.LastStatus = fmt.Sprintf("ok: %d items, %d new, more next time", len(res.Items), added)
	case moved:
		st.LastStatus = fmt.Sprintf("ok: %d items, %d new", len(res.Items), added)
	default:
		st.ETag, st.LastModified = res.Validators.ETag, res.Validators.LastModified
		st.LastStatus = fmt.Sprintf("ok: %d items, %d new", len(res.Items), added)
	}
	return added, r.st.saveFeedState(ctx, st)
}

// ingestItems stores up to maxItemsPerFetch new items; items already
// stored do not count. more reports new items left for the next fetch.
func (r *Feature) ingestItems(ctx context.Context, f *feedSource, items []feeds.Item, now time.Time) (added int, more bool, err error) {
	for i, it := range items {
		n := f.itemNotice(it, now)
		if added == maxItemsPerFetch {
			known, err := r.st.hasNotice(ctx, n.Source, n.Identifier)
			if err != nil {
				return added, false, err
			}
			if !known {
				return added, true, nil
			}
			continue
		}
		got, err := r.gov.Ingest(ctx, n, f.cfg.URL)
		if err != nil {
			return added, false, fmt.Errorf("feed %s item %d %q: %w", f.cfg.Name, i+1, it.ID, err)
		}
		if !got.Duplicate {
			added++
		}
	}
	return added, false, nil
}

// jobPoll is the job kind of every notices source poll.
const jobPoll = "notices.poll"

// addFeedPolls books each feed as a polled source on the bot's clock:
// failures back off and are logged once per streak by the poller, on top
// of the feed's own state (notice_feeds) that !notices and the audit use.
func (r *Feature) addFeedPolls() error {
	r.poller = polling.New(r.kit, jobPoll, r.deps.Sources)
	for _, f := range r.feeds {
		f := f
		err := r.poller.Add(polling.Source{Name: f.source(), Interval: f.cfg.Interval.D(), Fetch: func(ctx context.Context) (bot.ApplyFunc, error) {
			store := r.fetchFeed(ctx, f)
			return func(ctx context.Context) error {
				added, err := store(ctx)
				if err == nil && added > 0 {
					r.log.Info("feed polled", "feed", f.cfg.Name, "new", added)
				}
				return err
			}, nil
		}})
		if err != nil {
			return err
		}
	}
	return nil
}
