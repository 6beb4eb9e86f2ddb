// Package bot is neighbourbot's transport-neutral core.
//
// It owns the domain types every feature speaks (Message, Chat, Person,
// Sender, GroupInfo), the Transport interface through which the bot acts
// outward (and Paced, which spaces every action out), the injectable
// Clock, the command Router, and the Engine that ties them together.
//
// The Engine handles each inbound message and each job in one unit of
// work: a database transaction carried in the context (bot/sqlite/uow.go
// implements it behind Store.Atomic), so the dedupe mark, every state change
// and every send commit together or not at all. In order, a message is
// deduplicated, its sender resolved to a Person, then passed to the
// inspectors (moderation), the listeners (plain chatter) or the router,
// whose gates — group opt-in, feature switch, group or direct scope, admins
// only — run before the feature's handler (engine.go, router.go).
//
// Nothing is sent from inside a unit of work. The Outbox's Send, DM,
// SendPoll, Edit, React, Delete and RemoveMember (and Request.Reply) write a row of the durable send queue
// (outbox.go) — texts and polls under a message id fixed in advance, so a
// retry can never post one twice. After the commit the sender delivers rows
// in priority order through the transport (wrapped in Paced on WhatsApp):
// offline (ErrNotConnected)
// waits without using an attempt, other failures retry with a growing
// delay up to a limit, and what can never go (ErrNotInChat, ErrNotAdmin,
// ErrNoContact, ErrRejected, an expired message, a switched-off feature) is
// dropped and reported to the OnSendFailed hooks.
//
// Attachment downloads are outside calls too: with Config.DeferDownloads a
// message whose handler asks for its attachment is acknowledged with a job
// holding it, the download runs on a goroutine of its own (retried, at
// most four times), and the job then handles the message with the
// attachment in, exactly once (mediafetch.go).
//
// Jobs, the scheduler (scheduler.go), runs persisted jobs — reminders, verdicts,
// feed polls — each run its own unit of work with its sends, its retry and
// its next occurrence. A job that calls the outside world runs in two
// phases (Jobs.HandleFetch): the fetch holds no unit of work, no writer and
// no handling, and what it returns commits the result once the job is found
// still current; Jobs.Step commits a note before a call that cannot be
// repeated safely. Package bounds counts an outside document's elements,
// nesting and fields before anything parses it.
//
// Nothing here imports WhatsApp or SQLite: bot/whatsapp adapts whatsmeow to
// Transport, bot/sqlite implements Store, bot/console simulates groups for
// scripts and golden transcripts, and cmd/neighbourbot wires them. Feature
// packages under commands/ and moderation/ never see the Engine: each is
// given a Kit (kit.go) of narrow handles — Clock, Log, Core, Jobs, Out,
// Groups, Ask, Reg — and registers its routes, jobs, poll handlers,
// listeners, inspectors and personal-data providers through Reg; nothing
// about a feature lives in this package. The Engine itself exposes only
// what the wiring and the transports drive: Kit, Start, Run, Enqueue,
// DeliverMessage and DeliverGroupChange, and for the console and tests
// HandleMessage, HandleGroupChange, RunDueJobs, AdvanceTo and FlushSends.
package bot
