package operators

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"neighbourbot/commands/power"
)

// BuildOptions are what wiring adds to the [power] config.
type BuildOptions struct {
	Client  *http.Client
	Timeout time.Duration
	// OnlyConfigured leaves out operators whose URL comes from the built-in
	// presets (the console: it reaches only the servers its config names).
	OnlyConfigured bool
}

// Feeds builds every operator's feed: the presets with [power.feeds]
// overrides on top, plus operators only the config names.
func Feeds(cfg power.Config, opt BuildOptions) (map[string]*Feed, error) {
	out := map[string]*Feed{}
	names := PresetNames()
	for n := range cfg.Feeds {
		if _, ok := Presets[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		p := Presets[n] // zero for a config-only operator
		o := cfg.Feeds[n]
		if n == cfg.FeedProvider {
			// The older single-feed keys name the chosen operator's feed.
			if cfg.FeedURL != "" {
				o.URL = cfg.FeedURL
			}
			if cfg.FeedKey != "" {
				o.Key = cfg.FeedKey
			}
		}
		if opt.OnlyConfigured && o.URL == "" {
			continue
		}
		f := &Feed{Name: n, Title: p.Title, Kind: p.Kind, URL: p.URL, Resource: p.Resource, NeedsKey: p.NeedsKey,
			Mapping: merge(p.Mapping, o.Fields), Client: opt.Client, Timeout: opt.Timeout}
		if o.Title != "" {
			f.Title = o.Title
		}
		if f.Title == "" {
			f.Title = n
		}
		if o.Kind != "" {
			f.Kind = o.Kind
		}
		if o.URL != "" {
			f.URL = o.URL
		}
		if o.Key != "" {
			f.Key = o.Key
		}
		if o.Resource != "" {
			f.Resource = o.Resource
		}
		if err := validate(f.Mapping); err != nil {
			return nil, fmt.Errorf("power feeds.%s: %w", n, err)
		}
		out[n] = f
	}
	return out, nil
}

// Source builds the incident source [power] asks for: nil when off, the
// Router for "auto", one operator's feed otherwise. With feed_provider
// "ukpn" and feed_url set, UK Power Networks' reader of the first release
// is kept, since it also reads the dataset's JSON export.
func Source(cfg power.Config, opt BuildOptions) (power.IncidentSource, error) {
	if cfg.FeedProvider == power.ProviderOff {
		return nil, nil
	}
	if cfg.FeedProvider == power.ProviderUKPN && cfg.FeedURL != "" {
		if _, overridden := cfg.Feeds["ukpn"]; !overridden {
			return &power.UKPN{Client: opt.Client, URL: cfg.FeedURL, Key: cfg.FeedKey, Timeout: opt.Timeout}, nil
		}
	}
	feeds, err := Feeds(cfg, opt)
	if err != nil {
		return nil, err
	}
	if cfg.FeedProvider == power.ProviderAuto {
		if len(feeds) == 0 {
			return nil, nil
		}
		return &Router{Table: ShippedTable(), Feeds: feeds}, nil
	}
	f, ok := feeds[cfg.FeedProvider]
	if !ok {
		// Only in the console, for an operator it has no URL for.
		return nil, nil
	}
	return f, nil
}
