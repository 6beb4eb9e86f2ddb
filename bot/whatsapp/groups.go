package whatsapp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mau.fi/whatsmeow/types"

	"neighbourbot/bot"
)

// cachedGroup is one group's participant list as last fetched.
type cachedGroup struct {
	info    bot.GroupInfo
	lidMode bool // members are addressed by LID
	fetched time.Time
}

// GroupInfo returns the group's members and admins from the cache, asking
// WhatsApp only when the entry is missing, invalidated by a membership
// event, or older than GroupInfoMaxAge. The engine calls this on every
// admin check, so it must not cost a server round trip per message.
func (a *Adapter) GroupInfo(ctx context.Context, chat bot.ChatID) (bot.GroupInfo, error) {
	g, err := a.group(ctx, chat)
	if err != nil {
		return bot.GroupInfo{}, err
	}
	return g.info, nil
}

func (a *Adapter) group(ctx context.Context, chat bot.ChatID) (*cachedGroup, error) {
	jid, err := parseChat(chat)
	if err != nil {
		return nil, err
	}
	if jid.Server != types.GroupServer {
		return nil, fmt.Errorf("group info for %s: not a group", chat)
	}
	now := a.clock.Now()
	a.groupsMu.Lock()
	if g, ok := a.groups[jid]; ok && now.Sub(g.fetched) < a.opts.GroupInfoMaxAge {
		a.groupsMu.Unlock()
		return g, nil
	}
	gen := a.groupGen[jid]
	a.groupsMu.Unlock()

	raw, err := a.cli.GetGroupInfo(ctx, jid)
	if err != nil {
		return nil, fmt.Errorf("group info for %s: %w", chat, mapError(err, opRead))
	}
	g := &cachedGroup{info: a.neutralGroup(jid, raw), lidMode: raw.AddressingMode == types.AddressingModeLID, fetched: now}
	a.groupsMu.Lock()
	// A membership event that arrived during the fetch makes this answer
	// possibly stale: use it for this call but do not cache it.
	if a.groupGen[jid] == gen {
		a.groups[jid] = g
		a.timers[jid] = timerOf(&raw.GroupEphemeral)
	}
	a.groupsMu.Unlock()
	return g, nil
}

// noteTimer records a group's disappearing-message timer from a group
// notification (nil: the notification did not change it).
func (a *Adapter) noteTimer(jid types.JID, e *types.GroupEphemeral) {
	if e == nil {
		return
	}
	a.groupsMu.Lock()
	a.timers[jid.ToNonAD()] = timerOf(e)
	a.groupsMu.Unlock()
}

func timerOf(e *types.GroupEphemeral) uint32 {
	if !e.IsEphemeral {
		return 0
	}
	return e.DisappearingTimer
}

// InvalidateGroup drops the cached participant list so the next GroupInfo
// asks WhatsApp again.
func (a *Adapter) InvalidateGroup(jid types.JID) {
	jid = jid.ToNonAD()
	a.groupsMu.Lock()
	delete(a.groups, jid)
	a.groupGen[jid]++
	a.groupsMu.Unlock()
}

// cachedGroupName is the group's name when a fetched entry holds it; the
// translator uses it without ever fetching.
func (a *Adapter) cachedGroupName(jid types.JID) string {
	a.groupsMu.Lock()
	defer a.groupsMu.Unlock()
	if g, ok := a.groups[jid]; ok {
		return g.info.Name
	}
	return ""
}

// neutralGroup converts whatsmeow's group info. Each participant carries
// every address form WhatsApp gave (primary JID, LID, phone number), so
// admin checks match however the person was addressed in a message.
func (a *Adapter) neutralGroup(jid types.JID, raw *types.GroupInfo) bot.GroupInfo {
	own := ownAddrs(a.cli)
	gi := bot.GroupInfo{ID: bot.ChatID(jid.String()), Name: raw.Name}
	for _, p := range raw.Participants {
		part := bot.Participant{Addrs: addrsOf(p.JID, p.LID, p.PhoneNumber), IsAdmin: p.IsAdmin || p.IsSuperAdmin}
		for _, addr := range part.Addrs {
			if own[addr] {
				gi.BotIsAdmin = part.IsAdmin
				part.IsBot = true
			}
		}
		gi.Participants = append(gi.Participants, part)
	}
	return gi
}

// ownAddrs is the set of the bot's own addresses (phone-number JID and LID,
// device part stripped).
func ownAddrs(cli Client) map[bot.Address]bool {
	own := map[bot.Address]bool{}
	for _, j := range []types.JID{cli.OwnJID(), cli.OwnLID()} {
		if !j.IsEmpty() {
			own[bot.Address(j.ToNonAD().String())] = true
		}
	}
	return own
}

// addrsOf lists the distinct non-empty addresses, device part stripped.
func addrsOf(jids ...types.JID) []bot.Address {
	var out []bot.Address
	seen := map[bot.Address]bool{}
	for _, j := range jids {
		if j.IsEmpty() {
			continue
		}
		a := bot.Address(j.ToNonAD().String())
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// parseChat reads a chat id written by the translator back into a JID.
func parseChat(chat bot.ChatID) (types.JID, error) {
	jid, err := types.ParseJID(string(chat))
	if err != nil || !strings.Contains(string(chat), "@") || jid.User == "" {
		return types.EmptyJID, fmt.Errorf("chat %q is not a WhatsApp address", chat)
	}
	return jid.ToNonAD(), nil
}
