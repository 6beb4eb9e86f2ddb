// Package feeds fetches RSS and Atom feeds politely and turns their items
// into plain, bounded records: conditional GET (ETag / Last-Modified), a
// timeout and a size cap on every fetch, parsing by gofeed, HTML bodies
// reduced to plain text, and a stable id for items that carry no GUID.
package feeds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"neighbourbot/bot"
	"neighbourbot/bot/bounds"
)

// Validators are what a server gave us last time, sent back so it can
// answer 304 Not Modified.
type Validators struct {
	ETag         string
	LastModified string
}

// Item is one feed entry reduced to what a notice needs.
type Item struct {
	// ID is the item's GUID, or one derived from its link, title and date.
	ID         string
	Title      string
	Body       string // plain text
	Link       string
	Published  time.Time // zero when the feed gave no date
	Categories []string
}

// Result is one fetch.
type Result struct {
	NotModified bool
	Validators  Validators
	FeedTitle   string
	Items       []Item
}

// Fetcher fetches and parses feeds.
type Fetcher struct {
	Client *http.Client
	// Timeout bounds the whole fetch, body included, and replaces the
	// client's own timeout, so the configured fetch_timeout is the one
	// that applies.
	Timeout   time.Duration
	MaxBytes  int64 // body cap
	UserAgent string
	Limits    Limits
}

// Limits bound what a feed may make the parser build. The document is
// scanned token by token first and refused at the first element past
// MaxDepth or the first item past MaxItems, so a hostile feed (a million
// unclosed elements, half a million empty items) costs little memory.
type Limits struct {
	MaxDepth int // element nesting; 0 means DefaultMaxDepth
	MaxItems int // <item> and <entry> elements; 0 means DefaultMaxItems
	// MaxElements and MaxFieldBytes bound every element, namespaced
	// extensions and links included, and the text of each; 0 means
	// bounds' defaults.
	MaxElements   int
	MaxFieldBytes int
}

// Defaults for Limits: a real RSS item sits at depth 3 and an Atom entry's
// XHTML content rarely below 20; councils' feeds carry tens of items.
const (
	DefaultMaxDepth = 64
	DefaultMaxItems = 500
)

// ErrTooLarge means the feed body went over MaxBytes.
var ErrTooLarge = errors.New("feed larger than the size limit")

// ErrTooComplex means the feed nests deeper or holds more items than
// Limits allow.
var ErrTooComplex = errors.New("feed over the parsing limits")

// Fetch gets url, sending the validators, and parses the body.
func (f Fetcher) Fetch(ctx context.Context, url string, v Validators) (Result, error) {
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
		// The shared client's own timeout (kept short for other callers)
		// would otherwise cut a fetch the configuration allows longer.
		c := *client
		c.Timeout = 0
		client = &c
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Result{}, fmt.Errorf("feed request: %w", err)
	}
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8")
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Result{}, fmt.Errorf("fetch feed: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return Result{NotModified: true, Validators: v}, nil
	}
	if resp.StatusCode != http.StatusOK {
		// A 429 or 503 with Retry-After says when to come back; the poller
		// waits at least that long (bot.RetryAfterOf).
		return Result{}, bot.WithRetryAfter(fmt.Errorf("fetch feed: HTTP %d", resp.StatusCode), resp, time.Now())
	}
	limit := f.MaxBytes
	if limit <= 0 {
		limit = 5 << 20
	}
	if resp.ContentLength > limit {
		return Result{}, fmt.Errorf("%w (%d bytes announced, limit %d)", ErrTooLarge, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return Result{}, fmt.Errorf("read feed: %w", err)
	}
	if int64(len(body)) > limit {
		return Result{}, fmt.Errorf("%w (limit %d bytes)", ErrTooLarge, limit)
	}
	res, err := f.Limits.Parse(body)
	if err != nil {
		return Result{}, err
	}
	res.Validators = Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	return res, nil
}

// Parse reads an RSS or Atom document within the default limits.
func Parse(body []byte) (Result, error) { return Limits{}.Parse(body) }

// Parse reads an RSS or Atom document after checking it stays within l.
func (l Limits) Parse(body []byte) (Result, error) {
	if err := l.check(body); err != nil {
		return Result{}, err
	}
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		return Result{}, fmt.Errorf("parse feed: %w", err)
	}
	res := Result{FeedTitle: strings.TrimSpace(feed.Title)}
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		item := Item{
			Title:      strings.Join(strings.Fields(HTMLToText(it.Title)), " "),
			Link:       strings.TrimSpace(it.Link),
			Categories: it.Categories,
		}
		body := it.Content
		if strings.TrimSpace(body) == "" {
			body = it.Description
		}
		item.Body = HTMLToText(body)
		switch {
		case it.PublishedParsed != nil:
			item.Published = it.PublishedParsed.UTC()
		case it.UpdatedParsed != nil:
			item.Published = it.UpdatedParsed.UTC()
		}
		item.ID = strings.TrimSpace(it.GUID)
		if item.ID == "" {
			item.ID = DerivedID(item)
		}
		res.Items = append(res.Items, item)
	}
	return res, nil
}

// DerivedID is a stable id for an item without a GUID: the same link,
// title and date give the same id on every fetch.
func DerivedID(it Item) string {
	h := sha256.New()
	h.Write([]byte(it.Link))
	h.Write([]byte{0})
	h.Write([]byte(it.Title))
	h.Write([]byte{0})
	if !it.Published.IsZero() {
		h.Write([]byte(it.Published.UTC().Format(time.RFC3339)))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]
}

// check scans the document's tokens without building anything, counting
// nesting and items, and stops at the first one over the limits. RawToken
// keeps no stack of open elements, so the scan itself stays small however
// deep the document goes. Malformed XML is left for the parser to report.
func (l Limits) check(body []byte) error {
	maxDepth, maxItems := l.MaxDepth, l.MaxItems
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if maxItems <= 0 {
		maxItems = DefaultMaxItems
	}
	items := 0
	err := bounds.Limits{MaxDepth: maxDepth, MaxElements: l.MaxElements, MaxFieldBytes: l.MaxFieldBytes}.XML(body, func(t xml.StartElement) error {
		if name := strings.ToLower(t.Name.Local); name == "item" || name == "entry" {
			items++
			if items > maxItems {
				return fmt.Errorf("%w: more than %d items", ErrTooComplex, maxItems)
			}
		}
		return nil
	})
	if errors.Is(err, bounds.ErrTooComplex) {
		return fmt.Errorf("%w: %v", ErrTooComplex, err)
	}
	return err
}
