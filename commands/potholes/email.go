package potholes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"neighbourbot/bot"
)

// Sending by email, the way FixMyStreet sends most of its reports: one
// plain-text email per report to the council's address for its category,
// with the photo attached. The email names the group's liaison, never a
// resident: no resident's name or phone number is in it.

// emailedEvent is the history line of a report that went by email.
const emailedEvent = "emailed"

// messageID is the report's fixed Message-ID: every attempt to send the
// report carries the same one, so should it be delivered twice (the bot
// stopped after the server took it and before recording that), mail
// systems and the council's inbox can tell it is the same message. The
// report's creation time makes it unique across databases sending from
// the same domain.
func messageID(r Report, from string) string {
	domain := "neighbourbot.invalid"
	if _, d, ok := strings.Cut(addrOnly(from), "@"); ok && d != "" {
		domain = d
	}
	return fmt.Sprintf("report-%d.%d@%s", r.ID, r.Created.UnixMilli(), domain)
}

func addrOnly(s string) string {
	if i := strings.LastIndex(s, "<"); i >= 0 {
		return strings.TrimSuffix(strings.TrimSpace(s[i+1:]), ">")
	}
	return strings.TrimSpace(s)
}

// emailSubject is "Pothole report P7: outside no. 12 Elm Road".
func emailSubject(r Report) string {
	cat := r.Category
	if cat != "" {
		cat = strings.ToUpper(cat[:1]) + cat[1:]
	}
	return fmt.Sprintf("%s report %s: %s", cat, r.Ref(), bot.Truncate(r.Description, 60))
}

// osmLink is an OpenStreetMap map centred on the pin.
func osmLink(lat, long float64) string {
	return fmt.Sprintf("https://www.openstreetmap.org/?mlat=%.6f&mlon=%.6f#map=18/%.6f/%.6f", lat, long, lat, long)
}

// emailPhoto decides what the email says about the report's photo: the
// file to attach (within attach_photo_mb), or a link, or neither.
type emailPhoto struct {
	attach string // path of the file to attach
	name   string // attachment's file name
	link   string
	note   string // the body's Photo line
}

func (f *Feature) emailPhoto(r Report) emailPhoto {
	if r.FirstPhoto == "" {
		return emailPhoto{note: "none"}
	}
	link := ""
	if f.cfg.PhotoURLBase != "" {
		link = strings.TrimRight(f.cfg.PhotoURLBase, "/") + "/" + r.FirstPhoto
	}
	path := filepath.Join(f.deps.PhotoDir, r.FirstPhoto)
	st, err := os.Stat(path)
	limit := int64(f.cfg.Email.AttachPhotoMB) << 20
	if err == nil && st.Size() <= limit {
		name := r.Ref() + "-photo" + filepath.Ext(r.FirstPhoto)
		p := emailPhoto{attach: path, name: name, note: "attached (" + name + ")"}
		if r.Photos > 1 {
			p.note += fmt.Sprintf("; %d more in the group", r.Photos-1)
		}
		return p
	}
	switch {
	case link != "":
		return emailPhoto{link: link, note: link}
	case err != nil:
		return emailPhoto{note: "one was posted in the group but is no longer kept"}
	}
	return emailPhoto{note: "one was posted in the group but is too large to attach"}
}

// emailBody writes the report the way FixMyStreet writes its emails:
// labelled lines a council officer can read at a glance.
func (f *Feature) emailBody(ctx context.Context, r Report, photo emailPhoto) (string, error) {
	gs, err := f.core.GroupSettings(ctx, r.Chat)
	if err != nil {
		return "", fmt.Errorf("group settings: %w", err)
	}
	group := oneLine(gs.Name)
	if group == "" {
		group = "a residents' group"
	}
	liaison := strings.TrimSpace(f.cfg.LiaisonName)
	if f.cfg.LiaisonEmail != "" {
		if liaison != "" {
			liaison += " <" + f.cfg.LiaisonEmail + ">"
		} else {
			liaison = f.cfg.LiaisonEmail
		}
	}
	var b strings.Builder
	line := func(label, value string) { fmt.Fprintf(&b, "%-16s%s\n", label+":", value) }
	b.WriteString("Dear council,\n\n")
	fmt.Fprintf(&b, "A resident has reported the following street fault in the WhatsApp group\n\"%s\", and neighbours there believe it needs your attention.\n\n", group)
	line("Reference", r.Ref())
	line("Category", r.Category)
	line("Description", r.Description)
	b.WriteString("\n")
	if r.HasLocation {
		line("Latitude", fmt.Sprintf("%.6f", r.Lat))
		line("Longitude", fmt.Sprintf("%.6f", r.Long))
		line("Map", osmLink(r.Lat, r.Long))
	} else {
		where := "no pin was dropped; the description says where it is"
		if place := placeIn(r.Description); place != "" {
			where = place + " (as the resident wrote it; no pin was dropped"
			if len(gs.Areas) > 0 {
				where += "; the group's area: " + strings.Join(gs.Areas, ", ")
			}
			where += ")"
		} else if len(gs.Areas) > 0 {
			where += " (the group's area: " + strings.Join(gs.Areas, ", ") + ")"
		}
		line("Location", where)
	}
	b.WriteString("\n")
	line("First reported", r.Created.In(f.deps.Location).Format("Monday 2 January 2006, 15:04 MST"))
	confirmed := "the reporter only; no neighbour has confirmed it yet"
	if r.Confirmations > 0 {
		confirmed = fmt.Sprintf("%d neighbours (the reporter and %s)", r.Confirmations+1, bot.Count(r.Confirmations, "other"))
	}
	line("Seen by", confirmed)
	line("Photo", photo.note)
	b.WriteString("\n")
	line("Group", group)
	line("Reported by", "a resident of the group")
	if liaison != "" {
		line("Liaison", liaison+" (the group's council liaison)")
		who := strings.TrimSpace(f.cfg.LiaisonName)
		if who == "" {
			who = f.cfg.LiaisonEmail
		}
		fmt.Fprintf(&b, "\nReplies to this email go to the group's liaison, %s; please quote %s.\n", who, r.Ref())
	} else {
		fmt.Fprintf(&b, "\nReplies to this email reach the group's organisers; please quote %s.\n", r.Ref())
	}
	fmt.Fprintf(&b, "\n-- \nSent by neighbourbot for the group \"%s\". Residents' names and phone\nnumbers are never passed on.\n", group)
	return b.String(), nil
}

// reportEmail builds the message for r to the given address.
func (f *Feature) reportEmail(ctx context.Context, r Report, to string) (*gomail.Msg, error) {
	photo := f.emailPhoto(r)
	body, err := f.emailBody(ctx, r, photo)
	if err != nil {
		return nil, err
	}
	m := gomail.NewMsg()
	if err := m.From(f.cfg.Email.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := m.To(to); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if f.cfg.LiaisonEmail != "" {
		reply := f.cfg.LiaisonEmail
		if name := strings.TrimSpace(f.cfg.LiaisonName); name != "" {
			if err := m.ReplyToFormat(name, reply); err != nil {
				return nil, fmt.Errorf("reply-to: %w", err)
			}
		} else if err := m.ReplyTo(reply); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	m.Subject(emailSubject(r))
	m.SetMessageIDWithValue(messageID(r, f.cfg.Email.From))
	m.SetDateWithValue(f.clock.Now().In(f.deps.Location))
	m.SetBodyString(gomail.TypeTextPlain, body)
	if photo.attach != "" {
		m.AttachFile(photo.attach, gomail.WithFileName(photo.name))
	}
	return m, nil
}

// recordEmail records how an emailed attempt went. The message went first;
// the report becomes "sent" with its history line only once the mail
// server has accepted it. A retry after a failure sends the same message
// again (same Message-ID); a report already sent is never emailed again by
// a job.
func (f *Feature) recordEmail(ctx context.Context, call sendCall, sendErr error) error {
	r, ok, err := f.sendCurrent(ctx, call)
	if !ok {
		return err
	}
	now := f.clock.Now()
	r.SendAttempts++
	r.Updated, r.SendStartedAt = now, now
	if sendErr != nil {
		return f.sendFailed(ctx, r, sendErr, call.asked)
	}
	r.SendState, r.LastSendError, r.NextSendAt = sendDone, "", time.Time{}
	if r.Status == StatusOpen {
		r.Status = StatusSent
	}
	ev := event{At: now, Kind: emailedEvent, Detail: fmt.Sprintf("to %s, attempt %d", addrOnly(call.to), r.SendAttempts)}
	if err := f.store.apply(ctx, r, change{saveMutables: true, events: []event{ev}}); err != nil {
		return err
	}
	return f.sendNews(ctx, r)
}

// emailedTo is the address r was emailed to, "" when it has not been.
func (f *Feature) emailedTo(ctx context.Context, r Report) (string, error) {
	if r.SendState != sendDone || r.ServiceRequestID != "" || r.Token != "" {
		return "", nil
	}
	ev, ok, err := f.store.latestEvent(ctx, r.ID, emailedEvent)
	if err != nil || !ok {
		return "", err
	}
	to, _, _ := strings.Cut(strings.TrimPrefix(ev.Detail, "to "), ",")
	return to, nil
}
