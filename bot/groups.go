package bot

import (
	"context"
	"fmt"
	"strings"
)

// Groups answers who is in a group and who runs it: the bot's owners from
// the configuration, and the group's participants and admins as the
// transport knows them (the WhatsApp adapter caches each group's
// information and refreshes it on every group event). The Kit hands it to
// features as Groups.
type Groups struct {
	store  Store
	tr     Transport
	clock  Clock
	owners []string    // as written in the configuration, without spaces or "+"
	quiet  *QuietHours // the bot's default quiet hours
}

func newGroups(cfg Config, store Store, tr Transport, clock Clock) *Groups {
	g := &Groups{store: store, tr: tr, clock: clock, quiet: cfg.QuietHours}
	for _, o := range cfg.Owners {
		if o = strings.TrimPrefix(strings.ReplaceAll(strings.TrimSpace(o), " ", ""), "+"); o != "" {
			g.owners = append(g.owners, o)
		}
	}
	return g
}

// IsOwner reports whether any address belongs to a bot owner from config.
func (g *Groups) IsOwner(addrs ...Address) bool {
	for _, o := range g.owners {
		for _, a := range addrs {
			if string(a) == o || a.User() == o {
				return true
			}
		}
	}
	return false
}

// IsAdmin reports whether a person is an admin of the group (as WhatsApp
// shows it, matching every address the bot knows for them) or a bot owner.
func (g *Groups) IsAdmin(ctx context.Context, chat ChatID, p Person, extra ...Address) (bool, error) {
	addrs, err := g.store.PersonAddrs(ctx, p.ID)
	if err != nil {
		return false, fmt.Errorf("person addresses: %w", err)
	}
	addrs = append(addrs, extra...)
	if g.IsOwner(addrs...) {
		return true, nil
	}
	if chat == "" {
		return false, nil
	}
	gi, err := g.tr.GroupInfo(ctx, chat)
	if err != nil {
		return false, fmt.Errorf("group info: %w", err)
	}
	part, ok := gi.Find(addrs...)
	return ok && part.IsAdmin, nil
}

// InGroup reports whether a person is currently a participant of the group.
func (g *Groups) InGroup(ctx context.Context, chat ChatID, p Person) (bool, error) {
	addrs, err := g.store.PersonAddrs(ctx, p.ID)
	if err != nil {
		return false, fmt.Errorf("person addresses: %w", err)
	}
	gi, err := g.tr.GroupInfo(ctx, chat)
	if err != nil {
		return false, fmt.Errorf("group info: %w", err)
	}
	_, ok := gi.Find(addrs...)
	return ok, nil
}

// Admins returns the people who administer the group.
func (g *Groups) Admins(ctx context.Context, chat ChatID) ([]Person, error) {
	gi, err := g.tr.GroupInfo(ctx, chat)
	if err != nil {
		return nil, fmt.Errorf("group info: %w", err)
	}
	var out []Person
	for _, part := range gi.Participants {
		if !part.IsAdmin || part.IsBot || len(part.Addrs) == 0 {
			continue
		}
		s := Sender{Addr: part.Addrs[0], Name: part.Name}
		if len(part.Addrs) > 1 {
			s.Alt = part.Addrs[1]
		}
		p, err := g.store.ResolvePerson(ctx, s, g.clock.Now())
		if err != nil {
			return nil, fmt.Errorf("resolve admin: %w", err)
		}
		out = append(out, p)
	}
	return out, nil
}

// Info returns the group's participants (ErrNotInChat when the bot is not
// in it).
func (g *Groups) Info(ctx context.Context, chat ChatID) (GroupInfo, error) {
	return g.tr.GroupInfo(ctx, chat)
}
