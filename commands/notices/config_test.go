package notices

import (
	"strings"
	"testing"
)

// TestValidateReportsTheSameAliasFirst: topic_aliases is a TOML table (a
// Go map); with several bad aliases the one reported must not depend on
// map order.
func TestValidateReportsTheSameAliasFirst(t *testing.T) {
	cfg := DefaultConfig()
	cfg.TopicAliases = map[string]string{"zz-bad": "nope", "mm-bad": "nope", "aa-bad": "nope", "roads": cfg.Topics[0]}
	for range 20 {
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), `"aa-bad"`) {
			t.Fatalf("got %v, want the error about aa-bad", err)
		}
	}
}
