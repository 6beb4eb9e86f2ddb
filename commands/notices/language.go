package notices

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"neighbourbot/bot"
)

// Language is what a group reads notices in. Welsh councils publish in
// English and Welsh (the Welsh Language Standards); a notice may carry
// Welsh text besides its English, and each group's admins choose what
// the group gets. English is the default.
type Language string

const (
	LangEnglish Language = "en"
	LangWelsh   Language = "cy"
	// LangBoth is one message with the Welsh first, then the English: the
	// standards ask for the Welsh to be placed where it is read first.
	LangBoth Language = "both"
)

// Label names a language for people: "English", "Welsh (Cymraeg)",
// "Welsh and English".
func (l Language) Label() string {
	switch l {
	case LangWelsh:
		return "Welsh (Cymraeg)"
	case LangBoth:
		return "Welsh and English"
	}
	return "English"
}

// languageWords are the words !notices language accepts, in English and
// in Welsh, for each choice.
var languageWords = map[string]Language{
	"english": LangEnglish, "en": LangEnglish, "eng": LangEnglish, "saesneg": LangEnglish,
	"welsh": LangWelsh, "cy": LangWelsh, "cymraeg": LangWelsh,
	"both": LangBoth, "bilingual": LangBoth, "y ddwy": LangBoth, "ddwy": LangBoth, "y ddau": LangBoth, "ddau": LangBoth,
	"dwyieithog": LangBoth, "welsh and english": LangBoth, "english and welsh": LangBoth, "cymraeg a saesneg": LangBoth,
	"saesneg a chymraeg": LangBoth, "cy+en": LangBoth, "en+cy": LangBoth,
}

// ParseLanguage reads a language choice in English or Welsh, any case,
// ("Cymraeg", "y ddwy", "both"); ok is false for anything else.
func ParseLanguage(s string) (Language, bool) {
	s = strings.NewReplacer("’", "'", "‘", "'").Replace(strings.ToLower(s))
	l, ok := languageWords[strings.Join(strings.Fields(s), " ")]
	return l, ok
}

// wording is the fixed words of a notice message in one language.
type wording struct {
	emergency, urgent, update, cancelled, from string
	cancelWords, updateWords                   []string
	digest                                     string
	days, months                               []string
}

var (
	englishWords = wording{emergency: "⚠️ Emergency: ", urgent: "Urgent: ", update: "Update: ", cancelled: "Cancelled: ", from: "From ",
		cancelWords: cancelWords, updateWords: updateWords, digest: "Council notices"}
	welshWords = wording{emergency: "⚠️ Argyfwng: ", urgent: "Brys: ", update: "Diweddariad: ", cancelled: "Wedi'i ganslo: ", from: "Oddi wrth ",
		cancelWords: []string{"canslo", "ganslo", "chanslo", "canslwyd", "dileu", "diddymu"},
		updateWords: []string{"diweddariad", "diweddarwyd", "cywiriad", "cywirwyd", "newid", "newidiwyd"},
		digest:      "Hysbysiadau'r cyngor",
		days:        []string{"Sul", "Llun", "Maw", "Mer", "Iau", "Gwe", "Sad"},
		months:      []string{"Ion", "Chwef", "Maw", "Ebr", "Mai", "Meh", "Gorff", "Awst", "Medi", "Hyd", "Tach", "Rhag"}}
	// bothFrom is the source line of a message in both languages.
	bothFrom = "Oddi wrth / From "
)

// day writes "Mon 2 Jan" in the wording's language.
func (w wording) day(t time.Time) string {
	if w.days == nil {
		return t.Format("Mon 2 Jan")
	}
	return fmt.Sprintf("%s %d %s", w.days[t.Weekday()], t.Day(), w.months[t.Month()-1])
}

// HasWelsh reports whether the notice carries Welsh text.
func (n *Notice) HasWelsh() bool { return n.TitleCy != "" }

// welshOnly reports whether the notice's only text is Welsh (a feed
// declared Welsh): its English fields hold the same words.
func (n *Notice) welshOnly() bool {
	return n.HasWelsh() && n.TitleCy == n.Title && n.BodyCy == n.Body
}

// LanguageFor is the language a group that chose want actually receives
// the notice in: English when the notice has no Welsh (nothing is lost:
// the group gets what there is), Welsh when Welsh is all there is.
func (n *Notice) LanguageFor(want Language) Language {
	switch {
	case !n.HasWelsh():
		return LangEnglish
	case n.welshOnly():
		return LangWelsh
	case want == LangWelsh || want == LangBoth:
		return want
	}
	return LangEnglish
}

// welsh is the notice with its Welsh text in place of the English.
func (n *Notice) welsh() *Notice {
	cy := *n
	cy.Title, cy.Body = n.TitleCy, n.BodyCy
	return &cy
}

// origTitles are the titles, English and Welsh, of the notice an update
// or cancellation refers to ("" when unknown).
type origTitles struct{ en, cy string }

func (o origTitles) welsh() string {
	if o.cy != "" {
		return o.cy
	}
	return o.en
}

// originalTitles is originalTitle in both languages.
func (r *Feature) originalTitles(ctx context.Context, n *Notice) (origTitles, error) {
	if n.MsgType == MsgAlert || n.References == "" {
		return origTitles{}, nil
	}
	orig, err := r.st.noticeByIdentifier(ctx, n.Source, n.References)
	if errors.Is(err, bot.ErrNotFound) {
		return origTitles{}, nil
	}
	if err != nil {
		return origTitles{}, fmt.Errorf("original notice: %w", err)
	}
	return origTitles{en: orig.Title, cy: orig.TitleCy}, nil
}

// formatNoticeIn writes the message a group that chose want receives,
// and the language it is in (see LanguageFor). Both languages are one
// message: the Welsh block, a blank line, the English block, then the
// link and source once.
func formatNoticeIn(n *Notice, orig origTitles, want Language) (string, Language) {
	lang := n.LanguageFor(want)
	var b strings.Builder
	switch lang {
	case LangWelsh:
		writeBlock(&b, n.welsh(), orig.welsh(), welshWords, maxBodyRunes)
		writeTail(&b, n, LangWelsh)
	case LangBoth:
		writeBlock(&b, n.welsh(), orig.welsh(), welshWords, maxBodyRunes)
		b.WriteString("\n\n")
		writeBlock(&b, n.englishAfterWelsh(), orig.en, englishWords, maxBodyRunes)
		writeTail(&b, n, LangBoth)
	default:
		return formatNotice(n, orig.en), LangEnglish
	}
	return b.String(), lang
}

// writeBlock writes a notice's bold heading, the line after it and its
// body (cut at maxBody runes) in wording w.
func writeBlock(b *strings.Builder, n *Notice, orig string, w wording, maxBody int) {
	head, first := titleLineIn(n, orig, w)
	b.WriteString("*" + head + "*")
	if first != "" {
		b.WriteString("\n" + first)
	}
	if body := strings.TrimSpace(n.Body); body != "" {
		b.WriteString("\n" + bot.Truncate(body, maxBody))
	}
}

// writeTail writes the link and the source line in lang: "From NAME",
// "Oddi wrth ENW", or both ("Oddi wrth ENW / From NAME", or "Oddi wrth /
// From NAME" when the source has no Welsh name).
func writeTail(b *strings.Builder, n *Notice, lang Language) {
	if n.Link != "" {
		b.WriteString("\n" + n.Link)
	}
	cy := n.SourceNameCy
	if cy == "" {
		cy = n.SourceName
	}
	switch {
	case lang == LangWelsh:
		b.WriteString("\n" + welshWords.from + cy)
	case lang == LangBoth && cy != n.SourceName:
		b.WriteString("\n" + welshWords.from + cy + " / " + englishWords.from + n.SourceName)
	case lang == LangBoth:
		b.WriteString("\n" + bothFrom + n.SourceName)
	default:
		b.WriteString("\n" + englishWords.from + n.SourceName)
	}
}

// welshSourceName is the Welsh "Oddi wrth …" name of sender s's notices:
// its Welsh name (or its name) before the council's Welsh name; "" when
// neither the council nor the sender has a Welsh name configured.
func welshSourceName(cfg Config, s SenderConfig) string {
	if cfg.SourceNameCy == "" && s.NameCy == "" {
		return ""
	}
	council := cfg.SourceNameCy
	if council == "" {
		council = cfg.SourceName
	}
	if s.Name == "" {
		return council
	}
	name := s.NameCy
	if name == "" {
		name = s.Name
	}
	return name + ", " + council
}

// formatDigestIn is formatDigest for a group that chose want: each notice
// in the language the group gets it in (langs[i] is list[i]'s), the
// heading in Welsh too when any notice is.
func formatDigestIn(list []*Notice, origs map[int64]origTitles, day time.Time, want Language) (string, []Language) {
	langs := make([]Language, len(list))
	welsh := false
	for i, n := range list {
		langs[i] = n.LanguageFor(want)
		welsh = welsh || langs[i] != LangEnglish
	}
	var b strings.Builder
	switch {
	case !welsh:
		fmt.Fprintf(&b, "*%s — %s*", englishWords.digest, englishWords.day(day))
	case want == LangWelsh:
		fmt.Fprintf(&b, "*%s — %s*", welshWords.digest, welshWords.day(day))
	default:
		fmt.Fprintf(&b, "*%s — %s*\n*%s — %s*", welshWords.digest, welshWords.day(day), englishWords.digest, englishWords.day(day))
	}
	for i, n := range list {
		// A digest carries only what quotes nothing (see planTargets).
		seen := asSeenBy(n, false)
		fmt.Fprintf(&b, "\n\n%d. ", i+1)
		switch langs[i] {
		case LangWelsh:
			writeBlock(&b, seen.welsh(), origs[n.ID].welsh(), welshWords, 300)
			writeTail(&b, n, LangWelsh)
		case LangBoth:
			writeBlock(&b, seen.welsh(), origs[n.ID].welsh(), welshWords, 300)
			b.WriteString("\n")
			writeBlock(&b, seen.englishAfterWelsh(), origs[n.ID].en, englishWords, 300)
			writeTail(&b, n, LangBoth)
		default:
			writeBlock(&b, seen, origs[n.ID].en, englishWords, 300)
			writeTail(&b, n, LangEnglish)
		}
	}
	return b.String(), langs
}

// messageFor is the notice as the row's recipient reads it, and the
// language that is: a group's or a subscriber's choice.
func (r *Feature) messageFor(ctx context.Context, n *Notice, row outboxRow) (string, Language, error) {
	var want Language
	var err error
	if row.Person != 0 {
		want, err = r.st.subscriberLanguage(ctx, row.Person)
	} else {
		want, err = r.st.groupLanguage(ctx, bot.ChatID(row.Target))
	}
	if err != nil {
		return "", "", err
	}
	orig, err := r.originalTitles(ctx, n)
	if err != nil {
		return "", "", err
	}
	text, lang := formatNoticeIn(asSeenBy(n, row.ReplyTo != ""), orig, want)
	return text, lang, nil
}

// decodeWelsh reads the Welsh title and body (title_cy, body_cy). Welsh
// text is all or nothing: a Welsh body needs a Welsh title, and a Welsh
// title beside an English body needs the Welsh body too, so a group
// reading Welsh never gets half a notice.
func decodeWelsh(in webhookNotice, n *Notice) error {
	n.TitleCy = strings.Join(strings.Fields(bot.CleanText(in.TitleCy)), " ")
	n.BodyCy = bot.CleanText(in.BodyCy)
	switch {
	case bot.RuneLen(n.TitleCy) > maxTitle:
		return &FieldError{Field: "title_cy", Msg: fmt.Sprintf("longer than %d characters", maxTitle)}
	case bot.RuneLen(n.BodyCy) > maxBody:
		return &FieldError{Field: "body_cy", Msg: fmt.Sprintf("longer than %d characters", maxBody)}
	case n.TitleCy == "" && strings.TrimSpace(n.BodyCy) != "":
		return &FieldError{Field: "title_cy", Msg: "required when body_cy is set (the Welsh title)"}
	case n.TitleCy != "" && strings.TrimSpace(n.BodyCy) == "" && strings.TrimSpace(n.Body) != "":
		return &FieldError{Field: "body_cy", Msg: "required when title_cy is set and body is (the Welsh text of the body)"}
	}
	return nil
}

// previewLanguages fills a preview's messages in each language (seen is
// the notice as the plan's recipients read it, extra its poll lines) and
// what each group it reaches chose.
func (r *Feature) previewLanguages(ctx context.Context, p *NoticePreview, seen *Notice, extra string) error {
	orig, err := r.originalTitles(ctx, seen)
	if err != nil {
		return err
	}
	en, _ := formatNoticeIn(seen, orig, LangEnglish)
	cy, _ := formatNoticeIn(seen, orig, LangWelsh)
	both, _ := formatNoticeIn(seen, orig, LangBoth)
	p.Message, p.MessageWelsh, p.MessageBoth = en+extra, cy+extra, both+extra
	all, err := r.st.groupLanguages(ctx)
	if err != nil {
		return err
	}
	p.Languages = map[bot.ChatID]Language{}
	for _, c := range p.Chats {
		if l, ok := all[c]; ok {
			p.Languages[c] = l
		}
	}
	return nil
}

// LanguageReach is one form a notice goes out in and the groups that get
// it.
type LanguageReach struct {
	Language Language
	Message  string
	Chats    []bot.ChatID
	// FellBack counts the groups among Chats that chose Welsh, or both,
	// and get English because the notice has no Welsh.
	FellBack int
}

// ByLanguage is what the groups the notice reaches receive: for a notice
// with Welsh, the English, Welsh and both-languages messages, each with
// the groups that chose it (even none, so a writer sees every form); for
// one without, the one message every group gets.
func (v NoticePreview) ByLanguage() []LanguageReach {
	n := v.Notice
	if !n.HasWelsh() || n.welshOnly() {
		one := LanguageReach{Language: n.LanguageFor(LangEnglish), Message: v.Message, Chats: v.Chats}
		for _, c := range v.Chats {
			if v.Languages[c] != "" && v.Languages[c] != LangEnglish && !n.HasWelsh() {
				one.FellBack++
			}
		}
		return []LanguageReach{one}
	}
	out := []LanguageReach{{Language: LangEnglish, Message: v.Message}, {Language: LangWelsh, Message: v.MessageWelsh}, {Language: LangBoth, Message: v.MessageBoth}}
	for _, c := range v.Chats {
		for i := range out {
			if out[i].Language == languageOf(string(v.Languages[c])) {
				out[i].Chats = append(out[i].Chats, c)
			}
		}
	}
	return out
}

// languageText adds to an approver's preview the Welsh text and who reads
// which; nothing for a notice without Welsh that no Welsh-reading group
// gets.
func (v NoticePreview) languageText(b *strings.Builder) {
	forms := v.ByLanguage()
	if len(forms) == 1 {
		if forms[0].FellBack > 0 {
			verb := "get"
			if forms[0].FellBack == 1 {
				verb = "gets"
			}
			fmt.Fprintf(b, "\nNo Welsh text: %s that chose Welsh or both %s it in English.", bot.Plural(forms[0].FellBack, "group", "groups"), verb)
		}
		return
	}
	b.WriteString("\nIn Welsh:")
	quote(b, v.MessageWelsh)
	var parts []string
	for _, f := range forms {
		if len(f.Chats) > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", f.Language.Label(), bot.Plural(len(f.Chats), "group", "groups")))
		}
	}
	if len(parts) > 0 {
		b.WriteString("\nGroups by language — " + strings.Join(parts, "; ") + ".")
	}
}

// quote writes text as "> " lines.
func quote(b *strings.Builder, text string) {
	for _, line := range strings.Split(text, "\n") {
		b.WriteString("\n> " + line)
	}
}

// englishAfterWelsh is the English block that follows the Welsh in one
// message: without its body when that is the Welsh block's own (a
// bilingual feed's item carries both languages in one body).
func (n *Notice) englishAfterWelsh() *Notice {
	if n.Body != n.BodyCy {
		return n
	}
	en := *n
	en.Body = ""
	return &en
}

// Feed languages ([[notices.feeds]] language).
const (
	feedEnglish   = "english"
	feedWelsh     = "welsh"
	feedBilingual = "bilingual"
)

func validFeedLanguage(s string) bool {
	switch s {
	case "", feedEnglish, feedWelsh, feedBilingual:
		return true
	}
	return false
}

// feedLanguage places a feed item's text by the feed's declared language.
// A Welsh feed's text is Welsh, and all there is: every group gets it (see
// LanguageFor). A bilingual feed's title reads "Cymraeg / English" (or
// with "|"), Welsh first as the standards place it; its body carries both
// languages already and is kept whole, once. A bilingual title that does
// not split is left as English, as published.
func feedLanguage(n *Notice, lang string) {
	switch lang {
	case feedWelsh:
		n.TitleCy, n.BodyCy = n.Title, n.Body
	case feedBilingual:
		for _, sep := range []string{" / ", " | "} {
			cy, en, ok := strings.Cut(n.Title, sep)
			if cy, en = strings.TrimSpace(cy), strings.TrimSpace(en); ok && cy != "" && en != "" {
				n.TitleCy, n.Title, n.BodyCy = cy, en, n.Body
				return
			}
		}
	}
}

// setWelsh takes a source's Welsh text (a CAP alert's cy block), cleaned
// and cut as the English is. A Welsh title without the Welsh of a body the
// English has is left out, so a Welsh reader gets the whole English
// rather than half a notice.
func (n *Notice) setWelsh(title, body string) {
	title = bot.Truncate(strings.Join(strings.Fields(bot.CleanText(title)), " "), maxTitle)
	body = bot.Truncate(bot.CleanText(body), maxBody)
	if title == "" || (strings.TrimSpace(body) == "" && strings.TrimSpace(n.Body) != "") {
		return
	}
	n.TitleCy, n.BodyCy = title, body
}
