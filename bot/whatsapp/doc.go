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
//   - A poll vote's key is derived from the voter's address; this version
//     tries only the address the vote came from (msgsecret.go,
//     decryptMsgSecret), and its own EncryptPollVote uses the voter's phone
//     number. Upstream has since tried both forms ("msgsecret: add hack for
//     trying both senders", "pick vote encryption sender based on poll
//     sender"); the adapter calls DecryptPollVote again with the voter's
//     other form, then derives the key itself with the bot's other form as
//     the poll sender (pollvote.go: the same HKDF-SHA256 and AES-GCM as
//     generateMsgSecretKey; TestPollVoteDecryptsWithTheSendersOtherAddress,
//     TestPollVoteDecryptsWithTheBotsOtherAddress).
//   - Retry receipts: whatsmeow resends from its last 256 sends in memory,
//     then asks Client.GetMessageForRetry, which answers nil by default
//     (retry.go). The session keeps every sent protobuf for 72 hours in its
//     database and answers from there (sentlog.go;
//     TestRetryReceiptAfterARestartFindsTheMessage). Upstream now acks a
//     retry receipt only after handling it ("receipt: only ack retry
//     receipts after handling"); in this version the ack goes first, so
//     finding the message is what the adapter can do.
//   - Acks: with SynchronousAck a handler returning false withholds the
//     receipt (message.go). A panicking handler is recovered by
//     dispatchEvent (client.go) and the node is acked, as upstream now does
//     for every node ("message: ensure all nodes get acked"); a node
//     whatsmeow cannot parse is not acked in this version, and nothing in
//     the API reaches that, so the server redelivers it until it gives up.
//   - Disappearing messages: each message must carry the chat's timer in
//     ContextInfo.Expiration. Groups have it in GroupInfo.GroupEphemeral;
//     a direct chat's comes only with its messages (their ContextInfo, or a
//     ProtocolMessage EPHEMERAL_SETTING), as mautrix-whatsapp reads it
//     (TestDirectRepliesCarryTheChatTimer).
//   - UpdateGroupParticipants answers per participant; 404 is someone not
//     in the group, which for a removal is done (TestRemoveMemberPerParticipantError).
//   - LoggedOut reasons (types/events/events.go): 401 unlinked, 403 "main
//     device gone" (the phone itself logged out: mautrix-whatsapp says
//     "Your phone was logged out from WhatsApp"), 406 unknown logout
//     (WhatsApp Web calls it BANNED) (TestLifecycleLoggedOutSaysWhy).
//   - GetLatestVersion reads web.whatsapp.com (update.go); SetWAVersion is
//     process-wide. The last version fetched is kept in the session
//     database (TestWebVersionFallsBackToTheLastFetched).
//   - whatsmeow's log lines quote JIDs with device parts; they go through
//     bot.RedactPhones like the bot's own (TestLogLinesCarryNoPhoneNumbers).
//   - GroupInfo events name the bot itself in Join/Leave when it is added
//     or removed, and JoinedGroup comes when it is added
//     (TestBotRemovedAndAddedBack).
package whatsapp
