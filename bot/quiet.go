package bot

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// A group's admins may set the group's own quiet hours with !quiet; every
// non-urgent send to the group (what jobs and fan-outs post: reminders,
// verdicts, follow-ups, notices, digests) then waits for the end of the
// group's window in the send queue. Replies to a resident's own message,
// and urgent and emergency notices, are never held.

// quietRange reads "22:00-07:00", "22:00 – 07:00", "10pm-7am", "22-7".
var quietRange = regexp.MustCompile(`^\s*([0-9.:]+\s*(?:am|pm)?)\s*(?:-|–|—|to|until|till)\s*([0-9.:]+\s*(?:am|pm)?)\s*$`)

// ParseQuiet reads a group's quiet-hours setting as admins type it: "off"
// (or "none"), "default", or a window "22:00-07:00". It returns the value
// GroupSettings.Quiet stores: "off", "" (the bot's default) or the window
// written "HH:MM-HH:MM".
func ParseQuiet(s string) (string, error) {
	in := strings.ToLower(strings.TrimSpace(s))
	switch in {
	case "off", "none", "never", "no":
		return "off", nil
	case "default", "reset", "normal":
		return "", nil
	}
	m := quietRange.FindStringSubmatch(in)
	if m == nil {
		return "", fmt.Errorf("not a window")
	}
	start, err := ParseTimeOfDay(m[1])
	if err != nil {
		return "", err
	}
	end, err := ParseTimeOfDay(m[2])
	if err != nil {
		return "", err
	}
	if start == end {
		return "", fmt.Errorf("the window starts and ends at %s", start)
	}
	return start.String() + "-" + end.String(), nil
}

// GroupQuiet returns the quiet hours in force for a group: its own, none
// ("off"), or def. own says whether the group set its own (or "off").
func GroupQuiet(g GroupSettings, def *QuietHours) (q QuietHours, own bool) {
	var loc *time.Location
	if def != nil {
		q, loc = *def, def.Loc
	}
	switch g.Quiet {
	case "":
		return q, false
	case "off":
		return QuietHours{Loc: loc}, true
	}
	a, b, _ := strings.Cut(g.Quiet, "-")
	start, err1 := ParseTimeOfDay(a)
	end, err2 := ParseTimeOfDay(b)
	if err1 != nil || err2 != nil {
		return q, false
	}
	return QuietHours{Start: start, End: end, Loc: loc}, true
}

// DescribeQuiet is a group's quiet hours as !quiet and !settings show them.
func DescribeQuiet(g GroupSettings, def *QuietHours) string {
	q, own := GroupQuiet(g, def)
	switch {
	case q.Start == q.End && own:
		return "off in this group (everything goes straight away)"
	case q.Start == q.End:
		return "none"
	case own:
		return fmt.Sprintf("%s–%s (this group's own)", q.Start, q.End)
	}
	return fmt.Sprintf("%s–%s (the bot's default)", q.Start, q.End)
}

// QuietHours returns the quiet hours in force for a group and how
// !settings shows them.
func (g *Groups) QuietHours(gs GroupSettings) (QuietHours, string) {
	q, _ := GroupQuiet(gs, g.quiet)
	return q, DescribeQuiet(gs, g.quiet)
}

func (e *Engine) quietHandler(ctx context.Context, req *Request) error {
	p := e.prefix()
	arg := strings.TrimSpace(req.Args)
	if arg == "" {
		q, _ := GroupQuiet(req.Group, e.cfg.QuietHours)
		how := " Reminders and other posts that fall due then wait until they end; replies and urgent notices don't."
		if q.Start == q.End {
			how = ""
		}
		return req.Reply(ctx, fmt.Sprintf("Quiet hours here: %s.%s Admins can set them with %squiet 22:00-07:00, %squiet off or %squiet default.",
			DescribeQuiet(req.Group, e.cfg.QuietHours), how, p, p, p))
	}
	admin, err := req.IsAdmin(ctx)
	if err != nil {
		return fmt.Errorf("admin check: %w", err)
	}
	if !admin {
		return Userf("Sorry, only group admins can set the group's quiet hours. %squiet shows them.", p)
	}
	v, err := ParseQuiet(arg)
	if err != nil {
		return Userf("I didn't understand %q. Try %squiet 22:00-07:00 (start–end), %squiet off (none here) or %squiet default (the bot's own).", Truncate(arg, 30), p, p, p)
	}
	g := req.Group
	g.Chat, g.Quiet, g.UpdatedAt = req.Chat.ID, v, e.now()
	if err := e.store.SaveGroupSettings(ctx, g); err != nil {
		return fmt.Errorf("save group: %w", err)
	}
	detail := v
	if detail == "" {
		detail = "default"
	}
	if err := e.audit.Record(ctx, AuditEntry{Chat: req.Chat.ID, ActorID: req.Sender.ID, ActorName: req.Sender.DisplayName(), Action: "quiet.set", Detail: detail}); err != nil {
		return err
	}
	return req.Reply(ctx, fmt.Sprintf("Quiet hours here: %s.", DescribeQuiet(g, e.cfg.QuietHours)))
}
