// Package bot is neighbourbot's transport-neutral core.
//
// It owns the domain types every feature speaks (Message, Chat, Person,
// Sender), the Transport interface through which the bot acts outward, the
// injectable Clock, the persisted Scheduler, the command Router and the
// Engine that ties them together: dedupe, identity resolution, per-group
// opt-in, moderation hooks, command dispatch and panic recovery.
//
// Nothing here imports WhatsApp or SQLite: bot/whatsapp adapts whatsmeow to
// Transport, bot/sqlite implements Store, and cmd/neighbourbot wires them.
// Feature packages under commands/ and moderation/ register routes, jobs,
// poll handlers and personal-data providers with an Engine; nothing about a
// feature lives in this package.
package bot
