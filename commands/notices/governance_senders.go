package notices

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices/webhook"
)

// SenderConfig is one [[notices.senders]] entry: a council service that
// sends notices under its own name and webhook token, within its own
// topics, with its own approvers and approval rules.
type SenderConfig struct {
	// Name is shown before the council's name: "From Highways, Shropshire
	// Council".
	Name string `toml:"name"`
	// NameCy is the service's Welsh name ("Priffyrdd"), shown on notices
	// in Welsh; "" keeps Name there.
	NameCy string `toml:"name_cy"`
	// Token is the service's own webhook bearer token.
	Token string `toml:"token"`
	// Topics are the only topics the service may send; empty means all.
	Topics []string `toml:"topics"`
	// Approvers may approve this service's notices; empty falls back to
	// [notices] approvers.
	Approvers []string `toml:"approvers"`
	// RequireApproval holds the service's notices until approved.
	RequireApproval bool `toml:"require_approval"`
	// EmergencyTwoApprovals asks two approvers for its emergencies.
	EmergencyTwoApprovals bool `toml:"emergency_two_approvals"`
	// Staff may sign in to the staff web page and write notices for this
	// sender (phone numbers, as approvers).
	Staff []string `toml:"staff"`
}

// maxSenderName keeps "From NAME, COUNCIL" to one line on a phone.
const maxSenderName = 60

// validateSenders checks [[notices.senders]], naming the key.
func (c Config) validateSenders() error {
	names := map[string]bool{}
	tokens := map[string]string{}
	if c.Webhook.Token != "" {
		tokens[c.Webhook.Token] = "webhook.token"
	}
	for i, s := range c.Senders {
		key := fmt.Sprintf("senders[%d]", i)
		name := strings.TrimSpace(s.Name)
		switch {
		case name == "":
			return fmt.Errorf("%s.name must not be empty", key)
		case bot.RuneLen(name) > maxSenderName:
			return fmt.Errorf("%s.name must be at most %d characters", key, maxSenderName)
		case strings.ContainsAny(name, "{}\n\t"):
			return fmt.Errorf("%s.name %q must not contain braces, tabs or line breaks", key, name)
		case names[strings.ToLower(name)]:
			return fmt.Errorf("%s.name %q is used by two senders", key, name)
		case bot.RuneLen(s.NameCy) > maxSenderName || strings.ContainsAny(s.NameCy, "{}\n\t"):
			return fmt.Errorf("%s.name_cy must be at most %d characters, without braces, tabs or line breaks", key, maxSenderName)
		}
		names[strings.ToLower(name)] = true
		if len(s.Token) < 16 {
			return fmt.Errorf("%s.token must be at least 16 characters (each sender needs its own)", key)
		}
		if other, ok := tokens[s.Token]; ok {
			return fmt.Errorf("%s.token is the same as %s; every sender needs its own token", key, other)
		}
		tokens[s.Token] = key + ".token"
		for _, t := range s.Topics {
			if !c.knownTopic(t) {
				return fmt.Errorf("%s.topics: %q is not in topics", key, t)
			}
		}
		for j, a := range s.Approvers {
			if strings.TrimSpace(a) == "" {
				return fmt.Errorf("%s.approvers must not contain empty entries", key)
			}
			if err := bot.CheckPhoneEntry(a); err != nil {
				return fmt.Errorf("%s.approvers[%d] %w", key, j, err)
			}
		}
		for j, a := range s.Staff {
			if err := bot.CheckPhoneEntry(a); err != nil {
				return fmt.Errorf("%s.staff[%d] %w", key, j, err)
			}
		}
		if s.RequireApproval && len(s.Approvers) == 0 && len(c.Approvers) == 0 {
			return fmt.Errorf("%s.approvers (or [notices] approvers) must name at least one approver when require_approval is true", key)
		}
	}
	if len(c.Senders) > 0 && strings.TrimSpace(c.Webhook.Listen) == "" {
		return errors.New("webhook.listen must be set when senders have tokens")
	}
	return nil
}

// sender returns the rules a notice from the named sender follows: the
// configured sender, or for "" the default one made of [notices]
// source_name, webhook.token, approvers and approval rules.
func (c Config) sender(name string) (SenderConfig, bool) {
	if name == "" {
		return SenderConfig{Token: c.Webhook.Token, Approvers: c.Approvers, RequireApproval: c.RequireApproval,
			EmergencyTwoApprovals: c.EmergencyTwoApprovals}, true
	}
	for _, s := range c.Senders {
		if strings.EqualFold(strings.TrimSpace(s.Name), strings.TrimSpace(name)) {
			if len(s.Approvers) == 0 {
				s.Approvers = c.Approvers
			}
			s.Name = strings.TrimSpace(s.Name)
			return s, true
		}
	}
	return SenderConfig{}, false
}

// webhookEnabled reports whether any sender has a token.
func (c Config) webhookEnabled() bool {
	if c.Webhook.Token != "" {
		return true
	}
	for _, s := range c.Senders {
		if s.Token != "" {
			return true
		}
	}
	return false
}

// senderOf finds the sender whose bearer token a request carries; ok is
// false without a matching token. Every token is compared, in constant
// time, so timing tells nothing about which one nearly matched.
func (r *Feature) senderOf(req *http.Request) (name string, ok bool) {
	token, ok := webhook.BearerToken(req)
	if !ok {
		return "", false
	}
	got := sha256.Sum256([]byte(token))
	check := func(token string) bool {
		want := sha256.Sum256([]byte(token))
		return token != "" && subtle.ConstantTimeCompare(got[:], want[:]) == 1
	}
	found := false
	if check(r.cfg.Webhook.Token) {
		found = true
	}
	for _, s := range r.cfg.Senders {
		if check(s.Token) && !found {
			name, found = strings.TrimSpace(s.Name), true
		}
	}
	return name, found
}

// applySender stamps a decoded notice with its sender: the source that
// keeps its ids apart from other senders' ("webhook:Highways"), the name
// residents see, and the check that the sender keeps to its topics.
func (r *Feature) applySender(n *Notice, source, name string) error {
	s, ok := r.cfg.sender(name)
	if !ok {
		return &FieldError{Field: "sender", Msg: fmt.Sprintf("no sender named %q in [[notices.senders]]", bot.Truncate(name, 40))}
	}
	n.Source, n.SourceName, n.Sender = source, r.cfg.SourceName, s.Name
	if s.Name != "" {
		n.Source = source + ":" + s.Name
		n.SourceName = s.Name + ", " + r.cfg.SourceName
	}
	n.SourceNameCy = welshSourceName(r.cfg, s)
	if len(s.Topics) == 0 {
		return nil
	}
	if len(n.Topics) == 0 {
		return &FieldError{Field: "topics", Msg: fmt.Sprintf("required for %s, which may send %s", s.Name, strings.Join(s.Topics, ", "))}
	}
	for i, t := range n.Topics {
		if !contains(s.Topics, t) {
			return &FieldError{Field: fmt.Sprintf("topics[%d]", i), Msg: fmt.Sprintf("%s may not send %q notices (its topics: %s)", s.Name, t, strings.Join(s.Topics, ", "))}
		}
	}
	return nil
}

// matchesApprover reports whether any of addrs is in list. Phone numbers
// match with or without "+", spaces or the WhatsApp suffix.
func matchesApprover(list []string, addrs []bot.Address) bool {
	for _, a := range list {
		a = strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(a), " ", ""), "+")
		for _, have := range addrs {
			if a != "" && (string(have) == a || have.User() == a) {
				return true
			}
		}
	}
	return false
}

// approverFor reports whether addrs may approve n: the approvers of its
// sender. An approver without addresses (the command line, run by the
// bot's operator) may approve any notice.
func (g *Governance) approverFor(n *Notice, addrs []bot.Address) bool {
	if addrs == nil {
		return true
	}
	s, ok := g.cfg.sender(n.Sender)
	return ok && matchesApprover(s.Approvers, addrs)
}

// requiresApproval is the sender's require_approval.
func (g *Governance) requiresApproval(n *Notice) bool {
	s, ok := g.cfg.sender(n.Sender)
	if !ok {
		// A sender removed from the config since: the safe side.
		return true
	}
	return s.RequireApproval
}

// twoForEmergencies is the sender's emergency_two_approvals.
func (g *Governance) twoForEmergencies(n *Notice) bool {
	s, ok := g.cfg.sender(n.Sender)
	return !ok || s.EmergencyTwoApprovals
}

// maxEffectiveAhead bounds how far ahead a scheduled send may be booked: a
// date years ahead is a typo, not a plan.
const maxEffectiveAhead = 90 * 24 * time.Hour

// decodeEffective reads the notice's "effective" time: the notice is held
// until then (approval can happen before). A time already passed means at
// once.
func decodeEffective(s string, n *Notice, now time.Time) error {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return &FieldError{Field: "effective", Msg: "must be an RFC 3339 time such as 2026-01-06T09:00:00Z"}
	}
	if t.Sub(now) > maxEffectiveAhead {
		return &FieldError{Field: "effective", Msg: "is more than 90 days away"}
	}
	if !n.Expires.IsZero() && !t.Before(n.Expires) {
		return &FieldError{Field: "effective", Msg: "must be before expires"}
	}
	if t.After(now) {
		n.Effective = t.UTC()
	}
	return nil
}

// notYetEffective reports whether a notice is scheduled for later.
func (n *Notice) notYetEffective(now time.Time) bool {
	return !n.Effective.IsZero() && now.Before(n.Effective)
}

// notYourSender refuses an approver who is not one of the notice's sender's.
func notYourSender(n *Notice) error {
	return bot.Userf("Notice #%d is from %s; only its own approvers can decide it.", n.ID, n.SourceName)
}

// pendingFor keeps the pending notices addrs may decide.
func (g *Governance) pendingFor(list []PendingNotice, addrs []bot.Address) []PendingNotice {
	var out []PendingNotice
	for _, p := range list {
		if g.approverFor(p.Notice, addrs) {
			out = append(out, p)
		}
	}
	return out
}
