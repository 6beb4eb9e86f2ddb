package sources

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseCAP: any document posted or fetched as CAP is read or refused
// with an error, and one read becomes an item (or is left out) for a
// placed group without a panic.
func FuzzParseCAP(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	groups := []Group{{Chat: "group:street", Areas: []string{"SY3"}, Point: Point{Lat: 52.7069, Lon: -2.7540}, Names: []string{"Shropshire", "England"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := ParseCAP(data)
		if err != nil {
			return
		}
		if a == nil {
			t.Fatal("no alert and no error")
		}
		if _, _, err := CAPItem(a, groups, []string{"flooding"}); err != nil {
			return
		}
	})
}
