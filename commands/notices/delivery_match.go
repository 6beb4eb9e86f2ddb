package notices

import (
	"time"

	"neighbourbot/bot"
)

// featureName is the per-group feature switch (!bot features).
const featureName = "notices"

// groupTarget is an opted-in group as matching sees it.
type groupTarget struct {
	Chat     bot.ChatID
	Areas    []string // core GroupSettings.Areas
	Topics   []string // nil = all
	DigestAt int      // -1 = no digest
}

// areasOverlap reports whether a notice's areas reach a recipient's. A
// notice without areas is council-wide and reaches everyone; a recipient
// without areas only gets council-wide notices.
func areasOverlap(noticeAreas, recipientAreas []string) bool {
	if len(noticeAreas) == 0 {
		return true
	}
	for _, na := range noticeAreas {
		for _, ra := range recipientAreas {
			if bot.AreaCovers(na, ra) {
				return true
			}
		}
	}
	return false
}

// topicsOverlap reports whether a notice's topics meet a recipient's
// choice; nil wanted means every topic.
func topicsOverlap(noticeTopics, wanted []string) bool {
	if len(wanted) == 0 {
		return true
	}
	for _, t := range noticeTopics {
		if contains(wanted, t) {
			return true
		}
	}
	return false
}

// groupWants decides whether a group gets a notice: area always, topics
// unless the notice is an emergency.
func groupWants(n *Notice, g groupTarget) bool {
	if !areasOverlap(n.Areas, g.Areas) {
		return false
	}
	return n.Urgency == UrgencyEmergency || topicsOverlap(n.Topics, g.Topics)
}

// subscriberWants decides whether a private subscription gets a notice,
// by the same rules as groups.
func subscriberWants(n *Notice, s subscription) bool {
	if !areasOverlap(n.Areas, []string{s.Area}) {
		return false
	}
	if n.Urgency == UrgencyEmergency || s.Topic == "all" {
		return true
	}
	return contains(n.Topics, s.Topic)
}

// matchGroups returns the groups that get a notice, in the order given.
func matchGroups(n *Notice, groups []groupTarget) []groupTarget {
	var out []groupTarget
	for _, g := range groups {
		if groupWants(n, g) {
			out = append(out, g)
		}
	}
	return out
}

// eligibleGroups joins the core's enabled groups with their notice
// settings: opted in to the bot, to the notices feature and to notices.
func eligibleGroups(core []bot.GroupSettings, prefs map[bot.ChatID]groupPrefs) []groupTarget {
	out := make([]groupTarget, 0, len(prefs))
	for _, gs := range core {
		p, ok := prefs[gs.Chat]
		if !ok || !gs.Enabled || !gs.FeatureOn(featureName) {
			continue
		}
		out = append(out, groupTarget{Chat: gs.Chat, Areas: gs.Areas, Topics: p.Topics, DigestAt: p.DigestAt})
	}
	return out
}

// nextDigest is the next instant at or after now when a digest at minute
// of day falls, in loc.
func nextDigest(now time.Time, minute int, loc *time.Location) time.Time {
	at := bot.TimeOfDay(minute).On(now, loc)
	if at.Before(now) {
		at = bot.TimeOfDay(minute).On(now.In(loc).AddDate(0, 0, 1), loc)
	}
	return at
}
