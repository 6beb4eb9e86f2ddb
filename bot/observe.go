package bot

import "time"

// Observer is told what the engine does, for metrics. bot/metrics
// implements it with Prometheus; the default does nothing.
type Observer interface {
	// MessageReceived counts inbound messages by outcome: "duplicate",
	// "ignored" (group not opted in), "moderated", "command", "chatter",
	// "poll_vote".
	MessageReceived(outcome string)
	// CommandHandled counts commands by route name and result: "ok",
	// "user_error", "internal_error", "refused", "unknown".
	CommandHandled(command, result string, took time.Duration)
	// Sent counts outbound actions by kind and whether they failed.
	Sent(kind string, err error)
	// JobRun counts scheduled jobs by kind and result: "ok", "retry", "dropped".
	JobRun(kind, result string)
	// StoreFailed counts units of work the store could not commit.
	StoreFailed()
	// BotMembership counts the bot being "removed" from or "added" back
	// to a group that had switched it on.
	BotMembership(change string)
}

type nopObserver struct{}

func (nopObserver) MessageReceived(string)                       {}
func (nopObserver) CommandHandled(string, string, time.Duration) {}
func (nopObserver) Sent(string, error)                           {}
func (nopObserver) JobRun(string, string)                        {}
func (nopObserver) StoreFailed()                                 {}
func (nopObserver) BotMembership(string)                         {}
