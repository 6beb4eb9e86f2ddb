package notices

import (
	"strings"
	"unicode/utf8"

	"neighbourbot/bot"
)

// defaultTopicAliases are the other words councils and residents use for
// the default topics. Plurals and small typos need no alias: resolveTopic
// forgives those by itself.
func defaultTopicAliases() map[string]string {
	return map[string]string{
		"flood":                 "flooding",
		"floods":                "flooding",
		"grit":                  "gritting",
		"gritters":              "gritting",
		"salting":               "gritting",
		"waste":                 "bins",
		"recycling":             "bins",
		"refuse":                "bins",
		"roadworks":             "roads",
		"closures":              "roads",
		"highways":              "roads",
		"consult":               "consultations",
		"emergency":             "emergencies",
		"planning-applications": "planning",
	}
}

// normTopic lower-cases a topic word and joins its words with '-', the
// form topics are configured in ("road works" → "road-works").
func normTopic(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '_' || r == '-' || r == '\t' }), "-")
}

// resolveTopic maps what a council's system or a resident wrote onto a
// configured topic: the topic itself, a configured alias, a plural or
// singular, a word the topic starts with ("consult" → "consultations") or
// a near spelling ("floding"). Only an answer that is the one closest is
// returned, so two topics a typo sits between stay unresolved.
func (c Config) resolveTopic(s string) (string, bool) {
	t := normTopic(s)
	if t == "" {
		return "", false
	}
	if c.knownTopic(t) {
		return t, true
	}
	if a, ok := c.TopicAliases[t]; ok && c.knownTopic(a) {
		return a, true
	}
	for _, v := range []string{t + "s", t + "es", strings.TrimSuffix(t, "s"), strings.TrimSuffix(t, "es")} {
		if v != t && c.knownTopic(v) {
			return v, true
		}
		if a, ok := c.TopicAliases[v]; ok && v != t && c.knownTopic(a) {
			return a, true
		}
	}
	// A word the topic begins with: "flood" for "flooding".
	if utf8.RuneCountInString(t) >= 4 {
		var hits []string
		for _, k := range c.Topics {
			if strings.HasPrefix(k, t) {
				hits = append(hits, k)
			}
		}
		if len(hits) == 1 {
			return hits[0], true
		}
	}
	// A near spelling: one edit from five letters, two from eight, never
	// in the first letter, and only when no other topic is as close.
	n := utf8.RuneCountInString(t)
	limit := 0
	switch {
	case n >= 8:
		limit = 2
	case n >= 5:
		limit = 1
	}
	best, bestD, tie := "", limit+1, false
	candidates := append([]string(nil), c.Topics...)
	for a := range c.TopicAliases {
		candidates = append(candidates, a)
	}
	for _, k := range candidates {
		if k[0] != t[0] {
			continue
		}
		d := bot.Levenshtein(t, k)
		target := k
		if a, ok := c.TopicAliases[k]; ok {
			target = a
		}
		switch {
		case d < bestD:
			best, bestD, tie = target, d, false
		case d == bestD && target != best:
			tie = true
		}
	}
	if best != "" && !tie && c.knownTopic(best) {
		return best, true
	}
	return "", false
}

// nearTopic suggests a topic for a word resolveTopic refused, for "did you
// mean" replies; "" when nothing is close.
func (c Config) nearTopic(s string) string {
	t := normTopic(s)
	best, bestD := "", 3
	for _, k := range c.Topics {
		if d := bot.Levenshtein(t, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// topicWords splits one comma-separated entry of a topic list: the whole
// entry when it names a topic ("road works"), else its words ("gritting
// bins").
func (c Config) topicWords(entry string) []string {
	if strings.TrimSpace(entry) == "" {
		return nil
	}
	if _, ok := c.resolveTopic(entry); ok {
		return []string{entry}
	}
	return strings.Fields(entry)
}
