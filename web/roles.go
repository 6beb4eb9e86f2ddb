package web

import (
	"context"
	"strings"

	"neighbourbot/bot"
)

// Staff is who the configuration names as staff, read again from the
// configuration on every request so that someone taken out of it is
// refused at their next click.
type Staff struct {
	// Owners are [bot] owners: they see and do everything.
	Owners []string
	// Approvers are [notices] approvers.
	Approvers []string
	// Senders are the [[notices.senders]] with their staff and approvers.
	Senders []SenderStaff
	// StaffChats are the inbox's staff groups; their members may sign in.
	StaffChats []bot.ChatID
	// Faults are [potholes] staff: they see street faults and set their
	// state.
	Faults []string
}

// SenderStaff is one sender's people.
type SenderStaff struct {
	Name      string
	Topics    []string
	Staff     []string
	Approvers []string
}

// Roles is what one person may do on the page.
type Roles struct {
	Owner    bool
	Approver bool
	Inbox    bool
	// InboxChats are the inbox staff groups the person is in: the desks
	// they see on the inbox pages.
	InboxChats []bot.ChatID
	// Faults: sees street faults and sets their state (owners and
	// [potholes] staff).
	Faults bool
	// Senders are the senders the person writes notices for ("" is the
	// default sender, for owners).
	Senders []string
}

// Any reports whether the person may sign in at all.
func (r Roles) Any() bool {
	return r.Owner || r.Approver || r.Inbox || r.Faults || len(r.Senders) > 0
}

// SeesPolls reports whether the person may see polls and consultations:
// approvers, staff who write notices, owners.
func (r Roles) SeesPolls() bool { return r.Owner || r.Approver || len(r.Senders) > 0 }

// CanCompose reports whether the person may write for sender.
func (r Roles) CanCompose(sender string) bool {
	for _, s := range r.Senders {
		if s == sender {
			return true
		}
	}
	return false
}

// rolesOf works out a person's roles from their addresses.
func (s Staff) rolesOf(ctx context.Context, core bot.Core, person int64) (Roles, error) {
	addrs, err := core.PersonAddrs(ctx, person)
	if err != nil {
		return Roles{}, err
	}
	var r Roles
	r.Owner = matches(s.Owners, addrs)
	r.Approver = matches(s.Approvers, addrs)
	r.Faults = r.Owner || matches(s.Faults, addrs)
	if r.Owner {
		r.Senders = append(r.Senders, "")
	}
	for _, snd := range s.Senders {
		if matches(snd.Approvers, addrs) {
			r.Approver = true
		}
		if r.Owner || matches(snd.Staff, addrs) {
			r.Senders = append(r.Senders, snd.Name)
		}
	}
	for _, chat := range s.StaffChats {
		in, err := core.IsMember(ctx, chat, person)
		if err != nil {
			return Roles{}, err
		}
		if in {
			r.Inbox = true
			r.InboxChats = append(r.InboxChats, chat)
		}
	}
	return r, nil
}

// matches reports whether any of addrs is in list; phone numbers match
// with or without "+", spaces or the WhatsApp suffix, as approvers do.
func matches(list []string, addrs []bot.Address) bool {
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
