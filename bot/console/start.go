package console

import (
	"bufio"
	"bytes"
	"strings"
	"time"
)

// LeadingTime is the time of a script's first @time when nothing before it
// but comments and setting the scene (@group, @admin, @unadmin, @botadmin)
// can make the bot do anything. The console starts its clock there, so
// that feeds and sources are first polled at the script's time, not at the
// default start a moment before it.
func LeadingTime(script []byte) (time.Time, bool) {
	sc := bufio.NewScanner(bytes.NewReader(script))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, args, _ := strings.Cut(strings.TrimPrefix(line, "@"), " ")
		if !strings.HasPrefix(line, "@") {
			return time.Time{}, false
		}
		switch name {
		case "group", "admin", "unadmin", "botadmin":
			continue
		case "time":
			t, err := time.Parse(time.RFC3339, strings.TrimSpace(args))
			return t, err == nil
		}
		return time.Time{}, false
	}
	return time.Time{}, false
}
