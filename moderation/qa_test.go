package moderation

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
	"neighbourbot/bot/bottest"
	"neighbourbot/commands/potholes"
)

// TestBareNameAsksForAMention checks that member commands given a name
// without an @mention ask for one, instead of answering about the sender
// or someone else, and change nothing.
func TestBareNameAsksForAMention(t *testing.T) {
	cases := []struct{ line, want string }{
		{"Bob: !warnings Carol", "Mention them: !warnings @Carol — type @ and pick them from the list."},
		{"Alice: !warn Carol reason", "Mention them: !warn @Carol reason — type @ and pick them from the list."},
		{"Alice: !unwarn Carol", "Mention them: !unwarn @Carol — type @ and pick them from the list."},
		{"Alice: !unwarn Carol all", "Mention them: !unwarn @Carol all — type @ and pick them from the list."},
		{"Alice: !warnings " + strings.Repeat("é", 3000) + " 😀 " + strings.Repeat("x", 900), "Mention them: !warnings @ééé"},
	}
	for i, c := range cases {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			h := newHarness(t, DefaultConfig())
			h.Run(streetSetup + "Alice: !warn @Carol spam\n")
			before := snapshot(t, h.Store.Raw())
			out := h.Expect(c.line+"\n", c.want)
			if strings.Contains(out, "no warnings") || strings.Contains(out, "has 1 warning") {
				t.Errorf("answered about someone instead of asking for a mention:\n%s", out)
			}
			if reply := out[strings.Index(out, "bot:"):]; bot.RuneLen(reply) > 200 {
				t.Errorf("reply echoes too much of the input (%d characters)", bot.RuneLen(reply))
			}
			if after := snapshot(t, h.Store.Raw()); after != before {
				t.Errorf("store changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	t.Run("mention and no argument still work", func(t *testing.T) {
		h := newHarness(t, DefaultConfig())
		h.Run(streetSetup + "Alice: !warn @Carol spam\n")
		h.Expect("Bob: !warnings @Carol\n", "Carol has 1 warning here")
		h.Expect("Bob: !warnings\n", "Bob has no warnings here.")
	})
}

// withPotholes registers the real potholes feature beside moderation, as
// the bot runs: both answer !report.
func withPotholes(t *testing.T) *bottest.Harness {
	t.Helper()
	opts := options(DefaultConfig(), nil)
	register := opts.Register
	opts.Migrations = append(opts.Migrations, potholes.Migrations())
	photos := filepath.Join(t.TempDir(), "photos")
	opts.Register = func(h *bottest.Harness) error {
		// A second feature, so potholes alone can be switched off.
		h.Kit("test").Reg.Declare(bot.Feature{Name: "lending", Description: "lending"})
		if err := potholes.Register(h.Kit(potholes.FeatureName), potholes.DefaultConfig(), potholes.Deps{PhotoDir: photos, Location: time.UTC}); err != nil {
			return err
		}
		return register(h)
	}
	return bottest.New(t, opts)
}

// TestReportPointsToStreetFaults checks that !report which is neither a
// reply nor a street-fault category says how to log a street fault, only
// where the potholes feature is on, and records nothing.
func TestReportPointsToStreetFaults(t *testing.T) {
	const hint = "To log a street fault (pothole, streetlight, …) type !report CATEGORY DESCRIPTION — see !help potholes."
	h := withPotholes(t)
	h.Run(streetSetup)
	before := snapshot(t, h.Store.Raw())
	out := h.Expect("Bob: !report litter on the green\n", "Reply to the message you want to report with !report REASON", hint)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 {
		t.Errorf("want the usage and one more line; got:\n%s", out)
	}
	// !report alone lists every category, and how to report a message.
	h.Expect("Bob: !report\n", "categories: pothole, streetlight, flytipping, drain", "reply to it with !report REASON")
	h.Expect("dm Bob: !report\n", "Usage: !report REASON", hint)
	if after := snapshot(t, h.Store.Raw()); after != before {
		t.Errorf("store changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	h.Expect("Bob: !report streetlight out by number 4\n", "Logged P1 (streetlight)")

	h.Run("Alice: !bot features lending\n")
	if out := h.Run("Bob: !report litter\n"); strings.Contains(out, "street fault") {
		t.Errorf("hint given where potholes is switched off:\n%s", out)
	}
	plain := newHarness(t, DefaultConfig())
	if out := plain.Run(streetSetup + "Bob: !report\n"); strings.Contains(out, "street fault") {
		t.Errorf("hint given without the potholes feature:\n%s", out)
	}
}

// TestBadPatternInPlainWords checks that a /pattern/ that does not compile
// is explained without the regexp package's wording, with an example, and
// adds nothing.
func TestBadPatternInPlainWords(t *testing.T) {
	h := newHarness(t, DefaultConfig())
	h.Run(streetSetup)
	before := snapshot(t, h.Store.Raw())
	for _, line := range []string{"Alice: !block add /(/\n", "Alice: !block add casino, /free(/\n"} {
		out := h.Expect(line, `That pattern isn't valid: a bracket isn't closed. Nothing was changed. Example: !block add /free\s+money/`)
		if strings.Contains(out, "(?i)") || strings.Contains(out, "missing closing") {
			t.Errorf("reply shows regexp internals:\n%s", out)
		}
	}
	h.Expect("Alice: !block add /x**/\n", "That pattern isn't valid: two repeat signs (*, +, ?) follow each other.")
	if after := snapshot(t, h.Store.Raw()); after != before {
		t.Errorf("store changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// TestLeaveOutZeroCounts runs the erasure summaries the features write
// (core, lending, notices, potholes, power, moderation) through the
// filter that drops zero counts.
func TestLeaveOutZeroCounts(t *testing.T) {
	cases := []struct{ in, want string }{
		{"your name and WhatsApp addresses removed; 0 audit entries anonymised", "your name and WhatsApp addresses removed"},
		{"your name and WhatsApp addresses removed; 3 audit entries anonymised", "your name and WhatsApp addresses removed; 3 audit entries anonymised"},
		{"0 listings deleted; 0 requests deleted; 0 errands and 0 errand signups deleted; 0 loans anonymised", ""},
		{"1 listing deleted; 0 requests deleted; 0 errands and 2 errand signups deleted; 0 loans anonymised", "1 listing deleted; 2 errand signups deleted"},
		{"0 listings deleted; 0 requests deleted; 2 errands and 0 errand signups deleted; 1 loan anonymised (1 loan still open: kept on the other side's list without your name until marked returned, and they have been told)",
			"2 errands deleted; 1 loan anonymised (1 loan still open: kept on the other side's list without your name until marked returned, and they have been told)"},
		{"0 notice subscriptions deleted, 0 queued notices cancelled", ""},
		{"2 notice subscriptions deleted, 0 queued notices cancelled", "2 notice subscriptions deleted"},
		{"0 reports and 0 confirmations kept for the street without your name", ""},
		{"1 report and 0 confirmations kept for the street without your name", "1 report kept for the street without your name"},
		{"1 report and 4 confirmations kept for the street without your name", "1 report and 4 confirmations kept for the street without your name"},
		{"0 power-check answers deleted", ""},
		{"1 power-check answer deleted; your name removed from 2 checks you started (the counts stay)", "1 power-check answer deleted; your name removed from 2 checks you started (the counts stay)"},
		{"your name removed from 0 checks you started (the counts stay)", ""},
		{"nothing held", ""},
		{"2 warnings deleted; your words removed from 1 report about your messages", "2 warnings deleted; your words removed from 1 report about your messages"},
		{"10 listings deleted", "10 listings deleted"},
	}
	for _, c := range cases {
		if got := leaveOutZeroCounts(c.in); got != c.want {
			t.Errorf("leaveOutZeroCounts(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// zeroProvider is a feature holding nothing about anyone, summarised the
// way the features write it.
type zeroProvider struct{ name, summary string }

func (z zeroProvider) DataName() string { return z.name }
func (z zeroProvider) DescribePerson(context.Context, int64) ([]string, error) {
	return nil, nil
}
func (z zeroProvider) ForgetPerson(context.Context, int64) (string, error) { return z.summary, nil }

// TestForgetMeSummaryAndLapse checks the !forgetme yes reply leaves out
// zero counts and names the providers holding nothing once, and that a
// late yes says the request lapsed, erases nothing, and how to start again.
func TestForgetMeSummaryAndLapse(t *testing.T) {
	opts := options(DefaultConfig(), nil)
	register := opts.Register
	opts.Register = func(h *bottest.Harness) error {
		if err := register(h); err != nil {
			return err
		}
		h.Kit("test").Reg.AddDataProvider(zeroProvider{"Lending", "0 listings deleted; 0 requests deleted; 0 errands and 0 errand signups deleted; 0 loans anonymised"})
		h.Kit("test").Reg.AddDataProvider(zeroProvider{"Notices", "1 notice subscription deleted, 0 queued notices cancelled"})
		return nil
	}
	h := bottest.New(t, opts)
	h.Run(streetSetup + "Alice: !warn @Bob spam\n")

	h.Run("dm Carol: !forgetme\n@advance 11m\n")
	h.Expect("dm Carol: !forgetme yes\n", "Your request to erase your data lapsed: I wait 10 minutes for !forgetme yes, and nothing was erased. To start again, send !forgetme.")
	if n := countRows(t, h.Store.Raw(), `SELECT COUNT(*) FROM people WHERE name = 'Carol'`); n != 1 {
		t.Errorf("a lapsed request erased Carol (%d people named Carol)", n)
	}
	if n := countRows(t, h.Store.Raw(), `SELECT COUNT(*) FROM mod_forget_requests`); n != 0 {
		t.Errorf("the lapsed request was kept: %d rows", n)
	}
	h.Expect("dm Carol: !forgetme yes\n", "There's nothing to confirm")

	h.Run("dm Bob: !forgetme\n")
	out := h.Expect("dm Bob: !forgetme yes\n",
		"Done. What I erased:\n    • Moderation: 1 warning deleted\n    • Notices: 1 notice subscription deleted\n    • Profile: your name and WhatsApp addresses removed; 1 audit entry anonymised\n    Nothing held by Lending.\n")
	if strings.Contains(out, " 0 ") {
		t.Errorf("summary lists a zero:\n%s", out)
	}
	h.Expect("dm Dave: !help forgetme\n", "!forgetme [yes|no]")
}
