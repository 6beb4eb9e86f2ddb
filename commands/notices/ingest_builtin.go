package notices

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
	"neighbourbot/commands/notices/sources"
	"neighbourbot/commands/polling"
)

// maxItemsPerSourcePoll bounds how many new notices one poll of a built-in
// source may store; the rest wait for the next poll.
const maxItemsPerSourcePoll = 50

// builtin is a built-in source with its settings.
type builtin struct {
	src      sources.Source
	official bool
}

func (b builtin) source() string { return "builtin:" + b.src.Name() }

func (r *Feature) geocoder() *sources.Geocoder {
	return &sources.Geocoder{DB: r.st.db, Client: r.deps.HTTPClient, BaseURL: r.cfg.Sources.PostcodesURL, Timeout: r.cfg.FetchTimeout.D(), Now: r.clock.Now}
}

// addBuiltinSources books each enabled built-in source as a polled source.
func (r *Feature) addBuiltinSources() error {
	sc := r.cfg.Sources
	timeout, maxBytes, client := r.cfg.FetchTimeout.D(), r.cfg.MaxFeedBytes, r.deps.HTTPClient
	add := func(c sources.SourceConfig, every time.Duration, src sources.Source) error {
		if !c.Enabled || (!r.deps.PublicSources && c.URL == "") {
			return nil
		}
		b := builtin{src: src, official: !c.RequireApproval}
		return r.poller.Add(polling.Source{Name: b.source(), Interval: c.IntervalOr(every), Fetch: func(ctx context.Context) (bot.ApplyFunc, error) {
			return r.fetchBuiltin(ctx, b)
		}})
	}
	if err := add(sc.EAFloods, 15*time.Minute, &sources.EAFloods{BaseURL: sc.EAFloods.URL, RadiusKm: sc.EAFloods.RadiusKm, Topics: sc.EAFloods.Topics, Client: client, Timeout: timeout, MaxBytes: maxBytes}); err != nil {
		return err
	}
	if err := add(sc.MetOffice, 30*time.Minute, &sources.MetOffice{BaseURL: sc.MetOffice.URL, Topics: sc.MetOffice.Topics, Client: client, Timeout: timeout, MaxBytes: maxBytes}); err != nil {
		return err
	}
	if err := add(sc.GovUKAlerts, 10*time.Minute, &sources.GovUKAlerts{URL: sc.GovUKAlerts.URL, Topics: sc.GovUKAlerts.Topics, Client: client, Timeout: timeout, MaxBytes: maxBytes}); err != nil {
		return err
	}
	if err := add(sc.Planning, 24*time.Hour, &sources.Planning{BaseURL: sc.Planning.URL, RadiusKm: sc.Planning.RadiusKm, Topics: sc.Planning.Topics, Loc: r.deps.QuietHours.Loc, Now: r.clock.Now, Client: client, Timeout: timeout, MaxBytes: maxBytes}); err != nil {
		return err
	}
	for _, f := range sc.CAP {
		c := sources.SourceConfig{Enabled: true, URL: f.URL, Interval: f.Interval, Topics: f.Topics, RequireApproval: f.RequireApproval}
		if err := add(c, 15*time.Minute, &sources.CAPFeed{FeedName: f.Name, Display: f.DisplayName, URL: f.URL, Topics: f.Topics, Client: client, Timeout: timeout, MaxBytes: maxBytes}); err != nil {
			return err
		}
	}
	return nil
}

// PollSource polls a built-in source once, by its name ("ea-floods").
func (r *Feature) PollSource(ctx context.Context, name string) error {
	return r.poller.PollNow(ctx, "builtin:"+name)
}

// sourceGroups are the opted-in groups with an area, placed by the
// geocoder where it can.
func (r *Feature) sourceGroups(ctx context.Context) ([]sources.Group, error) {
	core, err := r.core.EnabledGroups(ctx)
	if err != nil {
		return nil, err
	}
	prefs, err := r.st.enabledGroupPrefs(ctx)
	if err != nil {
		return nil, err
	}
	// Without public sources, the default postcodes.io is not asked either.
	var geo *sources.Geocoder
	if r.deps.PublicSources || r.cfg.Sources.PostcodesURL != sources.DefaultConfig().PostcodesURL {
		geo = r.geocoder()
	}
	var out []sources.Group
	var lookupErr error
	for _, g := range eligibleGroups(core, prefs) {
		if len(g.Areas) == 0 {
			continue
		}
		sg := sources.Group{Chat: g.Chat, Areas: g.Areas}
		if pin, ok, err := r.st.groupPin(ctx, g.Chat); err != nil {
			return nil, err
		} else if ok {
			sg.Point = pin
		}
		for _, a := range g.Areas {
			if geo == nil {
				break
			}
			pl, ok, err := geo.Place(ctx, a)
			if err != nil {
				lookupErr = err
				continue
			}
			if ok && !sg.Point.Valid() {
				sg.Point = pl.Point
			}
			for _, n := range pl.Names {
				if !contains(sg.Names, n) {
					sg.Names = append(sg.Names, n)
				}
			}
		}
		out = append(out, sg)
	}
	if lookupErr != nil {
		placed := false
		for _, g := range out {
			placed = placed || g.Point.Valid() || len(g.Names) > 0
		}
		if !placed {
			return nil, fmt.Errorf("placing the groups' areas: %w", lookupErr)
		}
	}
	return out, nil
}

// fetchBuiltin asks the source about the groups it could reach, with no
// unit of work held, and returns what stores the new items. The items carry
// their own areas, so a group that opted in or out meanwhile is matched as
// it stands when they are relayed.
func (r *Feature) fetchBuiltin(ctx context.Context, b builtin) (bot.ApplyFunc, error) {
	groups, err := r.sourceGroups(ctx)
	if err != nil {
		return nil, err
	}
	if len(groups) == 0 {
		// Nobody to tell: the source is not asked, which is no success.
		return nil, fmt.Errorf("no group gets %s: %w", b.src.Name(), polling.ErrNothingToPoll)
	}
	items, err := b.src.Fetch(ctx, groups)
	if errors.Is(err, sources.ErrNothingToAsk) {
		return nil, fmt.Errorf("%w: %w", polling.ErrNothingToPoll, err)
	}
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) error { return r.storeBuiltin(ctx, b, items) }, nil
}

// storeBuiltin stores up to maxItemsPerSourcePoll new items.
func (r *Feature) storeBuiltin(ctx context.Context, b builtin, items []sources.Item) error {
	added := 0
	for _, it := range items {
		if added == maxItemsPerSourcePoll {
			break
		}
		n, err := r.ingestSourceItem(ctx, b, it)
		if err != nil {
			return fmt.Errorf("%s item %q: %w", b.src.Name(), bot.Truncate(it.ID, 60), err)
		}
		added += n
	}
	if added > 0 {
		r.log.Info("source polled", "source", b.src.Name(), "new", added)
	}
	if cf, ok := b.src.(*sources.CAPFeed); ok && cf.Skipped > 0 {
		r.log.Debug("CAP alerts left out: not Actual, or no group's area could be placed", "source", b.src.Name(), "skipped", cf.Skipped)
	}
	return nil
}

// ingestSourceItem stores one item as a notice (1 when it was new). A
// warning's later versions update its first notice; its end cancels it;
// an end or an update of a warning the bot never relayed is not news.
func (r *Feature) ingestSourceItem(ctx context.Context, b builtin, it sources.Item) (int, error) {
	n := &Notice{
		Source: b.source(), SourceName: b.src.Title(), Identifier: bot.Truncate(it.ID, maxIDLen),
		MsgType: MsgAlert, Title: bot.Truncate(strings.Join(strings.Fields(bot.CleanText(it.Title)), " "), maxTitle),
		Body: bot.Truncate(bot.CleanText(it.Body), maxBody), Topics: it.Topics, Areas: it.Areas,
		Sent: it.Sent, Expires: it.Expires, Official: b.official,
	}
	if n.Title == "" {
		n.Title = "Warning from " + b.src.Title()
	}
	n.setWelsh(it.TitleCy, it.BodyCy)
	if link, err := cleanLink(it.Link); err == nil {
		n.Link = link
	}
	n.Urgency, _ = parseUrgency(it.Urgency)
	if known, err := r.st.hasNotice(ctx, n.Source, n.Identifier); err != nil || known {
		return 0, err
	}
	switch {
	case it.MsgType != "":
		n.MsgType = MsgType(it.MsgType)
		if n.MsgType != MsgAlert {
			n.References = it.References
			if _, err := r.st.noticeByIdentifier(ctx, n.Source, n.References); errors.Is(err, bot.ErrNotFound) {
				if n.MsgType == MsgCancel {
					return 0, nil
				}
				n.MsgType, n.References = MsgAlert, ""
			} else if err != nil {
				return 0, err
			}
		}
	case it.Thread != "":
		latest, err := r.st.latestInThread(ctx, n.Source, it.Thread+"@")
		if err != nil {
			return 0, err
		}
		switch {
		case latest == nil || latest.MsgType == MsgCancel:
			if it.Cancel {
				return 0, nil
			}
		case it.Cancel:
			n.MsgType, n.References = MsgCancel, latest.Identifier
		default:
			n.MsgType, n.References = MsgUpdate, latest.Identifier
		}
	}
	res, err := r.gov.Ingest(ctx, n, b.src.Title())
	if err != nil || res.Duplicate {
		return 0, err
	}
	return 1, nil
}

// SubmitCAP ingests a CAP 1.2 alert from the webhook: its English info
// block, its msgType and references, urgency from severity and urgency,
// expires, and its areas — postcodes in a geocode or areaDesc, or the
// groups whose point lies in its polygon or circle. An alert without area
// blocks is council-wide. Tests and exercises are refused.
func (r *Feature) SubmitCAP(ctx context.Context, raw []byte, source, sender, from string) (IngestResult, error) {
	a, err := sources.ParseCAP(raw)
	if err != nil {
		return IngestResult{}, &FieldError{Field: "cap", Msg: err.Error()}
	}
	if !a.Actual() {
		return IngestResult{}, &FieldError{Field: "status", Msg: fmt.Sprintf("%q alerts are not relayed; only Actual", bot.Truncate(a.Status, 20))}
	}
	groups, err := r.sourceGroups(ctx)
	if err != nil {
		r.log.Warn("CAP webhook: could not place the groups; matching by postcode only", bot.KeyErr, err)
		groups = nil
	}
	it, placed, err := sources.CAPItem(a, groups, nil)
	if err != nil {
		return IngestResult{}, &FieldError{Field: "cap", Msg: err.Error()}
	}
	if !placed {
		return IngestResult{}, &FieldError{Field: "area", Msg: "no area of this alert covers a group's area"}
	}
	n := &Notice{
		Identifier: bot.Truncate(strings.TrimSpace(it.ID), maxIDLen),
		MsgType:    MsgType(it.MsgType), References: it.References, Title: bot.Truncate(it.Title, maxTitle),
		Body: bot.Truncate(bot.CleanText(it.Body), maxBody), Areas: it.Areas, Sent: it.Sent, Expires: it.Expires,
	}
	n.setWelsh(it.TitleCy, it.BodyCy)
	if n.Title == "" {
		return IngestResult{}, &FieldError{Field: "headline", Msg: "required (or event)"}
	}
	if link, err := cleanLink(it.Link); err == nil {
		n.Link = link
	}
	n.Urgency, _ = parseUrgency(it.Urgency)
	if len(n.Areas) > maxAreas {
		n.Areas = n.Areas[:maxAreas]
	}
	if err := r.applySender(n, source, sender); err != nil {
		return IngestResult{}, err
	}
	if err := r.refuseInPeriod(n, r.clock.Now()); err != nil {
		return IngestResult{}, err
	}
	if err := r.resolveReference(ctx, n); err != nil {
		return IngestResult{}, err
	}
	return r.gov.Ingest(ctx, n, from)
}

// areaPin sees !area before the core handles it: an admin's !area sent
// with, or as a reply to, a location pin makes the pin the group's point
// for the sources that work from one (flood warnings, planning nearby);
// an !area that changes the area without a pin forgets the old pin. The
// core's !area then answers as usual.
func (r *Feature) areaPin(ctx context.Context, req *bot.Request) (bool, error) {
	if req.Command != "area" || strings.TrimSpace(req.Args) == "" && pinOf(req.Msg) == nil {
		return false, nil
	}
	admin, err := req.IsAdmin(ctx)
	if err != nil || !admin {
		return false, err
	}
	pin := pinOf(req.Msg)
	if pin == nil {
		_, err := r.st.clearGroupPin(ctx, req.Chat.ID)
		return false, err
	}
	p := sources.Point{Lat: pin.Lat, Lon: pin.Long}
	if !p.Valid() {
		return false, req.Reply(ctx, "That location pin has no usable position, so I'll place the group by its postcode instead.")
	}
	if err := r.st.saveGroupPin(ctx, req.Chat.ID, p, r.clock.Now()); err != nil {
		return false, err
	}
	return false, req.Reply(ctx, "Thanks — I'll use that pin as this group's location for flood warnings and planning applications nearby. Only its position is kept, and a new "+req.Cmd("area")+" without a pin forgets it.")
}

func pinOf(m *bot.Message) *bot.Location {
	if m.Location != nil {
		return m.Location
	}
	if m.Quote != nil {
		return m.Quote.Location
	}
	return nil
}
