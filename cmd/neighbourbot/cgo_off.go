//go:build !cgo

package main

// builtWithCgo is false in a binary built with CGO_ENABLED=0 (or cross-
// compiled without a C compiler): the SQLite driver is then a stub that
// fails at the first database open, so main refuses to start at all.
const builtWithCgo = false
