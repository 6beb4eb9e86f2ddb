package potholes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"neighbourbot/bot/bottest"
)

// The council's questions asked in the group, answered, holding a report
// back until the required one is answered, and sent as attribute[code].
func TestAnswersGolden(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.services = answer{200, "services_elm_questions.json"} })
	h := councilHarness(t, fc)
	script, err := os.ReadFile(filepath.Join("testdata", "council", "answers.script"))
	if err != nil {
		t.Fatal(err)
	}
	out := h.Run(string(script))
	bottest.CompareGolden(t, filepath.Join("testdata", "council", "answers.golden"), out)
	sent := fc.sent()
	if len(sent) != 1 {
		t.Fatalf("%d requests sent, want 1 (P2)", len(sent))
	}
	if got := sent[0].Get("attribute[where]"); got != "pavement" {
		t.Errorf("attribute[where] = %q", got)
	}
	for k := range sent[0] {
		if strings.HasPrefix(k, "attribute[") && k != "attribute[where]" {
			t.Errorf("unanswered or skipped attribute sent: %s", k)
		}
	}
	if log := h.Log.String(); !strings.Contains(log, `category pothole: the council's question \"outline\"`) && !strings.Contains(log, `category pothole: the council's question "outline"`) {
		t.Errorf("no warning about the polygon question in the log:\n%s", log)
	}
}

// Answers go with the report when it is sent by confirmations.
func TestAnswersSentAsAttributes(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.services = answer{200, "services_elm_questions.json"} })
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\nBob: !answer P1 road\nBob: !answer P1 12.5\nBob: !metoo P1\n")
	h.Expect("Carol: !metoo P1\n", "P1 has gone to the council")
	sent := fc.sent()
	if len(sent) != 1 || sent[0].Get("attribute[where]") != "road" || sent[0].Get("attribute[depth]") != "12.5" {
		t.Fatalf("sent %v", sent)
	}
}

// With allow_unanswered, an admin can send a waiting report anyway.
func TestSendAnyway(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.services = answer{200, "services_elm_questions.json"} })
	cfg := councilConfig(fc)
	cfg.AllowUnanswered = true
	h := bottest.New(t, harnessOptions(t, cfg, ""))
	h.Expect(councilSetup+"Alice: !pothole outside no. 12 Elm Road, deep\nAlice: !pothole P1 send\n",
		"P1 is ready to go to the council, but they need an answer first. The council asks: is it in the road or the pavement? Reply !answer P1 road (or pavement).",
		"(An admin can send it without: !pothole P1 send anyway.)")
	h.Expect("Bob: !pothole P1 send anyway\n", "Sorry, only group admins can send a report to the council")
	h.Expect("Alice: !pothole P1 send anyway\n", "Sending P1 to the council without the 1 missing answer…", "P1 has gone to the council (their reference 293944)")
	if sent := fc.sent(); len(sent) != 1 || sent[0].Get("attribute[where]") != "" {
		t.Fatalf("sent %v", sent)
	}
	h.Expect("Alice: !pothole P1\n", "sending without the council's answers asked by Alice (1 required answer missing)")
}

// Discovery warns, naming the category, about a service code the council
// does not list, and about an empty list; it is read again daily.
func TestDiscoveryWarnings(t *testing.T) {
	for _, tt := range []struct {
		name, services, want string
	}{
		{"unknown code", "services_elm.json", `category streetlight: the council does not list service code \"LAMP\"`},
		{"empty list", "", "the council's service list is empty"},
		{"html", "maintenance.html", "could not read the council's service list"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCouncil(t)
			fc.set(func(fc *fakeCouncil) { fc.services = answer{200, tt.services} })
			cfg := councilConfig(fc)
			cfg.ServiceCodes = map[string]string{"pothole": "POT", "streetlight": "LAMP"}
			h := bottest.New(t, harnessOptions(t, cfg, ""))
			h.Run(councilSetup)
			log := strings.ReplaceAll(h.Log.String(), `\"`, `"`)
			if want := strings.ReplaceAll(tt.want, `\"`, `"`); !strings.Contains(log, want) {
				t.Errorf("log lacks %q:\n%s", want, log)
			}
			before := fc.listReads()
			h.Run("@advance 25h\n")
			if fc.listReads() <= before {
				t.Error("the service list was not read again a day later")
			}
			// Reports are kept and can still be filed.
			h.Expect("Alice: !pothole outside no. 12 Elm Road, deep\n", "Logged P1")
		})
	}
}

func TestAnswersInMyData(t *testing.T) {
	fc := newFakeCouncil(t)
	fc.set(func(fc *fakeCouncil) { fc.services = answer{200, "services_elm_questions.json"} })
	h := councilHarness(t, fc)
	h.Run(councilSetup + "Alice: !pothole outside no. 12 Elm Road, deep\nBob: !answer P1 road\n")
	ctx := context.Background()
	dp := provider(t, h)
	bob := personID(t, h, "Bob")
	lines, err := dp.DescribePerson(ctx, bob)
	if err != nil || !strings.Contains(strings.Join(lines, "\n"), "You answered 1 question from the council about reports") {
		t.Errorf("description %v, %v", lines, err)
	}
	if _, err := dp.ForgetPerson(ctx, bob); err != nil {
		t.Fatal(err)
	}
	if lines, err := dp.DescribePerson(ctx, bob); err != nil || len(lines) != 0 {
		t.Errorf("after forgetting: %v, %v", lines, err)
	}
	h.Expect("Alice: !pothole P1\n", "council's question where answered by a former neighbour: road")
}
