//go:build !cgo

package sqlite

import (
	"database/sql"
	"database/sql/driver"
	"errors"
)

// errNoCgo replaces the driver's stub error, which only shows at the first
// query, with what to do.
var errNoCgo = errors.New("this binary was built without cgo and has no SQLite driver: build with CGO_ENABLED=1 and a C compiler (see scripts/release for static cross-builds)")

// noDriver stands in for the store's driver so the name is registered
// (every use returns errNoCgo first; this only keeps sql.Open honest).
type noDriver struct{}

func (noDriver) Open(string) (driver.Conn, error) { return nil, errNoCgo }

func init() { sql.Register(driverName, noDriver{}) }
