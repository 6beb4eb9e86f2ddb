package operators

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"neighbourbot/commands/power"

	"neighbourbot/bot/bounds"
)

// Fetcher kinds.
const (
	// KindOpendatasoft pages through an Opendatasoft Explore v2.1 records
	// endpoint (…/catalog/datasets/ID/records): {"total_count": N,
	// "results": [...]}, limit at most 100 a page.
	KindOpendatasoft = "opendatasoft"
	// KindCKAN pages through CKAN's datastore_search action:
	// {"success": true, "result": {"records": [...], "total": N}}.
	KindCKAN = "ckan"
	// KindJSON is one GET of a JSON document holding the records.
	KindJSON = "json"
)

// maxBody caps one response; maxPages caps the pages of one fetch.
const (
	maxBody  = 8 << 20
	maxPages = 20
)

// Feed is one operator's live list: where and how to fetch it and how to
// read it.
type Feed struct {
	// Name is the operator's short name ("nged").
	Name string
	// Title is how residents know it ("National Grid Electricity Distribution").
	Title string
	Kind  string
	URL   string
	// Key is the portal's API key, sent as "Authorization: Apikey KEY"
	// (Opendatasoft) or "Authorization: KEY" (CKAN).
	Key string
	// NeedsKey marks portals that refuse anonymous requests: without a key
	// the feed is not asked at all.
	NeedsKey bool
	// Resource is CKAN's resource_id.
	Resource string
	Mapping  Mapping
	Client   *http.Client
	Timeout  time.Duration
}

// Incidents implements power.IncidentSource.
func (f *Feed) Incidents(ctx context.Context) ([]power.Incident, error) {
	if f.NeedsKey && f.Key == "" {
		return nil, fmt.Errorf("%s: the portal needs an API key (set [power.feeds.%s] key)", f.Name, f.Name)
	}
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	var records []any
	var err error
	switch f.Kind {
	case KindOpendatasoft:
		records, err = f.pages(ctx, 100, func(u *url.URL, limit, offset int) {
			q := u.Query()
			q.Set("limit", strconv.Itoa(limit))
			q.Set("offset", strconv.Itoa(offset))
			u.RawQuery = q.Encode()
		}, "results", "total_count")
	case KindCKAN:
		records, err = f.pages(ctx, 1000, func(u *url.URL, limit, offset int) {
			q := u.Query()
			if f.Resource != "" {
				q.Set("resource_id", f.Resource)
			}
			q.Set("limit", strconv.Itoa(limit))
			q.Set("offset", strconv.Itoa(offset))
			u.RawQuery = q.Encode()
		}, "result.records", "result.total")
	case KindJSON:
		var doc any
		if doc, err = f.get(ctx, f.URL); err == nil {
			records, err = recordList(doc, f.Mapping.Records)
		}
	default:
		err = fmt.Errorf("unknown feed kind %q", f.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("%s outage feed: %w", f.Name, err)
	}
	incs, err := Parse(records, f.Mapping, f.Name)
	if err != nil {
		return nil, fmt.Errorf("%s outage feed: %w", f.Name, err)
	}
	for i := range incs {
		incs[i].Publisher = f.Title
	}
	return incs, nil
}

// pages fetches page after page until a short page, the announced total
// or maxPages. The mapping's Records path, when set, overrides listPath.
func (f *Feed) pages(ctx context.Context, limit int, set func(u *url.URL, limit, offset int), listPath, totalPath string) ([]any, error) {
	if f.Mapping.Records != "" {
		listPath = f.Mapping.Records
	}
	var all []any
	for page := 0; page < maxPages; page++ {
		u, err := url.Parse(f.URL)
		if err != nil {
			return nil, fmt.Errorf("url: %w", err)
		}
		set(u, limit, len(all))
		doc, err := f.get(ctx, u.String())
		if err != nil {
			return nil, err
		}
		if f.Kind == KindCKAN {
			if ok, _ := lookup(doc, "success"); ok == false {
				return nil, errors.New(`CKAN answered "success": false`)
			}
		}
		list, err := recordList(doc, listPath)
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
		if len(all) > maxRecords {
			return nil, fmt.Errorf("more than %d records", maxRecords)
		}
		total := -1
		if t, ok := lookup(doc, totalPath); ok {
			if n, err := strconv.Atoi(text(t)); err == nil {
				total = n
			}
		}
		if len(list) < limit || (total >= 0 && len(all) >= total) {
			return all, nil
		}
	}
	return all, nil
}

func (f *Feed) get(ctx context.Context, u string) (any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "neighbourbot (power-cut checks)")
	if f.Key != "" {
		if f.Kind == KindCKAN {
			req.Header.Set("Authorization", f.Key)
		} else {
			req.Header.Set("Authorization", "Apikey "+f.Key)
		}
	}
	body, resp, err := power.FetchBody(f.Client, req, maxBody)
	if err != nil {
		return nil, err
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errors.New("empty response")
	}
	if body[0] != '{' && body[0] != '[' {
		what := "not JSON"
		if body[0] == '<' {
			what = "HTML or XML, not JSON"
		}
		return nil, fmt.Errorf("response is %s (%s)", what, strings.TrimSpace(resp.Header.Get("Content-Type")))
	}
	// Up to maxRecords records of a few dozen fields each; decoded into
	// maps, so the count matters more than the bytes.
	if err := (bounds.Limits{MaxElements: maxRecords * 40}).JSON(body); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	return doc, nil
}
