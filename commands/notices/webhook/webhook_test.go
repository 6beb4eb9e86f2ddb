package webhook

import (
	"net/http/httptest"
	"testing"
)

// TestRequestShape: the bearer scheme in any case, JSON and +json types
// with parameters, and CAP's XML types.
func TestRequestShape(t *testing.T) {
	for _, c := range []struct {
		auth, want string
		ok         bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer  abc ", "abc", true},
		{"BEARER abc", "abc", true},
		{"Basic abc", "", false},
		{"Bearer", "", false},
		{"", "", false},
	} {
		req := httptest.NewRequest("POST", "/notices", nil)
		req.Header.Set("Authorization", c.auth)
		if got, ok := BearerToken(req); got != c.want || ok != c.ok {
			t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", c.auth, got, ok, c.want, c.ok)
		}
	}
	for v, want := range map[string]bool{
		"application/json": true, "application/json; charset=utf-8": true, "application/notice+json": true,
		"text/plain": false, "application/xml": false, "": false, "application/json;;": false,
	} {
		if got := jsonContentType(v); got != want {
			t.Errorf("jsonContentType(%q) = %v, want %v", v, got, want)
		}
	}
	for v, want := range map[string]bool{"application/cap+xml": true, "application/xml": true, "text/xml; charset=utf-8": true, "application/json": false} {
		req := httptest.NewRequest("POST", "/notices", nil)
		req.Header.Set("Content-Type", v)
		if got := isCAP(req); got != want {
			t.Errorf("isCAP(%q) = %v, want %v", v, got, want)
		}
	}
}
