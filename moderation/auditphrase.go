package moderation

import "strings"

// auditPhrases turns the action keys written to the audit log — by the
// core, by every feature and by moderation itself — into what admins read
// in !audit and the live log. {target} is the member the entry is about;
// {cmd} is the command prefix. A key missing here is shown as it is.
var auditPhrases = map[string]string{
	// The core.
	"bot.on":       "switched the bot on",
	"bot.off":      "switched the bot off",
	"bot.features": "chose which features are on",
	"area.set":     "set the group's area",
	"quiet.set":    "set the group's quiet hours",

	// Other features.
	"notices.on":       "switched council notices on",
	"notices.off":      "switched council notices off",
	"notices.topics":   "chose the council notice topics",
	"notices.digest":   "set the daily notices digest",
	"notices.language": "chose the language of council notices",
	"potholes.status":  "changed a street fault's status",
	"power.restored":   "closed a power check: power is back",
	"power.suggest":    "set the power-check hint",
	"power.alerts":     "switched the power operator's alerts",
	"inbox.opened":     "opened a council inbox ticket",
	"inbox.message":    "wrote on a council inbox ticket",
	"inbox.reply":      "answered {target} on a council inbox ticket",
	"inbox.assigned":   "gave a council inbox ticket to {target}",
	"inbox.unassigned": "unassigned a council inbox ticket",
	"inbox.closed":     "closed a council inbox ticket",
	"inbox.reopened":   "reopened a council inbox ticket",
	"inbox.note":       "added a staff note to a council inbox ticket",
	"inbox.waiting":    "marked a council inbox ticket as waiting on the resident",
	"consult.start":    "started a local consultation",

	// Moderation's admin commands.
	"rules.set":         "set the rules",
	"rules.clear":       "cleared the rules",
	"welcome.set":       "set the welcome message",
	"welcome.off":       "switched the welcome message off",
	"welcome.rules":     "chose whether the welcome includes the rules",
	"reportmode.set":    "chose how reports reach admins",
	"warn":              "warned {target}",
	"unwarn":            "took warnings off {target}",
	"warnlimit.set":     "set the warning limit",
	"block.add":         "added to the blocklist",
	"block.remove":      "removed from the blocklist",
	"block.action":      "chose what happens on a blocked word",
	"links.on":          "locked links",
	"links.off":         "allowed links again",
	"links.allow":       "allowed links to a site",
	"links.disallow":    "took a site off the allowed list",
	"links.action":      "chose what happens on a link",
	"antiflood.on":      "switched antiflood on",
	"antiflood.off":     "switched antiflood off",
	"antiflood.action":  "chose what happens on flooding",
	"audit.view":        "looked at the audit log",
	"report":            "reported a message from {target}",
	"report.private":    "sent a private report",
	"warn.auto":         "warned {target}",
	"warn.limit.notify": "told the admins {target} reached the warning limit",
	"warn.limit.remove": "removed {target} at the warning limit",
	"auto.delete":       "deleted a message from {target}",
	"auto.remove":       "removed {target}",
	"auto.need_admin":   "asked to be made a group admin",

	// Admin commands that changed nothing are recorded by command name
	// (see recorded): they showed a setting, or found it already so.
	"settings":   "looked at the settings",
	"welcome":    "used {cmd}welcome",
	"reportmode": "looked at how reports reach admins",
	"warnlimit":  "looked at the warning limit",
	"block":      "used {cmd}block",
	"links":      "used {cmd}links",
	"antiflood":  "looked at the antiflood setting",
	"setrules":   "used {cmd}setrules",
	"audit":      "looked at the audit log",
}

// auditPhrase writes an entry's action for people: "warned Carol",
// "switched antiflood on". An entry naming a member whose phrase does not
// mention them gets "about Carol"; an unknown key shows as the key, with
// "→ Carol" as before.
func auditPhrase(action, target, prefix string) string {
	phrase, known := auditPhrases[action]
	if !known {
		if target != "" {
			return action + " → " + target
		}
		return action
	}
	phrase = strings.ReplaceAll(phrase, "{cmd}", prefix)
	if strings.Contains(phrase, "{target}") {
		if target == "" {
			target = "a member"
		}
		return strings.ReplaceAll(phrase, "{target}", target)
	}
	if target != "" {
		return phrase + " about " + target
	}
	return phrase
}
