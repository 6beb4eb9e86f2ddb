package notices

import (
	"fmt"
	"strings"
	"time"
)

// Urgency is how a notice is treated: normal notices respect topics, quiet
// hours, digests and the pre-election pause; urgent ones skip quiet hours
// and digests; emergency ones also ignore topics and the pause.
type Urgency string

const (
	UrgencyNormal    Urgency = "normal"
	UrgencyUrgent    Urgency = "urgent"
	UrgencyEmergency Urgency = "emergency"
)

func parseUrgency(s string) (Urgency, bool) {
	switch Urgency(strings.ToLower(strings.TrimSpace(s))) {
	case UrgencyNormal, "":
		return UrgencyNormal, true
	case UrgencyUrgent:
		return UrgencyUrgent, true
	case UrgencyEmergency:
		return UrgencyEmergency, true
	}
	return "", false
}

// MsgType follows CAP's msgType: a new alert, an update replacing an
// earlier one, or a cancellation of one.
type MsgType string

const (
	MsgAlert  MsgType = "alert"
	MsgUpdate MsgType = "update"
	MsgCancel MsgType = "cancel"
)

// Notice is one council notice, modelled on CAP 1.2: the alert part
// (identifier, sender, sent, msgType, references), one info block
// (category as topics, urgency, headline, description, web, expires) and
// one area block (postcode areas instead of polygons). Both feeds and the
// webhook produce it.
type Notice struct {
	ID int64 // local id, the N of !approve N

	// Alert.
	Source     string // where it came from: "webhook", "console", "feed:NAME"
	SourceName string // shown to residents: "Shropshire Council — gritting updates"
	// SourceNameCy is its Welsh, for notices in Welsh ("" when none is
	// configured).
	SourceNameCy string
	Identifier   string // the source's own id (feed GUID, webhook id)
	Sent         time.Time
	MsgType      MsgType
	References   string // Identifier of the notice an update or cancel refers to

	// Info.
	Topics []string
	// UnknownTopics are topics of an emergency that no configured topic
	// matched: it goes out anyway, and the audit names them. Not stored.
	UnknownTopics []string
	Urgency       Urgency
	Title         string
	Body          string
	Link          string
	Expires       time.Time // zero: no expiry
	// TitleCy and BodyCy are the Welsh text ("" when there is none); a
	// group that chose Welsh, or both, gets it (see language.go).
	TitleCy, BodyCy string

	// Area.
	Areas []string // canonical postcode areas; empty means council-wide

	Received time.Time
	State    State

	// Council side (see governance_senders.go): the [[notices.senders]] name, ""
	// for the default sender, and when the notice may first go out.
	Sender    string
	Effective time.Time // zero: at once

	// Official marks a built-in official warning whose source skips
	// require_approval (see [notices.sources]); it is not stored, only
	// read when the notice arrives.
	Official bool
	// Poll and Consultation are set on a notice being submitted; stored
	// notices load them with store.poll and store.consultationOf.
	Poll         *PollSpec
	Consultation *ConsultSpec
}

// State is where a notice is in its life.
type State string

const (
	StateAwaitingApproval State = "awaiting_approval"
	StatePaused           State = "paused"   // held by pause_non_essential
	StateApproved         State = "approved" // cleared to go; fan-out planned next
	StatePlanned          State = "planned"  // outbox rows written
	StateRejected         State = "rejected"
	StateExpired          State = "expired"
	// StateWithdrawn: taken out of the approval queue (or off the outbox)
	// by a later update or cancellation before it reached anyone.
	StateWithdrawn State = "withdrawn"
	// StateRecorded: a cancellation of a notice that never reached anyone;
	// there is nothing to cancel, so it is kept for the record only.
	StateRecorded State = "recorded"
)

// Expired reports whether the notice has expired at now.
func (n *Notice) Expired(now time.Time) bool {
	return !n.Expires.IsZero() && !now.Before(n.Expires)
}

// Essential notices get through the pre-election pause.
func (n *Notice) Essential() bool { return n.Urgency == UrgencyEmergency }

// Label names a notice in lists: "#3 Gritting tonight (normal, gritting; SY3)".
func (n *Notice) Label() string {
	var what []string
	what = append(what, string(n.Urgency))
	if len(n.Topics) > 0 {
		what = append(what, strings.Join(n.Topics, ","))
	}
	area := "council-wide"
	if len(n.Areas) > 0 {
		area = strings.Join(n.Areas, ", ")
	}
	kind := ""
	if n.MsgType != MsgAlert {
		kind = string(n.MsgType) + " of " + n.References + ": "
	}
	return fmt.Sprintf("#%d %s%s (%s; %s) from %s", n.ID, kind, n.Title, strings.Join(what, ", "), area, n.SourceName)
}
