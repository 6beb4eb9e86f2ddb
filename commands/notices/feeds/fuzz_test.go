package feeds

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any document a feed server sends is read or refused with an
// error — never a panic — and every item read has an id.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := Parse(body)
		if err != nil {
			return
		}
		for i, it := range res.Items {
			if it.ID == "" {
				t.Fatalf("item %d has no id", i)
			}
		}
	})
}
