package notices

import (
	"time"

	"neighbourbot/bot"
)

// planInput is everything the fan-out of one approved notice is decided
// from. planJob loads it; planTargets decides without the database.
type planInput struct {
	Notice *Notice
	// Groups are the core's enabled groups; Prefs their notice settings
	// (only groups with a row there have opted in to notices).
	Groups []bot.GroupSettings
	Prefs  map[bot.ChatID]groupPrefs
	// Subs are every person's subscriptions.
	Subs []subscription
	// Original is the outbox of the notice an update or cancellation
	// refers to (nil for a new alert or a lost original).
	Original []outboxRow
	// Interactive is whether the notice carries a poll or a consultation,
	// which a digest would bury.
	Interactive bool
	QuietHours  bot.QuietHours
	Now         time.Time
}

// plannedDelivery is one outbox row to write.
type plannedDelivery struct {
	Target  string // a chat, or person:ID
	Person  int64  // 0 for a group
	State   string // "pending" or "digest"
	Due     time.Time
	ReplyTo string // the original's message in this chat, for an update or cancellation
}

// deliveryPlan is what planTargets decided.
type deliveryPlan struct {
	Deliveries []plannedDelivery
	// Supersede are the original's rows still waiting to go: the update
	// or cancellation replaces them.
	Supersede []outboxRow
}

// digestChats are the chats whose digest now holds a delivery, with the
// digest's due time, in plan order.
func (p deliveryPlan) digestChats() []plannedDelivery {
	var out []plannedDelivery
	for _, d := range p.Deliveries {
		if d.State == "digest" {
			out = append(out, d)
		}
	}
	return out
}

// target is a recipient before its timing is decided.
type target struct {
	chat    string
	person  int64
	digest  int // minute of day of the recipient's digest; -1 none
	replyTo string
}

// planTargets decides who gets a notice, and when: matching groups and
// subscribers for an alert or update (an update also reaches everyone who
// saw the original), only those who saw the original for a cancellation.
// A normal notice waits out quiet hours, or for a group's digest when the
// group has one and the delivery is neither a reply nor interactive.
func planTargets(in planInput) deliveryPlan {
	n := in.Notice
	var plan deliveryPlan
	for _, row := range in.Original {
		if row.State == "pending" || row.State == "digest" {
			plan.Supersede = append(plan.Supersede, row)
		}
	}
	quietDue := in.Now
	if n.Urgency == UrgencyNormal {
		quietDue = in.QuietHours.NextAllowed(in.Now)
	}
	loc := in.QuietHours.Loc
	if loc == nil {
		loc = time.UTC
	}
	for _, t := range recipients(in) {
		d := plannedDelivery{Target: t.chat, Person: t.person, State: "pending", Due: quietDue, ReplyTo: t.replyTo}
		if t.digest >= 0 && n.Urgency == UrgencyNormal && t.replyTo == "" && !in.Interactive {
			d.State, d.Due = "digest", nextDigest(in.Now, t.digest, loc)
		}
		plan.Deliveries = append(plan.Deliveries, d)
	}
	return plan
}

// recipients lists each target of the notice once, the first reason it
// is reached deciding its digest and reply.
func recipients(in planInput) []target {
	n := in.Notice
	var out []target
	seen := map[string]bool{}
	add := func(t target) {
		if !seen[t.chat] {
			seen[t.chat] = true
			out = append(out, t)
		}
	}
	sentMsg := map[string]string{}
	for _, row := range in.Original {
		if row.State == "sent" {
			sentMsg[row.Target] = row.MsgID
		}
	}
	groups := matchGroups(n, eligibleGroups(in.Groups, in.Prefs))
	digestOf := map[string]int{}
	for _, g := range groups {
		digestOf[string(g.Chat)] = g.DigestAt
	}
	if n.MsgType == MsgCancel {
		// A cancellation goes only where the original was seen.
		for _, row := range in.Original {
			if row.State == "sent" {
				add(target{chat: row.Target, person: row.Person, digest: -1, replyTo: row.MsgID})
			}
		}
		return out
	}
	for _, g := range groups {
		add(target{chat: string(g.Chat), digest: g.DigestAt, replyTo: sentMsg[string(g.Chat)]})
	}
	for _, s := range in.Subs {
		if subscriberWants(n, s) {
			add(target{chat: personTarget(s.Person), person: s.Person, digest: -1, replyTo: sentMsg[personTarget(s.Person)]})
		}
	}
	// An update also reaches everyone who saw the original.
	for _, row := range in.Original {
		if row.State == "sent" {
			add(target{chat: row.Target, person: row.Person, digest: digestOf[row.Target], replyTo: row.MsgID})
		}
	}
	return out
}
