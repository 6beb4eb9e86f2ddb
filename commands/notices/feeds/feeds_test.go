package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// conditionalServer serves body with an ETag and Last-Modified and answers
// 304 when the client sends them back; it counts full and 304 responses.
type conditionalServer struct {
	body              atomic.Pointer[[]byte]
	etag              atomic.Value
	full, notModified atomic.Int32
	lastModified      string
}

func (s *conditionalServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	etag := s.etag.Load().(string)
	if r.Header.Get("If-None-Match") == etag || (r.Header.Get("If-None-Match") == "" && r.Header.Get("If-Modified-Since") == s.lastModified) {
		s.notModified.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.full.Add(1)
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", s.lastModified)
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write(*s.body.Load())
}

func (s *conditionalServer) serve(body []byte, etag string) {
	s.body.Store(&body)
	s.etag.Store(etag)
}

func TestFetchConditionalGET(t *testing.T) {
	cs := &conditionalServer{lastModified: "Mon, 05 Jan 2026 08:30:00 GMT"}
	cs.serve(fixture(t, "gritting.rss"), `"v1"`)
	srv := httptest.NewServer(cs)
	defer srv.Close()
	f := Fetcher{Client: srv.Client(), Timeout: 5 * time.Second, MaxBytes: 1 << 20}
	ctx := context.Background()

	first, err := f.Fetch(ctx, srv.URL, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || len(first.Items) != 2 {
		t.Fatalf("first fetch: not modified %v, %d items; want 2 items", first.NotModified, len(first.Items))
	}
	if first.Validators.ETag != `"v1"` || first.Validators.LastModified != cs.lastModified {
		t.Fatalf("validators %+v", first.Validators)
	}
	second, err := f.Fetch(ctx, srv.URL, first.Validators)
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || len(second.Items) != 0 {
		t.Fatalf("second fetch should be 304 with no items, got %+v", second)
	}
	if second.Validators != first.Validators {
		t.Errorf("304 must keep the validators: %+v", second.Validators)
	}
	cs.serve(fixture(t, "gritting_update.rss"), `"v2"`)
	third, err := f.Fetch(ctx, srv.URL, second.Validators)
	if err != nil {
		t.Fatal(err)
	}
	if third.NotModified || len(third.Items) != 3 || third.Validators.ETag != `"v2"` {
		t.Fatalf("after change: %+v", third)
	}
	if got, want := cs.full.Load(), int32(2); got != want {
		t.Errorf("full responses = %d, want %d", got, want)
	}
	if got, want := cs.notModified.Load(), int32(1); got != want {
		t.Errorf("304 responses = %d, want %d", got, want)
	}
}

func TestParseRSSItems(t *testing.T) {
	res, err := Parse(fixture(t, "gritting.rss"))
	if err != nil {
		t.Fatal(err)
	}
	it := res.Items[0]
	if it.ID != "shropshire-gritting-2026-01-05-1" {
		t.Errorf("GUID = %q", it.ID)
	}
	if it.Title != "Gritting tonight: priority routes from 6pm" {
		t.Errorf("title = %q", it.Title)
	}
	if !it.Published.Equal(time.Date(2026, 1, 5, 8, 30, 0, 0, time.UTC)) {
		t.Errorf("published = %v", it.Published)
	}
	for _, want := range []string{
		"so our gritters will treat all priority 1 routes from 6pm.",
		"• Shrewsbury town centre and the A5/A49 junctions",
		"gritting routes map (https://www.shropshire.gov.uk/roads-and-highways/winter-gritting/gritting-routes/) for details.",
	} {
		if !strings.Contains(it.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, it.Body)
		}
	}
	for _, bad := range []string{"<", "trackView", "&nbsp;"} {
		if strings.Contains(it.Body, bad) {
			t.Errorf("body still has %q:\n%s", bad, it.Body)
		}
	}
	if res.Items[1].Title != "Salt bins refilled in Church Stretton & the Strettons" {
		t.Errorf("entity in title: %q", res.Items[1].Title)
	}
}

func TestParseAtom(t *testing.T) {
	res, err := Parse(fixture(t, "bins.atom"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 2 {
		t.Fatalf("%d items", len(res.Items))
	}
	it := res.Items[0]
	if it.ID != "tag:shropshire.gov.uk,2026:bins/2026-01-05-delay" {
		t.Errorf("id = %q", it.ID)
	}
	if it.Link != "https://www.shropshire.gov.uk/waste-and-recycling/christmas-and-new-year-collections/" {
		t.Errorf("link = %q", it.Link)
	}
	want := "All household black bin, recycling and garden waste collections this week will be one day later than usual.\n\nPlease put your bins out by 7am on your new day."
	if it.Body != want {
		t.Errorf("body =\n%q\nwant\n%q", it.Body, want)
	}
	if res.Items[1].Body == "" {
		t.Error("summary-only entry lost its text")
	}
}

func TestItemWithoutGUIDGetsStableID(t *testing.T) {
	a, err := Parse(fixture(t, "gritting.rss"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(fixture(t, "gritting_update.rss"))
	if err != nil {
		t.Fatal(err)
	}
	noGUID := a.Items[1]
	if !strings.HasPrefix(noGUID.ID, "sha256:") {
		t.Fatalf("derived id = %q", noGUID.ID)
	}
	// The same item in the next version of the feed, at another position,
	// keeps its id.
	if b.Items[2].ID != noGUID.ID {
		t.Errorf("derived id changed between fetches: %q vs %q", noGUID.ID, b.Items[2].ID)
	}
	other := noGUID
	other.Title += " (corrected)"
	if DerivedID(other) == noGUID.ID {
		t.Error("a different title must give a different id")
	}
}

func TestFetchFaults(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/malformed", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Broken<item><title>no end`)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<!doctype html><html><body><h1>Site maintenance</h1></body></html>`)
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		// 50 MB of items, streamed without a Content-Length.
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>`)
		item := strings.Repeat("<item><title>x</title><description>"+strings.Repeat("y", 1000)+"</description></item>", 10)
		for written := 0; written < 50<<20; written += len(item) {
			if _, err := io.WriteString(w, item); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/huge-declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(50<<20))
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gone", http.StatusGone)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := Fetcher{Client: srv.Client(), Timeout: 200 * time.Millisecond, MaxBytes: 5 << 20}
	tests := []struct {
		path string
		want string
		is   error
	}{
		{"/malformed", "parse feed", nil},
		{"/html", "parse feed", nil},
		{"/huge", "", ErrTooLarge},
		{"/huge-declared", "", ErrTooLarge},
		{"/slow", "", context.DeadlineExceeded},
		{"/gone", "HTTP 410", nil},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f := f
			if tt.path != "/slow" {
				// Only the slow server should meet the timeout, however
				// loaded the machine running the tests.
				f.Timeout = 10 * time.Second
			}
			_, err := f.Fetch(context.Background(), srv.URL+tt.path, Validators{})
			if err == nil {
				t.Fatal("want an error")
			}
			if tt.want != "" && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text &amp; more", "plain text & more"},
		{"no markup at all", "no markup at all"},
		{"<p>One</p><p>Two</p>", "One\n\nTwo"},
		{"Line<br>break", "Line\nbreak"},
		{`<a href="https://x.example/a">the map</a>.`, "the map (https://x.example/a)."},
		{`<a href="https://x.example/a">https://x.example/a</a>`, "https://x.example/a"},
		{`<a href="javascript:alert(1)">click</a>`, "click"},
		{"<style>p{color:red}</style><script>evil()</script>Kept", "Kept"},
		{"<b>bold</b> and <i>italic</i>", "bold and italic"},
		{`<img src="x.png" alt="Gritter at work">`, "Gritter at work"},
		{"<p>unclosed <b>tag", "unclosed tag"},
		{"Ünïcödé — “quotes” 🚧", "Ünïcödé — “quotes” 🚧"},
		// A list's items stay on consecutive lines, however the markup is
		// indented; the list is a paragraph of its own.
		{"<p>Routes:</p><ul><li>A5</li><li>A49</li></ul><p>More soon.</p>", "Routes:\n\n• A5\n• A49\n\nMore soon."},
		{"<ul>\n  <li>A5</li>\n  <li><p>A49</p></li>\n</ul>", "• A5\n• A49"},
		{"Before<ol><li>one</li></ol>", "Before\n• one"},
	}
	for _, tt := range tests {
		if got := HTMLToText(tt.in); got != tt.want {
			t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
