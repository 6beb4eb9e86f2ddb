package sources

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
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

// TestHostileCAPStaysSmall: CAP alerts inside the 5 MB body limit built
// to make the decoder allocate far more than their size are refused, and
// reading them allocates less than 50 MB (runtime.MemStats).
func TestHostileCAPStaysSmall(t *testing.T) {
	const limit = 5 << 20
	head := `<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier>`
	shapes := map[string]string{
		"unknown elements": head + strings.Repeat("<ext:x/>", (limit-len(head)-16)/8) + "</alert>",
		"many info blocks": head + strings.Repeat("<info/>", (limit-len(head)-16)/7) + "</alert>",
		"many areas":       head + "<info>" + strings.Repeat("<area/>", (limit-len(head)-32)/7) + "</info></alert>",
		"huge polygon":     head + "<info><area><polygon>" + strings.Repeat("52.7,-2.7 ", (limit-len(head)-64)/10) + "</polygon></area></info></alert>",
	}
	for name, doc := range shapes {
		t.Run(name, func(t *testing.T) {
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := ParseCAP([]byte(doc))
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Error("accepted")
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 50<<20 {
				t.Errorf("reading allocated %d MB, want under 50 MB", alloc>>20)
			} else {
				t.Logf("%d-byte alert: %.1f MB allocated (%v)", len(doc), float64(alloc)/(1<<20), err)
			}
		})
	}
}
