// Package whatsapp connects the bot core to WhatsApp through whatsmeow. It
// owns the translation of whatsmeow events into transport-neutral
// bot.Message and bot.GroupChange values, the group-info cache behind admin
// checks, and the bot.Transport implementation that sends texts, replies,
// mentions, reactions, polls, edits, deletions and removals. It is the only
// package that imports whatsmeow's messaging API; the process lifecycle
// (linking, reconnects, exit codes) lives in cmd/neighbourbot.
//
// # whatsmeow facts this package relies on
//
// Read from the pinned version's source (v0.0.0-20251217143725-11cf47c62d32);
// each has a test on real whatsmeow types.
//
//   - Message secrets are stored first write wins (PutMessageSecret … ON
//     CONFLICT DO NOTHING, store/sqlstore/store.go), and SendMessage stores
//     the outgoing secret before it sends (send.go), under the address it
//     sends as. BuildPollCreation makes a new random secret each call, so a
//     poll sent again under its fixed id takes the stored secret back
//     (SendPoll; TestRetriedPollKeepsItsSecretAndVotesDecrypt).
//   - IsLoggedIn stays true after a network drop, Disconnect or a keep-alive
//     forced reconnect; only a stream error clears it (client.go). Sends and
//     readiness need IsLoggedIn and IsConnected, and readiness also a
//     Connected event since the last Disconnected or KeepAliveTimeout
//     (Connected; TestConnectedNeedsTheSocketNotJustTheLogin).
//   - Event handlers run one stanza at a time and the receipt waits for
//     them (SynchronousAck; client.go warns after 30 s and moves on only
//     after 5 minutes). Attachments are therefore never downloaded there:
//     the core acknowledges the message with a job and downloads after
//     (bot/mediafetch.go; Media.Ref carries the protobuf handle across a
//     restart; TestSlowDownloadDoesNotHoldTheReceivePath,
//     TestDownloadResumesAfterARestart).
//   - A group message's SenderAlt is not always there (whatsmeow issue
//     794), and the LID store knows only pairs it has seen. GetGroupInfo
//     returns each participant's LID and phone number and stores the pairs
//     (group.go, cacheGroupInfo and PutManyLIDMappings), so a LID-only
//     sender is looked up in the cached participant list
//     (TestLIDOnlyFirstMessageFindsTheNumberInGroupInfo).
package whatsapp
