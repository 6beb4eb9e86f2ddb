package notices

import (
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
)

// maxBodyRunes keeps a relayed notice readable in a chat; the link carries
// the rest.
const maxBodyRunes = 1500

// formatNotice writes the message residents see: bold title, body, link
// and the source.
func formatNotice(n *Notice) string {
	var b strings.Builder
	b.WriteString("*" + titleLine(n) + "*")
	if body := strings.TrimSpace(n.Body); body != "" {
		b.WriteString("\n" + bot.Truncate(body, maxBodyRunes))
	}
	if n.Link != "" {
		b.WriteString("\n" + n.Link)
	}
	b.WriteString("\nFrom " + n.SourceName)
	return b.String()
}

func titleLine(n *Notice) string {
	title := strings.ReplaceAll(n.Title, "*", "")
	prefix := ""
	switch n.Urgency {
	case UrgencyEmergency:
		prefix = "⚠️ Emergency: "
	case UrgencyUrgent:
		prefix = "Urgent: "
	}
	switch n.MsgType {
	case MsgUpdate:
		prefix += "Update: "
	case MsgCancel:
		prefix += "Cancelled: "
	}
	return prefix + title
}

// formatDigest writes one daily message holding several notices.
func formatDigest(list []*Notice, day time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*Council notices — %s*", day.Format("Mon 2 Jan"))
	for i, n := range list {
		fmt.Fprintf(&b, "\n\n%d. *%s*", i+1, titleLine(n))
		if body := strings.TrimSpace(n.Body); body != "" {
			b.WriteString("\n" + bot.Truncate(body, 300))
		}
		if n.Link != "" {
			b.WriteString("\n" + n.Link)
		}
		b.WriteString("\nFrom " + n.SourceName)
	}
	return b.String()
}
