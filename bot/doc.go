// Package bot is neighbourbot's transport-neutral core.
//
// It owns the domain types every feature speaks (Message, Chat, Person,
// Sender, GroupInfo), the Transport interface through which the bot acts
// outward (and Paced, which spaces every action out), the injectable
// Clock, and the Engine with the parts it is made of. Each part is a type
// with its own state and file, and the Kit hands the part itself to
// features:
//
//   - Engine (engine.go): the inbound pipeline only — deliver, unit of
//     work, inspect, listen or route.
//   - Registry (registry.go): what features answer — routes (through the
//     Router, router.go), listeners, inspectors, poll votes and yes/no
//     answers by kind, group changes, send-failed hooks, data providers,
//     feature families.
//   - Outbox (outbox.go): the send queue — enqueue, the sender, retries,
//     the send-failed hooks.
//   - Jobs (scheduler.go): the scheduler.
//   - Groups (groups.go): owners, admins and participants.
//   - Questions (question.go): yes/no questions put to people in direct
//     messages.
//   - Attachments (mediafetch.go) and AuditLog (audit.go).
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
// A bare "yes" or "no" in a direct message goes to the one handler a
// feature registered for the kind of the question the person was asked
// last (Registry.HandleAnswers, question.go), not to whichever listener
// runs first; a poll vote goes to the handler for its poll's kind. The
// direct-message guard (a direct message, not a reaction or a vote, not
// answered yet) is written once, for answers and ListenDirect listeners.
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
// dropped and reported to the send-failed hooks (Registry.OnSendFailed).
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
// Audit, Groups, Attachments, Ask, Reg — and registers its routes, poll
// and yes/no handlers, listeners, inspectors, send-failed hooks and
// personal-data providers through Reg, its jobs through Jobs; nothing
// about a feature lives in this package. The Engine itself exposes only
// what the wiring and the transports drive: Kit, Start, Run, Enqueue,
// DeliverMessage and DeliverGroupChange, and for the console and tests
// HandleMessage, HandleGroupChange, RunDueJobs, AdvanceTo and FlushSends.
package bot
