package notices

import (
	"errors"
	"testing"
	"time"

	"neighbourbot/bot"
)

// FuzzDecodeNotice: whatever a council's system posts to the webhook is
// taken as a notice within the limits or refused naming a field — never a
// panic, never another kind of error.
func FuzzDecodeNotice(f *testing.F) {
	for _, s := range []string{
		`{"id":"road-1","title":"Road closed","body":"Castle Street","topics":["roads"],"areas":["SY3"]}`,
		`{"id":"e1","title":"Evacuate","urgency":"emergency","topics":["nonsense"],"areas":["SY3 7"],"expires":"2026-01-06T09:00:00Z"}`,
		`{"id":"p1","title":"Poll","poll":{"question":"Which day?","options":["Mon","Tue"],"closes":"2026-01-08T09:00:00Z"}}`,
		`{"id":"u1","title":"Update","msg_type":"update","references":"road-1","link":"https://example.org/a"}`,
		`{"id":"x","title":"t","title":"dup"}`,
		`[]`, `{}`, `{"id":1}`, "{\"id\":\"a\",\"title\":\"\xff\"}",
	} {
		f.Add([]byte(s))
	}
	cfg := testConfig()
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		n, err := decodeNotice(raw, cfg, now)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		if n.Title == "" || bot.RuneLen(n.Title) > maxTitle || bot.RuneLen(n.Body) > maxBody || n.Identifier == "" {
			t.Fatalf("accepted a notice out of bounds: %+v", n)
		}
	})
}
