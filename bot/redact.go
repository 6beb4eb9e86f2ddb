package bot

import (
	"log/slog"
	"regexp"
	"strings"
)

// phoneJID matches a phone-number address ("447700900123@s.whatsapp.net",
// with or without a device part) anywhere in a text.
var phoneJID = regexp.MustCompile(`\+?[0-9]{6,}(?:[.:][0-9]+)*@s\.whatsapp\.net`)

// RedactPhones replaces phone-number addresses in s with "[phone number]",
// for error texts that end up in logs, audit records and exports.
func RedactPhones(s string) string {
	if !strings.Contains(s, "@s.whatsapp.net") {
		return s
	}
	return phoneJID.ReplaceAllString(s, "[phone number]")
}

// redactedError keeps the wrapped error for errors.Is while its text
// carries no phone numbers.
type redactedError struct{ err error }

func (r redactedError) Error() string { return RedactPhones(r.err.Error()) }
func (r redactedError) Unwrap() error { return r.err }

func redact(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{err}
}

// LogValue keeps phone numbers out of logs: a chat id that is a person's
// phone-number address is logged redacted.
func (c ChatID) LogValue() slog.Value { return slog.StringValue(RedactPhones(string(c))) }

// LogValue keeps phone numbers out of logs.
func (a Address) LogValue() slog.Value { return slog.StringValue(RedactPhones(string(a))) }
