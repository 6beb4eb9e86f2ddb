package bot

import "testing"

func TestTypedPhone(t *testing.T) {
	phones := []string{
		"@+447700900123",
		"@07700900123",
		"ladder @07700 900123 for 3d",
		"@+44 7700 900123",
		"@+44 (0)7700-900123",
		"call me on 07700 900123",
		"ring +44 7700 900 123 after 6",
		"01743-123456 is the shop",
		"@ 07700900123",
	}
	others := []string{
		"ladder @Bob for 3d",
		"P12 on 14/02/2026",
		"£1,250.00 deposit",
		"SY3 7AB",
		"meet at 10:30 by no. 12",
		"@a neighbour",
		"report 20261207 closed",
		"until 14.02.2026",
		"call 105 for power cuts",
		"@Jo2 and @Sam",
	}
	for _, s := range phones {
		if !HasTypedPhone(s) {
			t.Errorf("%q: no phone number found", s)
		}
	}
	for _, s := range others {
		if HasTypedPhone(s) {
			t.Errorf("%q: taken for a phone number", s)
		}
	}
}
