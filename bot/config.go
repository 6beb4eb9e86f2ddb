package bot

import (
	"log/slog"
	"time"
)

// Config holds the engine's own settings.
type Config struct {
	Prefix string
	// Owners are bot owners from config (phone numbers, LIDs or console
	// names): treated as admins in every group.
	Owners []string
	// MaxCommandRunes caps the length of a command the bot will parse.
	MaxCommandRunes int
	// SeenRetention is how long message ids are kept for dedupe.
	SeenRetention time.Duration
	// JobInterval is how often Run checks for due jobs.
	JobInterval time.Duration
	// SyncSends makes the engine send what a message or job queued right
	// after its commit, on the same goroutine, instead of from Run's
	// sender: the console and tests use it so replies follow their line.
	SyncSends bool
	// QuietHours holds bulk sends (normal notice fan-out and digests)
	// that fall due at night, after a retry or an offline spell, until
	// morning. Nil: no quiet hours.
	QuietHours *QuietHours
	// DeferDownloads downloads the attachments a handler asks for outside
	// the message's unit of work and handles the message once they are
	// in (mediafetch.go). Against WhatsApp it is on; the console's
	// attachments are local and come at once.
	DeferDownloads bool
	// Owner names this engine in its claims on a store shared by several
	// processes (see WorkClaimer); empty: host, process id and a counter.
	Owner string
	// Wake tells Run that another process changed the jobs or the send
	// queue (a hub's LISTEN/NOTIFY): it looks at both at once rather than
	// at its next tick. Nil: ticks only.
	Wake <-chan struct{}
	Log  *slog.Logger
	// Observer receives counts for metrics (optional).
	Observer Observer
}
