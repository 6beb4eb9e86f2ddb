package console

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Delivered is one message as the simulated WhatsApp server accepted it.
type Delivered struct {
	ID   string `json:"id"`
	Chat string `json:"chat"`
	Kind string `json:"kind"` // "text" or "poll"
	Text string `json:"text"`
}

// deliveryLog stands in for WhatsApp's server across console processes: it
// keeps one message per id, as the server does, so a send repeated under the
// same id after a crash is accepted without appearing twice. Each accepted
// message is appended and synced before it is printed.
type deliveryLog struct {
	f    *os.File
	seen map[string]bool
}

// UseDeliveryLog makes the console record every message it is sent in path
// (JSON lines, created if missing) and ignore a message whose id the file
// already holds. Crash tests read the file to count lost and repeated
// messages.
func (c *Console) UseDeliveryLog(path string) error {
	seen := map[string]bool{}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 4<<20)
		for sc.Scan() {
			var d Delivered
			if json.Unmarshal(sc.Bytes(), &d) == nil {
				seen[d.ID] = true
			}
		}
		f.Close()
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delivery log: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("delivery log: %w", err)
	}
	c.mu.Lock()
	c.delivered = &deliveryLog{f: f, seen: seen}
	c.mu.Unlock()
	return nil
}

// ReadDeliveryLog returns the messages a delivery log holds, in order.
func ReadDeliveryLog(path string) ([]Delivered, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Delivered
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		var d Delivered
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("delivery log line %d: %w", len(out)+1, err)
		}
		out = append(out, d)
	}
	return out, sc.Err()
}

// accept records a message and reports whether it is new. Without a log
// every message is new.
func (l *deliveryLog) accept(d Delivered) (bool, error) {
	if l == nil || d.ID == "" {
		return true, nil
	}
	if l.seen[d.ID] {
		return false, nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return false, err
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return false, fmt.Errorf("delivery log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return false, fmt.Errorf("delivery log: %w", err)
	}
	l.seen[d.ID] = true
	return true, nil
}

// Progress is how far a script got, so that a run interrupted by a crash or
// a signal goes on from where it stopped, with its clock, instead of
// replaying time from the start (a real restart happens later, never
// earlier).
type Progress struct {
	Script string    `json:"script"` // SHA-256 of the script, so another script starts afresh
	Lines  int       `json:"lines"`  // lines finished
	Clock  time.Time `json:"clock"`  // the clock after the last finished line
	Done   bool      `json:"done"`   // the script ran to its end
}

// ResumeFrom makes RunScript skip the first p.Lines lines (replaying them
// only into the console's memory: groups, latest messages, polls) and
// record its progress in path after every line.
func (c *Console) ResumeFrom(path string, p Progress) {
	c.progressPath, c.progress = path, p
}

// LoadProgress reads a progress file; a missing one is no progress.
func LoadProgress(path string) (Progress, error) {
	var p Progress
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Progress{}, fmt.Errorf("progress file %s: %w", path, err)
	}
	return p, nil
}

// saveProgress writes the progress file atomically. Whatever stops it (a
// full disk) leaves no temporary file behind: the old progress stands.
func (c *Console) saveProgress() error {
	if c.progressPath == "" {
		return nil
	}
	b, err := json.Marshal(c.progress)
	if err != nil {
		return err
	}
	tmp := c.progressPath + ".tmp"
	if err := writeSynced(tmp, b); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, c.progressPath); err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(c.progressPath)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// writeSynced writes b to a new file at path (0600) and syncs it to disk.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}
