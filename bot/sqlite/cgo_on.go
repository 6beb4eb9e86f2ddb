//go:build cgo

package sqlite

// errNoCgo is nil when the driver is compiled in.
var errNoCgo error
