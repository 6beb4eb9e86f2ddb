package power

import (
	"regexp"
	"strings"

	"neighbourbot/bot"
)

// How residents say the power is off, as they type it on phones: a
// question ("has anyone else lost power?"), a statement ("no electric",
// "power cut again!!") or a shout ("POWER CUT"). Each pattern reads one
// shape of sentence; the guards below keep the same words in other senses
// ("turn the lights off when you leave", "power off your router",
// "blackout blinds", "no electric scooters") from suggesting a check.
const (
	// The power itself, with the slips phones make ("pwr", "powr", "leccy").
	powerNoun = `(?:power|pwr|powr|pwoer|poewr|powa|electric|electricity|electrics|elecric|electirc|leccy|lecky|lekky)`
	// A state word after it: "power's gone", "electric is off".
	offWord = `(?:off|out|down|gone|dead|cut|went|go(?:ing)? off)`
)

var (
	// "power cut", "powercut", "power outage", "electricity failure".
	cutPhrase = regexp.MustCompile(`\b` + powerNoun + `\s*(?:cuts?|outages?|failures?|ct)\b`)
	// "no power", "lost the electric", "without leccy": the word after is
	// checked against nounsAfterNo.
	lossPhrase = regexp.MustCompile(`\b(?:no|lost|lose|losing|without|w/o)\s+(?:the\s+|our\s+|any\s+|all\s+)?` + powerNoun + `\b\s*([a-z]*)`)
	// "power's gone", "electric has just gone off", "power out at no. 12".
	// The connector and the word after are checked in code.
	statePhrase = regexp.MustCompile(`\b` + powerNoun + `\b((?:'s|s|\s+is|\s+has|\s+have|'ve|\s+was|\s+just|\s+all|\s+keeps|\s+has\s+just|\s+is\s+still|\s+still|\s+now|\s+again)*)\s*` + offWord + `\b\s*([a-z]*)`)
	// "the lights went out", "all the lights have gone": lights only with a
	// verb of going, so "lights off at 10 please" is not a cut.
	lightsPhrase = regexp.MustCompile(`\blights?\b(?:'ve|\s+have|\s+has|\s+just|\s+all)*\s+(?:went|gone|going|go)\s+(?:out|off)\b|\blights\s+(?:have|'ve)\s+gone\b`)
	// "blackout", "black out on the estate", not "blackout blinds".
	blackout = regexp.MustCompile(`\bblack\s*-?outs?\b\s*([a-z]*)`)
	// "what's happened to the power?"
	happened = regexp.MustCompile(`\bhappened\s+(?:to|with)\s+(?:the\s+|our\s+)?` + powerNoun + `\b`)
	// Someone told to switch something off, not a cut: "turn the lights
	// off", "switch your power off at the wall", "power off your router".
	imperative = regexp.MustCompile(`\b(?:turn|turning|switch|switching|shut|shutting|put|flick|flip|leave|keep|unplug)\b(?:\s+\S+){0,3}\s+` + powerNoun + `\b`)
)

// nounsAfterNo are words after "no electric" that make it something
// electric ("no electric scooters on the pavement"), not a cut.
var nounsAfterNo = map[string]bool{
	"scooter": true, "scooters": true, "car": true, "cars": true, "bike": true, "bikes": true,
	"vehicle": true, "vehicles": true, "van": true, "vans": true, "fence": true, "fences": true,
	"heater": true, "heaters": true, "tools": true, "tool": true, "steering": true, "points": true,
	"point": true, "sockets": true, "socket": true, "bill": true, "bills": true, "shower": true,
	"blanket": true, "blankets": true, "charging": true, "charger": true, "chargers": true,
	"cooker": true, "hob": true, "fire": true, "fires": true, "drill": true, "bank": true,
	"banks": true, "washing": true, "of": true, "station": true, "problem": true, "problems": true,
	"issues": true, "worries": true, "need": true,
}

// objectsAfterOff are words after a bare "power off" that make it a verb
// taking an object ("power off your router", "power down the laptop").
var objectsAfterOff = map[string]bool{
	"your": true, "the": true, "my": true, "his": true, "her": true, "their": true, "it": true,
	"everything": true, "and": true, "up": true, "before": true, "when": true, "peak": true,
	"button": true, "switch": true, "cable": true, "lead": true,
}

// looksLikeOutage reports whether a group message says or asks whether
// the power is off, however it is phrased.
func looksLikeOutage(text string) bool {
	if bot.RuneLen(text) > 300 {
		return false
	}
	t := strings.ToLower(strings.NewReplacer("’", "'", "‘", "'", "`", "'").Replace(text))
	if cutPhrase.MatchString(t) || happened.MatchString(t) {
		return true
	}
	for _, m := range lossPhrase.FindAllStringSubmatch(t, -1) {
		if !nounsAfterNo[m[1]] {
			return true
		}
	}
	if lightsPhrase.MatchString(t) {
		return true
	}
	for _, m := range blackout.FindAllStringSubmatch(t, -1) {
		if m[1] != "blinds" && m[1] != "blind" && m[1] != "curtains" && m[1] != "curtain" && m[1] != "lining" {
			return true
		}
	}
	return stateSaid(t)
}

// stateSaid reads "power's gone" and "power off here?" but not a switch
// turned off on purpose, nor a verb with its object ("power off your
// router"), nor a price gone up ("electric has gone up").
func stateSaid(t string) bool {
	if imperative.MatchString(t) {
		return false
	}
	for _, idx := range statePhrase.FindAllStringSubmatchIndex(t, -1) {
		connector := strings.TrimSpace(t[idx[2]:idx[3]])
		after := t[idx[4]:idx[5]]
		if after == "up" {
			continue
		}
		if connector == "" && objectsAfterOff[after] {
			continue
		}
		return true
	}
	return false
}
