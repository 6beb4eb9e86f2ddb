package notices

import (
	"context"
	"fmt"
	"strings"

	"neighbourbot/bot"
)

// setLanguage is "!notices language english|welsh|both" (or in Welsh,
// "!notices iaith saesneg|cymraeg|y ddwy"): what the group reads council
// notices in. Deliveries already planned follow the new choice, since the
// language is chosen as each one is sent.
func (r *Feature) setLanguage(ctx context.Context, req *bot.Request, arg string) error {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		current, err := r.st.groupLanguage(ctx, req.Chat.ID)
		if err != nil {
			return err
		}
		return req.Reply(ctx, fmt.Sprintf("Council notices here come in %s. Change it with %s language english, welsh or both.",
			current.Label(), req.Cmd("notices")))
	}
	lang, ok := ParseLanguage(arg)
	if !ok {
		return bot.Userf("I don't know the language %q. Choose english, welsh or both (in Welsh: saesneg, cymraeg or y ddwy), e.g. %s language welsh.",
			bot.Truncate(arg, 30), req.Cmd("notices"))
	}
	if err := r.st.setGroupLanguage(ctx, req.Chat.ID, lang, req.Now()); err != nil {
		return err
	}
	if err := r.audit(ctx, req, "notices.language", string(lang)); err != nil {
		return err
	}
	return req.Reply(ctx, languageReply(lang))
}

// setSubscriberLanguage is "!subscriptions language english|welsh|both"
// in a direct message: the language the resident's own notices come in.
func (r *Feature) setSubscriberLanguage(ctx context.Context, req *bot.Request) error {
	f := req.Fields()
	word := strings.ToLower(f[0])
	if word != "language" && word != "languages" && word != "lang" && word != "iaith" {
		return bot.Userf("Usage: %s lists your subscriptions; %s language english, welsh or both chooses the language they come in.",
			req.Cmd("subscriptions"), req.Cmd("subscriptions"))
	}
	arg := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(req.Args), f[0]))
	if arg == "" {
		current, err := r.st.subscriberLanguage(ctx, req.Sender.ID)
		if err != nil {
			return err
		}
		return req.Reply(ctx, fmt.Sprintf("Your council notices come in %s. Change it with %s language english, welsh or both.", current.Label(), req.Cmd("subscriptions")))
	}
	lang, ok := ParseLanguage(arg)
	if !ok {
		return bot.Userf("I don't know the language %q. Choose english, welsh or both (in Welsh: saesneg, cymraeg or y ddwy), e.g. %s language welsh.",
			bot.Truncate(arg, 30), req.Cmd("subscriptions"))
	}
	if err := r.st.setSubscriberLanguage(ctx, req.Sender.ID, lang, req.Now()); err != nil {
		return err
	}
	return req.Reply(ctx, strings.Replace(languageReply(lang), "Council notices here now come", "Your council notices now come", 1))
}

// languageReply confirms a group's choice, in Welsh as well when Welsh is
// what it chose.
func languageReply(lang Language) string {
	switch lang {
	case LangWelsh:
		return "Hysbysiadau'r cyngor yn Gymraeg o hyn ymlaen. Council notices here now come in Welsh; one the council sends only in English still comes, in English."
	case LangBoth:
		return "Hysbysiadau'r cyngor yn Gymraeg ac yn Saesneg o hyn ymlaen. Council notices here now come in Welsh and English, Welsh first, in one message; one the council sends only in English still comes, in English."
	}
	return "Council notices here now come in English."
}

// describeLanguage adds the group's language to !notices when it is not
// English.
func (r *Feature) describeLanguage(ctx context.Context, req *bot.Request, b *strings.Builder) error {
	lang, err := r.st.groupLanguage(ctx, req.Chat.ID)
	if err != nil || lang == LangEnglish {
		return err
	}
	fmt.Fprintf(b, " Language: %s.", lang.Label())
	return nil
}
