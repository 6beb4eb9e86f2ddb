package notices

import (
	"context"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
)

// maxSubscriptions bounds one person's private subscriptions.
const maxSubscriptions = 20

func (r *Feature) registerCommands() {
	r.reg.Handle(bot.Route{Name: "notices", Usage: "[on|off|topics LIST|area SY3 7|digest HH:MM|digest off|language english|welsh|both]",
		Help:    "council notices in this group: show settings, or (admins) switch them on or off, choose topics and area, send them as one daily digest at HH:MM (or digest off), and choose English, Welsh or both",
		Feature: featureName, Scope: bot.GroupOnly, Handler: r.handleNotices})
	r.reg.Handle(bot.Route{Name: "subscribe", Usage: "TOPIC AREA", Help: "get council notices by direct message, e.g. !subscribe gritting SY3",
		Feature: featureName, Scope: bot.DirectOnly, Handler: r.handleSubscribe})
	r.reg.Handle(bot.Route{Name: "unsubscribe", Usage: "[TOPIC|all]", Help: "stop notices by direct message (all, or one topic)",
		Feature: featureName, Scope: bot.DirectOnly, Handler: r.handleUnsubscribe})
	r.reg.Handle(bot.Route{Name: "subscriptions", Usage: "[language english|welsh|both]", Help: "list your council notice subscriptions, or choose the language they come in",
		Feature: featureName, Scope: bot.DirectOnly, Handler: r.handleSubscriptions})
	r.reg.Handle(bot.Route{Name: "pending", Usage: "[N]", Help: "notices waiting for approval, or notice N in full (approvers)", Hidden: true,
		For: r.isApprover, Role: approverRole,
		Feature: featureName, Scope: bot.DirectOnly, Handler: r.handlePending})
	r.reg.Handle(bot.Route{Name: "approve", Usage: "N", Help: "approve notice N (approvers)", Hidden: true,
		For: r.isApprover, Role: approverRole,
		Feature: featureName, Scope: bot.DirectOnly, Handler: r.handleApprove})
	r.reg.Handle(bot.Route{Name: "reject", Usage: "N [REASON]", Help: "reject notice N (approvers)", Hidden: true,
		For: r.isApprover, Role: approverRole,
		Feature: featureName, Scope: bot.DirectOnly, Handler: r.handleReject})
}

func (r *Feature) handleNotices(ctx context.Context, req *bot.Request) error {
	fields := req.Fields()
	if len(fields) == 0 {
		return r.showSettings(ctx, req)
	}
	admin, err := req.IsAdmin(ctx)
	if err != nil {
		return fmt.Errorf("admin check: %w", err)
	}
	if !admin {
		return bot.Userf("Sorry, only group admins can change notice settings. Anyone can type %s to see them.", req.Cmd("notices"))
	}
	prefs, err := r.st.groupPrefs(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	sub := strings.ToLower(fields[0])
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(req.Args), fields[0]))
	if on, ok := bot.ParseOnOff(sub); ok && len(fields) == 1 {
		return r.switchNotices(ctx, req, prefs, on)
	}
	switch sub {
	case "topics", "topic":
		return r.setTopics(ctx, req, prefs, rest)
	case "area", "areas":
		return r.setArea(ctx, req, rest)
	case "digest":
		return r.setDigest(ctx, req, prefs, rest)
	case "language", "languages", "lang", "iaith":
		return r.setLanguage(ctx, req, rest)
	}
	return bot.Userf("Usage: %s on|off, %s topics gritting,bins (or all), %s area SY3 7, %s digest 18:00 (or off), %s language english|welsh|both.",
		req.Cmd("notices"), req.Cmd("notices"), req.Cmd("notices"), req.Cmd("notices"), req.Cmd("notices"))
}

func (r *Feature) audit(ctx context.Context, req *bot.Request, action, detail string) error {
	return r.auditLog.Record(ctx, bot.AuditEntry{Chat: req.Chat.ID, ActorID: req.Sender.ID, ActorName: req.Sender.DisplayName(), Action: action, Detail: detail})
}

func (r *Feature) switchNotices(ctx context.Context, req *bot.Request, prefs groupPrefs, on bool) error {
	if prefs.Enabled == on {
		return req.Reply(ctx, fmt.Sprintf("Council notices are already %s here.", onOff(on)))
	}
	prefs.Enabled, prefs.DisabledReason = on, ""
	if err := r.st.saveGroupPrefs(ctx, prefs, req.Now()); err != nil {
		return err
	}
	if err := r.audit(ctx, req, "notices."+onOff(on), ""); err != nil {
		return err
	}
	if !on {
		return req.Reply(ctx, fmt.Sprintf("Council notices are off here. %s on switches them back on.", req.Cmd("notices")))
	}
	msg := "Council notices are on here: " + describeTopics(prefs) + ", " + describeAreas(req.Group.Areas) + "."
	if len(req.Group.Areas) == 0 {
		msg += fmt.Sprintf(" Set your area with %s area SY3 7 to get local notices too.", req.Cmd("notices"))
	}
	return req.Reply(ctx, msg)
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

func describeTopics(p groupPrefs) string {
	if p.allTopics() {
		return "all topics"
	}
	return "topics " + strings.Join(p.Topics, ", ")
}

func describeAreas(areas []string) string {
	if len(areas) == 0 {
		return "council-wide notices only (no area set)"
	}
	return "area " + strings.Join(areas, ", ")
}

func (r *Feature) setTopics(ctx context.Context, req *bot.Request, prefs groupPrefs, list string) error {
	list = strings.ToLower(strings.TrimSpace(list))
	if list == "" {
		return bot.Userf("Usage: %s topics %s (or all).", req.Cmd("notices"), strings.Join(r.cfg.Topics, ","))
	}
	var topics []string
	if list != "all" {
		for _, raw := range strings.FieldsFunc(list, func(c rune) bool { return c == ',' }) {
			for _, word := range r.cfg.topicWords(raw) {
				t, ok := r.cfg.resolveTopic(word)
				if !ok {
					hint := ""
					if near := r.cfg.nearTopic(word); near != "" {
						hint = " Did you mean " + near + "?"
					}
					return bot.Userf("I don't know the topic %q.%s Topics: %s (or all).", bot.Truncate(word, 30), hint, strings.Join(r.cfg.Topics, ", "))
				}
				if !contains(topics, t) {
					topics = append(topics, t)
				}
			}
		}
	}
	prefs.Topics = topics
	if err := r.st.saveGroupPrefs(ctx, prefs, req.Now()); err != nil {
		return err
	}
	if err := r.audit(ctx, req, "notices.topics", strings.TrimPrefix(describeTopics(prefs), "topics ")); err != nil {
		return err
	}
	msg := "This group now gets council notices on " + describeTopics(prefs) + " (emergencies always come through)."
	if !prefs.Enabled {
		msg += fmt.Sprintf(" Notices are still off: %s on starts them.", req.Cmd("notices"))
	}
	return req.Reply(ctx, msg)
}

// setArea writes the group's area in the core's settings, the same ones
// !area and the power feature use, in the same canonical form.
func (r *Feature) setArea(ctx context.Context, req *bot.Request, list string) error {
	gs, err := r.core.GroupSettings(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	if strings.TrimSpace(list) == "" {
		return req.Reply(ctx, "This group's area: "+describeAreas(gs.Areas)+fmt.Sprintf(". Change it with %s area SY3 7 (several separated by commas).", req.Cmd("notices")))
	}
	var areas []string
	note := ""
	if !strings.EqualFold(strings.TrimSpace(list), "clear") {
		var err error
		if areas, note, err = bot.ParseAreaList(list, req.Cmd("notices")+" area"); err != nil {
			return err
		}
		if len(areas) > 20 {
			return bot.Userf("That's a lot of areas — at most 20 per group, please.")
		}
	}
	gs.Chat = req.Chat.ID
	gs.Areas = areas
	gs.UpdatedAt = req.Now()
	if err := r.core.SaveGroupSettings(ctx, gs); err != nil {
		return err
	}
	if err := r.audit(ctx, req, "area.set", strings.Join(areas, ", ")); err != nil {
		return err
	}
	if len(areas) == 0 {
		return req.Reply(ctx, "Area cleared: this group now gets council-wide notices only.")
	}
	return req.Reply(ctx, strings.TrimSpace("This group's area is now "+strings.Join(areas, ", ")+" (shared with "+req.Cmd("area")+"). "+note))
}

func (r *Feature) setDigest(ctx context.Context, req *bot.Request, prefs groupPrefs, arg string) error {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		return bot.Userf("Usage: %s digest 18:00 (one daily message) or %s digest off.", req.Cmd("notices"), req.Cmd("notices"))
	}
	now := req.Now()
	loc := r.location()
	newAt := -1
	if on, ok := bot.ParseOnOff(arg); !ok || on {
		t, err := bot.ParseTimeOfDay(arg)
		if err != nil {
			return bot.Userf("%q isn't a time. Try %s digest 18:00 or %s digest off.", bot.Truncate(arg, 20), req.Cmd("notices"), req.Cmd("notices"))
		}
		if r.deps.QuietHours.Contains(t.On(now, loc)) {
			return bot.Userf("%s is inside quiet hours (%s–%s). Pick a daytime digest, e.g. %s digest 18:00.", t, r.deps.QuietHours.Start, r.deps.QuietHours.End, req.Cmd("notices"))
		}
		newAt = int(t)
	}
	prefs.DigestAt = newAt
	var reschedule time.Time
	err := r.st.inTx(ctx, func(st store) error {
		if err := st.saveGroupPrefs(ctx, prefs, now); err != nil {
			return err
		}
		// Notices already held for the digest follow the new choice.
		if newAt < 0 {
			return st.undigest(ctx, req.Chat.ID, r.deps.QuietHours.NextAllowed(now))
		}
		reschedule = nextDigest(now, newAt, loc)
		return st.moveDigest(ctx, req.Chat.ID, reschedule)
	})
	if err != nil {
		return err
	}
	if err := r.jobs.Cancel(ctx, jobDigest+":"+string(req.Chat.ID)+"@"); err != nil {
		return err
	}
	if newAt < 0 {
		if err := r.scheduleDrain(ctx, now); err != nil {
			return err
		}
		if err := r.audit(ctx, req, "notices.digest", "off"); err != nil {
			return err
		}
		return req.Reply(ctx, "Digest off: notices will arrive one by one (normal ones outside quiet hours).")
	}
	if err := r.scheduleDigest(ctx, req.Chat.ID, reschedule); err != nil {
		return err
	}
	if err := r.audit(ctx, req, "notices.digest", bot.TimeOfDay(newAt).String()); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Normal notices will now come as one daily digest at %s. Urgent and emergency notices still arrive straight away.", bot.TimeOfDay(newAt)))
}

func (r *Feature) location() *time.Location {
	if r.deps.QuietHours.Loc != nil {
		return r.deps.QuietHours.Loc
	}
	return time.UTC
}

func (r *Feature) showSettings(ctx context.Context, req *bot.Request) error {
	prefs, err := r.st.groupPrefs(ctx, req.Chat.ID)
	if err != nil {
		return err
	}
	var b strings.Builder
	if !prefs.Enabled {
		b.WriteString("Council notices are off here.")
		if prefs.DisabledReason != "" {
			b.WriteString(" They were switched off because " + prefs.DisabledReason + ".")
		}
		fmt.Fprintf(&b, " A group admin can switch them on with %s on.", req.Cmd("notices"))
	} else {
		b.WriteString("Council notices are on: " + describeTopics(prefs) + ", " + describeAreas(req.Group.Areas) + ".")
		if prefs.DigestAt >= 0 {
			fmt.Fprintf(&b, " Daily digest at %s.", bot.TimeOfDay(prefs.DigestAt))
		}
		if err := r.describeLanguage(ctx, req, &b); err != nil {
			return err
		}
	}
	recent, err := r.st.recentRelayed(ctx, req.Chat.ID, 5)
	if err != nil {
		return err
	}
	if len(recent) > 0 {
		b.WriteString("\nLast relayed:")
		for _, rl := range recent {
			fmt.Fprintf(&b, "\n• %s — %s", rl.SentAt.In(r.location()).Format("Mon 2 Jan 15:04"), rl.Title)
		}
	}
	return req.Reply(ctx, b.String())
}

func (r *Feature) handleSubscribe(ctx context.Context, req *bot.Request) error {
	f := req.Fields()
	usage := bot.Userf("Usage: %s TOPIC AREA — e.g. %s gritting SY3 (topics: %s, or all).", req.Cmd("subscribe"), req.Cmd("subscribe"), strings.Join(r.cfg.Topics, ", "))
	if len(f) < 2 || len(f) > 3 {
		return usage
	}
	topic := strings.ToLower(f[0])
	if topic != "all" {
		t, ok := r.cfg.resolveTopic(topic)
		if !ok {
			hint := ""
			if near := r.cfg.nearTopic(topic); near != "" {
				hint = " Did you mean " + near + "?"
			}
			return bot.Userf("I don't know the topic %q.%s Topics: %s (or all).", bot.Truncate(topic, 30), hint, strings.Join(r.cfg.Topics, ", "))
		}
		topic = t
	}
	area, ok := bot.NormalizeArea(strings.Join(f[1:], " "))
	if !ok {
		return bot.AreaProblem(strings.Join(f[1:], " "), req.Cmd("subscribe")+" "+topic+" AREA")
	}
	subs, err := r.st.subscriptions(ctx, req.Sender.ID)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.Topic == topic && s.Area == area {
			return req.Reply(ctx, fmt.Sprintf("You're already subscribed to %s notices for %s.", topic, area))
		}
	}
	if len(subs) >= maxSubscriptions {
		return bot.Userf("You have %d subscriptions, the most I keep. Remove some with %s TOPIC first.", len(subs), req.Cmd("unsubscribe"))
	}
	if err := r.st.subscribe(ctx, req.Sender.ID, topic, area, req.Now()); err != nil {
		return err
	}
	what := topic + " notices"
	if topic == "all" {
		what = "all council notices"
	}
	return req.Reply(ctx, fmt.Sprintf("Subscribed: I'll message you %s for %s (and any emergency there). %s stops them.", what, area, req.Cmd("unsubscribe")))
}

func (r *Feature) handleUnsubscribe(ctx context.Context, req *bot.Request) error {
	arg := strings.ToLower(strings.TrimSpace(req.Args))
	topic := ""
	if arg != "" && arg != "all" {
		t, ok := r.cfg.resolveTopic(arg)
		if !ok {
			return bot.Userf("Usage: %s (everything) or %s TOPIC — e.g. %s gritting.", req.Cmd("unsubscribe"), req.Cmd("unsubscribe"), req.Cmd("unsubscribe"))
		}
		arg, topic = t, t
	}
	n, err := r.st.unsubscribe(ctx, req.Sender.ID, topic)
	if err != nil {
		return err
	}
	switch {
	case n == 0 && (arg == "" || arg == "all"):
		return req.Reply(ctx, fmt.Sprintf("You have no subscriptions. %s gritting SY3 starts one.", req.Cmd("subscribe")))
	case n == 0:
		return req.Reply(ctx, fmt.Sprintf("You weren't subscribed to %s. %s lists what you have.", arg, req.Cmd("subscriptions")))
	case arg == "" || arg == "all":
		return req.Reply(ctx, fmt.Sprintf("Unsubscribed from everything (%d removed). I won't message you notices any more.", n))
	}
	return req.Reply(ctx, fmt.Sprintf("Unsubscribed from %s (%d removed).", arg, n))
}

func (r *Feature) handleSubscriptions(ctx context.Context, req *bot.Request) error {
	if len(req.Fields()) > 0 {
		return r.setSubscriberLanguage(ctx, req)
	}
	subs, err := r.st.subscriptions(ctx, req.Sender.ID)
	if err != nil {
		return err
	}
	if len(subs) == 0 {
		return req.Reply(ctx, fmt.Sprintf("You have no subscriptions. %s gritting SY3 starts one.", req.Cmd("subscribe")))
	}
	var b strings.Builder
	b.WriteString("Your council notice subscriptions:")
	for _, s := range subs {
		fmt.Fprintf(&b, "\n• %s — %s", s.Topic, s.Area)
	}
	if lang, err := r.st.subscriberLanguage(ctx, req.Sender.ID); err != nil {
		return err
	} else if lang != LangEnglish {
		fmt.Fprintf(&b, "\nThey come in %s.", lang.Label())
	}
	fmt.Fprintf(&b, "\n%s TOPIC or %s all to stop.", req.Cmd("unsubscribe"), req.Cmd("unsubscribe"))
	return req.Reply(ctx, b.String())
}
