package whatsapp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"

	"go.mau.fi/whatsmeow/store"

	"neighbourbot/bot/sqlite"
)

// toServer sends every request to the test server, whatever its host.
type toServer struct{ target *url.URL }

func (t toServer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host = t.target.Scheme, t.target.Host
	return http.DefaultTransport.RoundTrip(r)
}

// A failed fetch of WhatsApp Web's version uses the last version fetched,
// kept in the session database across restarts, not the built-in one.
func TestWebVersionFallsBackToTheLastFetched(t *testing.T) {
	builtin := store.GetWAVersion()
	t.Cleanup(func() { store.SetWAVersion(builtin) })
	var up atomic.Bool
	up.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`<script>{"client_revision":4000000000,"other":1}</script>`))
	}))
	defer srv.Close()
	target, _ := url.Parse(srv.URL)
	hc := &http.Client{Transport: toServer{target}}
	path := filepath.Join(t.TempDir(), "whatsapp.db")
	open := func() *Session {
		s, err := OpenSession(context.Background(), SessionOptions{DSN: sqlite.DSN(path)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	s := open()
	s.UseLatestVersion(context.Background(), hc)
	fetched := store.WAVersionContainer{2, 3000, 4000000000}
	if store.GetWAVersion() != fetched {
		t.Fatalf("version = %s, want the fetched %s", store.GetWAVersion(), fetched)
	}
	s.Close()

	// A restart while WhatsApp Web does not answer.
	store.SetWAVersion(builtin)
	up.Store(false)
	s = open()
	defer s.Close()
	s.UseLatestVersion(context.Background(), hc)
	if store.GetWAVersion() != fetched {
		t.Fatalf("version = %s, want the last fetched %s, not the built-in %s", store.GetWAVersion(), fetched, builtin)
	}
}
