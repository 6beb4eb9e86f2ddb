//go:build cgo

package main

// builtWithCgo: the SQLite driver is compiled in.
const builtWithCgo = true
