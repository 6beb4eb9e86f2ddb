package feeds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
)

// hostileFeeds are documents inside the 5 MB body limit built to make a
// parser allocate far more than their size.
func hostileFeeds() map[string][]byte {
	const limit = 5 << 20
	deep := bytes.NewBufferString(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>`)
	for deep.Len() < limit-16 {
		deep.WriteString("<a>") // 1.5 million elements, never closed
	}
	flat := bytes.NewBufferString(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>`)
	for flat.Len() < limit-32 {
		flat.WriteString("<item><title>t</title></item>")
	}
	flat.WriteString("</channel></rss>")
	atom := bytes.NewBufferString(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>`)
	for atom.Len() < limit-16 {
		atom.WriteString("<entry/>")
	}
	// Many elements that are neither items nor nested: namespaced
	// extensions in the channel, in one item, and Atom links.
	ext := bytes.NewBufferString(`<?xml version="1.0"?><rss version="2.0" xmlns:ext="urn:x"><channel><title>x</title>`)
	for ext.Len() < limit-32 {
		ext.WriteString("<ext:x/>")
	}
	ext.WriteString("</channel></rss>")
	oneItem := bytes.NewBufferString(`<?xml version="1.0"?><rss version="2.0" xmlns:ext="urn:x"><channel><title>x</title><item><title>t</title>`)
	for oneItem.Len() < limit-48 {
		oneItem.WriteString("<ext:a/>")
	}
	oneItem.WriteString("</item></channel></rss>")
	links := bytes.NewBufferString(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><entry><id>e</id><title>t</title>`)
	for links.Len() < limit-48 {
		links.WriteString("<link/>")
	}
	links.WriteString("</entry></feed>")
	// One huge text field.
	field := bytes.NewBufferString(`<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>t</title><description>`)
	field.WriteString(strings.Repeat("word ", (limit-200)/5))
	field.WriteString("</description></item></channel></rss>")
	return map[string][]byte{"deep": deep.Bytes(), "many items": flat.Bytes(), "many atom entries": atom.Bytes(),
		"namespaced elements": ext.Bytes(), "extensions in one item": oneItem.Bytes(), "atom links": links.Bytes(), "one huge field": field.Bytes()}
}

// TestHostileFeedsStaySmall parses each hostile feed and checks with
// runtime.ReadMemStats that the parse allocated less than 50 MB in all
// (TotalAlloc counts every allocation, so the heap's peak was lower still).
// Before the limits, the deep feed alone took over 400 MB; before elements
// and fields were counted, 650,000 namespaced elements took about 270 MB.
func TestHostileFeedsStaySmall(t *testing.T) {
	for name, body := range hostileFeeds() {
		t.Run(name, func(t *testing.T) {
			if len(body) > 5<<20 {
				t.Fatalf("test feed is %d bytes, over the 5 MB body limit", len(body))
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Parse(body)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooComplex) {
				t.Errorf("err = %v, want ErrTooComplex", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 50<<20 {
				t.Errorf("parsing allocated %d MB, want under 50 MB", alloc>>20)
			} else {
				t.Logf("%d-byte feed: %.1f MB allocated", len(body), float64(alloc)/(1<<20))
			}
		})
	}
}

func TestLimits(t *testing.T) {
	nested := func(depth int) []byte {
		return []byte(`<rss version="2.0"><channel><title>x</title><item><title>t</title><description>` +
			strings.Repeat("<x>", depth) + strings.Repeat("</x>", depth) + `</description></item></channel></rss>`)
	}
	items := func(n int) []byte {
		return []byte(`<rss version="2.0"><channel><title>x</title>` + strings.Repeat("<item><title>t</title><guid>g</guid></item>", n) + `</channel></rss>`)
	}
	l := Limits{MaxDepth: 10, MaxItems: 3}
	for _, tc := range []struct {
		name string
		body []byte
		ok   bool
	}{
		{"depth at the limit", nested(6), true}, // rss, channel, item, description + 6 = 10
		{"one deeper", nested(7), false},
		{"items at the limit", items(3), true},
		{"one item more", items(4), false},
	} {
		res, err := l.Parse(tc.body)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, ErrTooComplex) {
			t.Errorf("%s: err = %v (%d items), want ErrTooComplex", tc.name, err, len(res.Items))
		}
	}
}

// TestFetchTimeoutIsTheConfiguredOne: the shared client's shorter timeout
// does not cut a fetch that fetch_timeout allows, and fetch_timeout does
// cut a slower one.
func TestFetchTimeoutIsTheConfiguredOne(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(400 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, `<rss version="2.0"><channel><title>x</title><item><title>t</title><guid>g</guid></item></channel></rss>`)
	}))
	defer srv.Close()
	short := srv.Client()
	short.Timeout = 100 * time.Millisecond // as if the bot's shared client were shorter
	f := Fetcher{Client: short, Timeout: 5 * time.Second}
	res, err := f.Fetch(context.Background(), srv.URL, Validators{})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("fetch_timeout 5s, server 400ms: %v (%d items)", err, len(res.Items))
	}
	if short.Timeout != 100*time.Millisecond {
		t.Error("Fetch changed the caller's client")
	}
	f.Timeout = 150 * time.Millisecond
	if _, err := f.Fetch(context.Background(), srv.URL, Validators{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("fetch_timeout 150ms, server 400ms: %v, want a deadline error", err)
	}
}

func TestFetchKeepsRetryAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1800")
		http.Error(w, "busy", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, err := Fetcher{Client: srv.Client(), Timeout: 5 * time.Second}.Fetch(context.Background(), srv.URL, Validators{})
	if got := bot.RetryAfterOf(err); got != 30*time.Minute || !strings.Contains(fmt.Sprint(err), "HTTP 503") {
		t.Fatalf("503 with Retry-After 1800: %v (retry after %s)", err, got)
	}
}
