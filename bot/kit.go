package bot

import (
	"context"
	"log/slog"
	"time"
)

// Kit is what a feature is given when it is wired in: the core's parts
// themselves, each a type with its own state for one kind of work, in place
// of the engine. A feature keeps the parts it uses as fields and never sees
// the Engine, so what it can reach is visible in its Register function, and
// every outward action takes the one path (Outbox) that queues, paces,
// counts and records it.
type Kit struct {
	// Name is the feature's name ("lending"): the Route.Feature of its
	// commands and the feature key of its log.
	Name string
	// Clock is the bot's clock (a manual one in the console and tests).
	Clock Clock
	// Log is the bot's logger, carrying feature=Name.
	Log *slog.Logger
	// Prefix is the command prefix ("!"), for replies that name commands.
	Prefix string
	// Core is the core's records (people, groups, memberships, polls, the
	// audit log) and the shared database for the feature's own tables,
	// all in the unit of work of the ctx passed.
	Core Core
	// Jobs schedules, cancels and handles the feature's persisted jobs.
	Jobs *Jobs
	// Out queues everything the bot sends or does in a chat.
	Out *Outbox
	// Audit appends to the audit log.
	Audit *AuditLog
	// Groups answers who is in a group and who runs it.
	Groups *Groups
	// Attachments downloads what people send (photos, voice notes).
	Attachments *Attachments
	// Ask puts a yes/no question to a person in a direct message; the
	// answers come to the handler registered with Reg.HandleAnswers.
	Ask *Questions
	// Reg registers the feature's commands, listeners, inspectors, poll
	// and yes/no answer handlers, group-change and send-failed hooks and
	// data providers.
	Reg *Registry
}

// Kit returns the handles for the feature called name.
func (e *Engine) Kit(name string) Kit {
	return Kit{
		Name:        name,
		Clock:       e.clock,
		Log:         e.log.With(KeyFeature, name),
		Prefix:      e.reg.router.prefix,
		Core:        e.store,
		Jobs:        e.jobs,
		Out:         e.out,
		Audit:       e.audit,
		Groups:      e.groups,
		Attachments: e.attachments,
		Ask:         e.questions,
		Reg:         e.reg,
	}
}

// Core is the part of the core's store features may use: reads of the
// core's records, the few writes that belong to a feature's own commands
// (a group's settings, a person's record), and the shared database for the
// feature's own tables. Every call runs in the unit of work of its ctx.
type Core interface {
	// DB is the shared database for the feature's own tables (declared
	// through Migrations); calls run in the unit of work of ctx.
	DB() DB
	// Atomic runs fn in a savepoint of the unit of work of ctx (a unit of
	// its own when ctx has none).
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error
	// AfterCommit runs f after the unit of work of ctx commits.
	AfterCommit(ctx context.Context, f func())
	// Checkpoint commits what the message or job in hand has done so far,
	// before a step outside the bot that cannot be undone or repeated
	// safely (posting a report to the council, sending an email). The note
	// that the step is under way is then durable; what follows commits
	// later, with the rest.
	Checkpoint(ctx context.Context) error

	ResolvePerson(ctx context.Context, s Sender, at time.Time) (Person, error)
	PersonByID(ctx context.Context, id int64) (Person, error)
	PersonByAddr(ctx context.Context, addr Address) (Person, error)
	PersonAddrs(ctx context.Context, id int64) ([]Address, error)
	ForgetPerson(ctx context.Context, id int64) error
	Contactable(ctx context.Context, id int64) (bool, error)

	GroupSettings(ctx context.Context, chat ChatID) (GroupSettings, error)
	SaveGroupSettings(ctx context.Context, g GroupSettings) error
	EnabledGroups(ctx context.Context) ([]GroupSettings, error)

	IsMember(ctx context.Context, chat ChatID, person int64) (bool, error)
	MemberGroups(ctx context.Context, person int64) ([]ChatID, error)
	GroupMembers(ctx context.Context, chat ChatID) ([]Person, error)

	Poll(ctx context.Context, chat ChatID, id string) (Poll, error)
	LatestPoll(ctx context.Context, chat ChatID) (Poll, bool, error)
	DeletePolls(ctx context.Context, kind string, refs []string) (int64, error)

	JobPending(ctx context.Context, key string) (bool, error)
	// ScheduleJob writes a job row as it is. A feature's own code uses
	// Jobs.Schedule; this is for code that also runs with no engine, such
	// as notices' governance approving from the command line, whose job
	// the running bot then picks up.
	ScheduleJob(ctx context.Context, j Job) (int64, error)
	SendQueueStats(ctx context.Context) (depth int, oldest time.Time, err error)
	ForgetSeen(ctx context.Context, chat ChatID) (int64, error)

	AuditLog(ctx context.Context, chat ChatID, limit int) ([]AuditEntry, error)
	AuditAfter(ctx context.Context, afterID int64, limit int) ([]AuditEntry, error)
	AnonymiseAudit(ctx context.Context, person int64) (int64, error)
	PurgeAudit(ctx context.Context, before time.Time) (int64, error)
}
