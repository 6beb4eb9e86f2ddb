//go:build !cgo

package sqlite

import "errors"

// errNoCgo replaces the driver's stub error, which only shows at the first
// query, with what to do.
var errNoCgo = errors.New("this binary was built without cgo and has no SQLite driver: build with CGO_ENABLED=1 and a C compiler (see scripts/release for static cross-builds)")
