package bounds

import (
	"errors"
	"strings"
	"testing"
)

func TestLimits(t *testing.T) {
	l := Limits{MaxDepth: 4, MaxElements: 10, MaxFieldBytes: 8}
	for _, tc := range []struct {
		name, doc string
		json      bool
		ok        bool
	}{
		{"xml within", "<a><b>12345678</b><c/></a>", false, true},
		{"xml too deep", "<a><b><c><d><e/></d></c></b></a>", false, false},
		{"xml too many", "<a>" + strings.Repeat("<b/>", 10) + "</a>", false, false},
		{"xml field too long", "<a>123456789</a>", false, false},
		{"xml text split by comments still one field", "<a>12345<!-- -->6789</a>", false, false},
		{"xml not well-formed is the parser's", "<a><b>", false, true},
		{"json within", `{"a":[1,2],"b":"12345678"}`, true, true},
		{"json too deep", `[[[[[1]]]]]`, true, false},
		{"json too many", `[1,2,3,4,5,6,7,8,9,10]`, true, false},
		{"json string too long", `["123456789"]`, true, false},
		{"json invalid is the parser's", `[1,`, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.json {
				err = l.JSON([]byte(tc.doc))
			} else {
				err = l.XML([]byte(tc.doc), nil)
			}
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrTooComplex) {
				t.Errorf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
