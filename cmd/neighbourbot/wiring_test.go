package main

import (
	"strings"
	"testing"
	"time"

	"neighbourbot/bot"
)

// Several bad sections: the same one is named first every time, in the
// order of config.example.toml.
func TestConfigValidatesSectionsInAFixedOrder(t *testing.T) {
	cfg := defaultConfig()
	cfg.Inbox.Enabled, cfg.Inbox.StaffChat = true, ""
	cfg.Lending.LoanPeriod = bot.Duration(time.Minute)
	for i := 0; i < 50; i++ {
		err := cfg.Validate()
		if err == nil || !strings.HasPrefix(err.Error(), "lending.loan_period") {
			t.Fatalf("run %d: err = %v, want lending's error first", i, err)
		}
	}
	cfg.Lending = defaultConfig().Lending
	if err := cfg.Validate(); err == nil || !strings.HasPrefix(err.Error(), "inbox.staff_chat") {
		t.Fatalf("err = %v, want inbox's error once lending is fine", err)
	}
}

// The feature list is explicit: every family once, the inbox last (it takes
// every direct message no one else did), and no two families claiming the
// same subcommand.
func TestFeaturesAreWiredInOneOrderedList(t *testing.T) {
	var names []string
	seen := map[string]string{}
	for _, f := range features() {
		names = append(names, f.name)
		if f.register == nil || f.migrations == nil {
			t.Errorf("%s has no register or migrations", f.name)
		}
		for cmd := range f.commands {
			if other, dup := seen[cmd]; dup {
				t.Errorf("subcommand %q claimed by %s and %s", cmd, other, f.name)
			}
			seen[cmd] = f.name
		}
	}
	if got, want := strings.Join(names, " "), "lending moderation notices potholes power inbox web"; got != want {
		t.Errorf("features = %s, want %s", got, want)
	}
	for _, cmd := range []string{"inbox", "notices", "potholes", "export"} {
		if _, ok := subcommands()[cmd]; !ok {
			t.Errorf("subcommand %q is not wired", cmd)
		}
	}
}
