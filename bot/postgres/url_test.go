package postgres

import (
	"strings"
	"testing"
)

// A database URL's password never reaches a message or a log line.
func TestURLsNeverShowThePassword(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"postgres://bot:s3cret@db.example.org:5432/hub?sslmode=require", "postgres://bot:xxxxx@db.example.org:5432/hub?sslmode=require"},
		{"postgresql://bot@db.example.org/hub", "postgresql://bot@db.example.org/hub"},
		{"postgres:///hub?host=/run/postgresql", "postgres:///hub?host=/run/postgresql"},
		{"postgres://bot:s3cret@%zz/hub", "the PostgreSQL database"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, u := range []string{"postgres://bot:s3cret@db.example.org:port/hub", "postgres://bot:s3cret@db.example.org/hub?sslmode=bogus"} {
		_, err := ParseURL(u)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseURL(%q) = %v", u, err)
		}
	}
	if _, err := ParseURL("mysql://bot@h/db"); err == nil {
		t.Error("a MySQL URL was read as PostgreSQL's")
	}
	for s, want := range map[string]bool{"": false, "postgres://h/db": true, "postgresql://h/db": true, "Postgres://h/db": false, "./bot.db": false} {
		if IsURL(s) != want {
			t.Errorf("IsURL(%q) = %v", s, !want)
		}
	}
}
