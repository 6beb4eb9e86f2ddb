// Package notices relays council notices into neighbourhood groups and to
// residents who subscribed by direct message.
//
// It owns the whole path: notices come in from RSS/Atom feeds (polled with
// conditional GET, see the feeds subpackage), from built-in sources (flood
// warnings, weather warnings, planning applications: the sources
// subpackage), from an authenticated HTTP webhook and from the console's
// @notice directive; they become one notice model shaped after CAP 1.2
// (alert, info, area) and are stored with their source. Governance
// (approval, the pre-election pause, an append-only audit) decides when a
// notice may go out; matching picks the opted-in groups and subscribers
// whose topics and areas fit; a durable outbox with one row per (notice,
// chat) delivers each notice to each chat once, paced, across restarts. A
// notice may carry a snap poll or a consultation. The package also owns the
// group commands (!notices …), the subscriber commands (!subscribe …), the
// approver commands (!pending, !approve, !reject) and the functions behind
// the "neighbourbot notices" command line and the staff page.
//
// # Where things are
//
// The files are grouped by part, each part's name as the prefix; each part
// has its SQL in its own store file (store_PART.go), and only store files
// touch the database.
//
// The model, shared by every part:
//   - notice.go: Notice, its states, urgencies and message types.
//   - config.go, topics.go: [notices] settings, topics and their aliases.
//   - store.go: the store (one transaction through store.inTx), reading
//     notices, moving their state, the audit.
//
// Ingest — where notices come from (the feeds and sources subpackages do
// the fetching and parsing, the webhook subpackage the HTTP):
//   - ingest_webhook.go: the webhook's JSON, and its wiring: the webhook
//     subpackage serves the HTTP side (tokens, the in-flight bound, the
//     failed-token limit, status codes) and hands each notice to
//     webhookIntake.
//   - ingest_feeds.go: [[notices.feeds]] polled on a schedule.
//   - ingest_builtin.go: the built-in sources and group location pins.
//   - store_ingest.go.
//
// Governance — whether and when a notice may go out:
//   - governance.go: Governance — Ingest, Approve, Reject, the pause.
//   - governance_approvers.go: telling approvers (at once for an emergency,
//     in summaries otherwise).
//   - governance_senders.go: named senders, their approvers and schedules.
//   - governance_periods.go: election periods holding or refusing notices.
//   - governance_withdraw.go: an update or cancellation withdrawing the
//     earlier notices of its chain.
//   - governance_preview.go: the whole message as approvers sign it off.
//   - governance_commands.go: !pending, !approve, !reject.
//   - store_governance.go.
//
// Delivery — planning and fan-out:
//   - delivery_relay.go: the Feature, its wiring, notices submitted to it,
//     and planning a notice's deliveries.
//   - delivery_drain.go: sending due outbox rows (paced, most urgent first,
//     quiet hours, election holds, failures, a crash mid-send).
//   - delivery_digest.go: a group's daily digest.
//   - delivery_plan.go, delivery_match.go: who gets a notice and when.
//   - delivery_format.go: the message text.
//   - delivery_lapse.go: a delivery whose poll or consultation closed
//     before it could go is not sent.
//   - delivery_commands.go: !notices (group settings), !subscribe,
//     !unsubscribe, !subscriptions.
//   - store_outbox.go, store_delivery.go.
//
// Polls and consultations — the council side a notice may carry:
//   - council.go: wiring, the lines a notice's message gains, an early
//     close when the notice is cancelled.
//   - council_polls.go: snap polls, their messages, native and typed
//     (!vote) votes.
//   - council_poll_results.go: closing a poll, counting, the results.
//   - council_results_post.go: the signed POST of a closed poll's results.
//   - council_consult.go: consultations, !say, !mycomments, !consult.
//   - council_consult_export.go: consultations and their comments for the
//     command line.
//   - council_data.go: what they hold about a person.
//   - store_polls.go, store_consult.go.
//
// Across parts:
//   - language.go, language_cmd.go, store_language.go: English, Welsh or
//     both — the Welsh text in, each group's choice, delivery in it.
//   - data.go, store_data.go: !mydata and !forgetme, merging two records.
//   - retention.go, store_retention.go: purging ended notices.
//   - report.go, store_report.go: the campaign report by area.
//   - cli.go: writing the audit for the command line.
//   - web.go, webpolls.go, store_web.go, store_webpolls.go: what the staff
//     page reads and does.
package notices
