package bot

import (
	"context"
	"errors"
	"io/fs"
	"time"
)

// ErrNotFound is returned by stores when a record does not exist.
var ErrNotFound = errors.New("not found")

// GroupSettings is the per-group configuration the core itself needs.
type GroupSettings struct {
	Chat        ChatID
	Name        string
	Enabled     bool     // the bot answers only in groups an admin opted in
	FeaturesOff []string // feature families switched off by the group's admins
	Areas       []string // postcode districts or sectors ("SY3 7"), shared by power and notices
	UpdatedAt   time.Time
	Known       bool // the group has been configured at some point (a row exists)
	// Removed is when the bot was removed from the group; zero while the
	// bot is in it.
	Removed time.Time
	// Quiet is the group's own quiet hours as its admins set them with
	// !quiet: "" follows the bot's, "off" has none, "22:00-07:00" is the
	// group's window.
	Quiet string
}

// Listing is a long listing the bot posted in a group.
type Listing struct {
	Chat  ChatID
	Hash  string
	MsgID string
	First string // its first line, for the quote
	At    time.Time
}

// FeatureOn reports whether a feature family is on for the group.
func (g GroupSettings) FeatureOn(feature string) bool {
	for _, f := range g.FeaturesOff {
		if f == feature {
			return false
		}
	}
	return true
}

// Poll is a poll the bot sent, remembered so votes can be mapped back to
// option names and routed to the feature that asked.
type Poll struct {
	Chat     ChatID
	ID       string
	Kind     string // handler name registered with Registry.HandlePoll
	Ref      string // the feature's own reference (e.g. a check id)
	Question string
	Options  []string
	Created  time.Time
}

// Job is a persisted delayed task. Jobs survive restarts: the scheduler runs
// whatever fell due while the bot was down as soon as it starts.
type Job struct {
	ID       int64
	Kind     string // handler name registered with Jobs.HandleJob
	Key      string // optional; scheduling a key that exists replaces that job
	RunAt    time.Time
	Payload  []byte // JSON, decoded by the handler
	Attempts int
	LastErr  string
	// Gen counts replacements of a keyed job, so finishing one run never
	// deletes the run its handler scheduled under the same key.
	Gen int64
}

// AuditEntry records an admin command or an automatic action.
type AuditEntry struct {
	ID         int64
	Time       time.Time
	Chat       ChatID
	ActorID    int64 // 0 for the bot itself
	ActorName  string
	Action     string
	TargetID   int64
	TargetName string
	Detail     string
}

// Migrations is one component's numbered schema migrations: files named
// NNN_description.sql in FS, applied in order, each in its own transaction.
type Migrations struct {
	Component string
	FS        fs.FS
}

// MigrationsIn returns a component's migrations from the "migrations"
// folder of an embedded file system (//go:embed migrations/*.sql).
func MigrationsIn(component string, fsys fs.FS) Migrations {
	sub, err := fs.Sub(fsys, "migrations")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "migrations" is valid.
		panic("bot: migrations folder: " + err.Error())
	}
	return Migrations{Component: component, FS: sub}
}

// Store is the core's persistence. bot/sqlite implements it.
type Store interface {
	// DB gives feature packages the shared database for their own tables
	// (declared through Migrations); calls run in the unit of work of ctx.
	DB() DB
	// Atomic runs fn in a unit of work: one transaction for everything done
	// with the context it is given (a savepoint when ctx already has one).
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	// Checkpoint commits the unit of work of ctx so far and carries on in a
	// new transaction: for a job about to call a service outside the bot.
	Checkpoint(ctx context.Context) error
	// AfterCommit runs f after the unit of work of ctx commits.
	AfterCommit(ctx context.Context, f func())
	// InUnit reports whether ctx carries a unit of work.
	InUnit(ctx context.Context) bool

	ResolvePerson(ctx context.Context, s Sender, at time.Time) (Person, error)
	PersonByID(ctx context.Context, id int64) (Person, error)
	PersonByAddr(ctx context.Context, addr Address) (Person, error)
	PersonAddrs(ctx context.Context, id int64) ([]Address, error)
	// ForgetPerson removes a person's addresses and replaces their name, so
	// records kept for the group's history no longer identify them.
	ForgetPerson(ctx context.Context, id int64) error
	// OnMerge adds a step to the merging of two people's records (see
	// PersonMerger); it runs inside the merge's transaction.
	OnMerge(fn func(ctx context.Context, tx Tx, from, into int64) error)
	// MarkContactable records that the person addressed the bot.
	MarkContactable(ctx context.Context, id int64) error
	// Contactable reports whether the person ever addressed the bot.
	Contactable(ctx context.Context, id int64) (bool, error)

	// FirstSeen records a message id and reports whether it is new.
	FirstSeen(ctx context.Context, chat ChatID, msgID string, at time.Time) (bool, error)
	PurgeSeen(ctx context.Context, before time.Time) (int64, error)

	GroupSettings(ctx context.Context, chat ChatID) (GroupSettings, error)
	SaveGroupSettings(ctx context.Context, g GroupSettings) error
	// SetGroupRemoved records that the bot was removed from a known group
	// at at, or (zero at) added back. changed is false when the group was
	// already so, or is not known.
	SetGroupRemoved(ctx context.Context, chat ChatID, at time.Time) (changed bool, err error)
	EnabledGroups(ctx context.Context) ([]GroupSettings, error)
	// RecentListing finds a long listing with this hash posted in the chat
	// since since: its message id, first line and time.
	RecentListing(ctx context.Context, chat ChatID, hash string, since time.Time) (l Listing, ok bool, err error)
	// SaveListing records a long listing posted in the chat, forgetting the
	// chat's listings from before forgetBefore.
	SaveListing(ctx context.Context, l Listing, forgetBefore time.Time) error

	SetMember(ctx context.Context, chat ChatID, person int64, present bool, at time.Time) error
	IsMember(ctx context.Context, chat ChatID, person int64) (bool, error)
	MemberGroups(ctx context.Context, person int64) ([]ChatID, error)

	SavePoll(ctx context.Context, p Poll) error
	Poll(ctx context.Context, chat ChatID, id string) (Poll, error)

	ScheduleJob(ctx context.Context, j Job) (int64, error)
	CancelJobs(ctx context.Context, keyPrefix string) (int64, error)
	DueJobs(ctx context.Context, now time.Time, limit int) ([]Job, error)
	NextJobAt(ctx context.Context) (time.Time, bool, error)
	FinishJob(ctx context.Context, j Job) error
	RetryJob(ctx context.Context, j Job, at time.Time, lastErr string) error
	// PostponeJob moves a job later without counting an attempt.
	PostponeJob(ctx context.Context, j Job, at time.Time) error
	// JobCurrent reports whether j is still pending as it was loaded: not
	// finished, cancelled or booked afresh (its generation unchanged).
	JobCurrent(ctx context.Context, j Job) (bool, error)

	// The send queue (see QueuedSend).
	QueueSend(ctx context.Context, q QueuedSend) (int64, error)
	NextSend(ctx context.Context, now time.Time) (QueuedSend, bool, error)
	NextSendAt(ctx context.Context) (time.Time, bool, error)
	FinishSend(ctx context.Context, id int64) error
	DelaySend(ctx context.Context, id int64, at time.Time, countAttempt bool, lastErr string) error
	CancelSends(ctx context.Context, person int64) (int64, error)
	CancelChatSends(ctx context.Context, chat ChatID, from Priority) (int64, error)
	SendQueueStats(ctx context.Context) (depth int, oldest time.Time, err error)
	// QueuedTexts lists the queued text messages; RewriteQueued replaces a
	// row's payload (to take a forgotten person out of it).
	QueuedTexts(ctx context.Context) ([]QueuedSend, error)
	RewriteQueued(ctx context.Context, id int64, payload []byte) error

	// What features need to read of the core's tables.
	GroupMembers(ctx context.Context, chat ChatID) ([]Person, error)
	LatestPoll(ctx context.Context, chat ChatID) (Poll, bool, error)
	DeletePolls(ctx context.Context, kind string, refs []string) (int64, error)
	JobPending(ctx context.Context, key string) (bool, error)
	// KeyedJob returns the pending job booked under key.
	KeyedJob(ctx context.Context, key string) (j Job, ok bool, err error)
	AuditAfter(ctx context.Context, afterID int64, limit int) ([]AuditEntry, error)
	ForgetSeen(ctx context.Context, chat ChatID) (int64, error)

	Audit(ctx context.Context, e AuditEntry) error
	AuditLog(ctx context.Context, chat ChatID, limit int) ([]AuditEntry, error)
	AnonymiseAudit(ctx context.Context, person int64) (int64, error)
	PurgeAudit(ctx context.Context, before time.Time) (int64, error)
}
