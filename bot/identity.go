package bot

import (
	"fmt"
	"strings"
)

// CheckPhoneEntry checks a phone number written in a config list (owners,
// approvers) the way WhatsApp addresses it: international form, digits
// only, no leading 0 — "447700900123" or "+44 7700 900123". A national
// form such as "07700900123" would never match anyone, so it is refused
// with the form to write instead. Entries that are not numbers (a LID such
// as "123456789@lid", a console name) pass unchanged.
func CheckPhoneEntry(s string) error {
	t := strings.TrimSpace(s)
	if t == "" {
		return fmt.Errorf("is empty")
	}
	user, _, _ := strings.Cut(t, "@")
	digits := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '.':
			return -1
		}
		return r
	}, strings.TrimPrefix(strings.ReplaceAll(user, "(0)", ""), "+")) // "+44 (0)7700 …": the (0) is dialled only at home
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return nil // a name or LID, not a phone number
	}
	if strings.Contains(t, "@") && !strings.HasSuffix(t, "@s.whatsapp.net") {
		return nil // a LID: its digits are not a phone number
	}
	switch {
	case strings.HasPrefix(digits, "00"):
		return fmt.Errorf("%q: write the number without the leading 00, e.g. %q", s, digits[2:])
	case strings.HasPrefix(digits, "0"):
		return fmt.Errorf("%q starts with 0, so it would never match: write it in international form without the 0, e.g. %q for a UK number", s, "44"+digits[1:])
	case len(digits) < 8 || len(digits) > 15:
		return fmt.Errorf("%q is not a phone number in international form (8 to 15 digits with the country code, e.g. \"447700900123\")", s)
	case strings.ContainsAny(user, "-()."):
		return fmt.Errorf("%q: write the digits only, e.g. %q", s, digits)
	}
	return nil
}
