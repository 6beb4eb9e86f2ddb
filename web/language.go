package web

import (
	"context"
	"fmt"

	"neighbourbot/bot"
	"neighbourbot/commands/notices"
)

// messagesView is what a page shows of a notice's text: the one message
// every group gets, or, for a notice in Welsh as well (or one reaching a
// group that chose Welsh), each form it goes out in and the groups that
// get it.
type messagesView struct {
	Message string
	Forms   []langForm
}

// langForm is one form of a notice: English, Welsh, or both in one
// message, and the groups (by name) it goes to.
type langForm struct {
	Label, Lang, Message string
	Groups               []string
	// FellBack: groups that chose Welsh, or both, getting English since
	// the notice has no Welsh.
	FellBack int
}

// messages builds what a page shows of pv's text, naming each group as
// /groups does.
func (s *Server) messages(ctx context.Context, pv notices.NoticePreview) (messagesView, error) {
	v := messagesView{Message: pv.Message}
	forms := pv.ByLanguage()
	if len(forms) == 1 && forms[0].FellBack == 0 && forms[0].Language == notices.LangEnglish {
		return v, nil
	}
	for _, f := range forms {
		lf := langForm{Label: "In " + f.Language.Label(), Lang: htmlLang(f.Language), Message: f.Message, FellBack: f.FellBack}
		for _, chat := range f.Chats {
			g, err := s.deps.Core.GroupSettings(ctx, chat)
			if err != nil {
				return v, err
			}
			lf.Groups = append(lf.Groups, groupName(g))
		}
		v.Forms = append(v.Forms, lf)
	}
	return v, nil
}

// htmlLang is the lang attribute of a message in l: Welsh text is marked
// so that screen readers read it as Welsh; both is mostly Welsh first.
func htmlLang(l notices.Language) string {
	if l == notices.LangWelsh {
		return "cy"
	}
	return ""
}

// languageWords is what a delivery's language reads as on the notice
// page ("" before it is sent).
func languageWords(l notices.Language) string {
	if l == "" {
		return ""
	}
	return l.Label()
}

// welshDraftErrors are the Welsh fields' common mistakes, listed with the
// rest: Welsh text is all or nothing, so a Welsh reader never gets half a
// notice.
func welshDraftErrors(d draft) []fieldError {
	var errs []fieldError
	hasTitle, hasBody := hasText(d.TitleCy), hasText(d.BodyCy)
	if !hasTitle && hasBody {
		errs = append(errs, fieldError{"title_cy", "Enter the Welsh title, or leave the Welsh message empty"})
	}
	if hasTitle && !hasBody && hasText(d.Body) {
		errs = append(errs, fieldError{"body_cy", "Enter the Welsh message, or leave the Welsh title empty"})
	}
	return errs
}

// hasText reports whether s holds anything but white space.
func hasText(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\n' && r != '\r' && r != '\t' {
			return true
		}
	}
	return false
}

// groupLanguage is a group's choice as /groups shows it.
func (s *Server) groupLanguage(ctx context.Context, chat bot.ChatID) (string, error) {
	l, err := notices.GroupLanguage(ctx, s.deps.Core, chat)
	if err != nil {
		return "", fmt.Errorf("language of a group: %w", err)
	}
	return l.Label(), nil
}
