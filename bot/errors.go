package bot

import (
	"errors"
	"fmt"
)

// UserError is an error whose message is meant for the person who typed the
// command: a short, friendly sentence saying what to type instead. Handlers
// return it for bad input; the router replies with it and logs nothing.
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

// Userf builds a UserError.
func Userf(format string, args ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, args...)}
}

// UserMessage returns the reply for err when it is (or wraps) a UserError.
func UserMessage(err error) (string, bool) {
	var ue *UserError
	if errors.As(err, &ue) {
		return ue.Msg, true
	}
	return "", false
}

// InternalErrorReply is what a person sees when something failed inside the
// bot; the details go to the log only.
const InternalErrorReply = "Sorry, something went wrong — the group admins can check the bot's log."
