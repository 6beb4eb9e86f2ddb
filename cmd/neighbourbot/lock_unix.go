//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// dataLock is an exclusive lock on the data directory, so two instances
// never share one WhatsApp session and database (WhatsApp would replace one
// stream with the other, and both would act on every message).
type dataLock struct{ f *os.File }

// lockedError says another process holds the lock.
type lockedError struct {
	path string
	pid  int // 0 when unknown
}

func (e *lockedError) Error() string {
	if e.pid > 0 {
		return fmt.Sprintf("another neighbourbot (pid %d) is already running on this data directory (lock file %s)", e.pid, e.path)
	}
	return fmt.Sprintf("another neighbourbot is already running on this data directory (lock file %s)", e.path)
}

// lockDataDir takes a non-blocking flock on path. The lock goes with the
// open file, so it is released when the process exits, however it exits;
// the file itself stays and holds the last owner's pid for the message.
func lockDataDir(path string) (*dataLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			buf := make([]byte, 32)
			n, _ := f.ReadAt(buf, 0)
			pid, _ := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
			return nil, &lockedError{path: path, pid: pid}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dataLock{f: f}, nil
}

// Release unlocks and closes the lock file.
func (l *dataLock) Release() error {
	if err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN); err != nil {
		l.f.Close()
		return fmt.Errorf("unlock: %w", err)
	}
	return l.f.Close()
}

// restrictNewFiles makes every file the process creates from now on
// private to its owner (0600 files, 0700 directories), including the
// SQLite -wal and -shm files that neither we nor whatsmeow open ourselves.
func restrictNewFiles() { syscall.Umask(0o077) }
