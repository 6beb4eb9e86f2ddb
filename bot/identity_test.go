package bot

import (
	"strings"
	"testing"
)

func TestCheckPhoneEntry(t *testing.T) {
	tests := []struct{ in, err string }{
		{"447700900123", ""},
		{"+447700900123", ""},
		{"+44 7700 900123", ""},
		{"447700900123@s.whatsapp.net", ""},
		{"123456789012345@lid", ""},
		{"Alice", ""},
		{"07700900123", `starts with 0, so it would never match: write it in international form without the 0, e.g. "447700900123"`},
		{"07700 900 123", `e.g. "447700900123"`},
		{"00447700900123", `without the leading 00, e.g. "447700900123"`},
		{"+44 (0)7700-900123", `write the digits only, e.g. "447700900123"`},
		{"12345", "8 to 15 digits"},
		{"", "is empty"},
	}
	for _, tt := range tests {
		err := CheckPhoneEntry(tt.in)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("CheckPhoneEntry(%q) = %v, want nil", tt.in, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("CheckPhoneEntry(%q) = %v, want %q", tt.in, err, tt.err)
		}
	}
}
