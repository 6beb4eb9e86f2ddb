package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"neighbourbot/bot"
)

// TestFailSaysWhatToDo: an internal error shows no detail; a busy or full
// database says nothing was changed and to try again (503); a refusal the
// governance words for people is shown as it is.
func TestFailSaysWhatToDo(t *testing.T) {
	s := &Server{deps: Deps{Log: discardLog()}}
	for _, tc := range []struct {
		err    error
		code   int
		want   string
		hidden string
	}{
		{fmt.Errorf("approve: %w", errors.New("database is locked")), http.StatusServiceUnavailable, "busy or cannot save just now, so nothing was changed", "locked"},
		{fmt.Errorf("commit: %w", errors.New("database or disk is full")), http.StatusServiceUnavailable, "nothing was changed", "disk"},
		{errors.New("no such table: notices"), http.StatusInternalServerError, "nothing was changed", "no such table"},
		{bot.Userf("Notice #3 was decided meanwhile."), http.StatusConflict, "Notice #3 was decided meanwhile.", ""},
	} {
		rec := httptest.NewRecorder()
		s.fail(rec, httptest.NewRequest("GET", "/notices", nil), tc.err)
		body := rec.Body.String()
		if rec.Code != tc.code || !strings.Contains(body, tc.want) || (tc.hidden != "" && strings.Contains(body, tc.hidden)) {
			t.Errorf("%v: %d\n%s", tc.err, rec.Code, body)
		}
	}
}

// TestSenderField: the forms' shared sender field is a hidden input when
// there is one sender, a select with the chosen one selected when there
// are several ("" is the council), and shows its mistake either way.
func TestSenderField(t *testing.T) {
	for _, tc := range []struct {
		name    string
		value   string
		senders []string
		errs    []fieldError
		want    []string
		notWant []string
	}{
		{"one", "", []string{""}, nil, []string{`<input type="hidden" name="sender" value="">`}, []string{"<select"}},
		{"several", "Highways", []string{"", "Highways", "Bins"}, nil,
			[]string{`<select class="govuk-select" id="sender" name="sender">`, `<option value="">The council</option>`, `<option value="Highways" selected>Highways</option>`, `<option value="Bins">Bins</option>`},
			[]string{"hidden", "govuk-error-message"}},
		{"mistake", "Parks", []string{"", "Highways"}, []fieldError{{"sender", "You cannot write for Parks"}},
			[]string{`govuk-form-group--error`, `id="sender-error"`, "You cannot write for Parks", `govuk-select--error`}, []string{"selected"}},
		{"mistake with one sender", "Parks", []string{""}, []fieldError{{"sender", "You cannot write for Parks"}},
			[]string{`<p class="govuk-error-message" id="sender">You cannot write for Parks</p>`, `type="hidden"`}, nil},
	} {
		var b strings.Builder
		f := funcs["field"].(func(string, string, string, []fieldError) map[string]string)("sender", "Send as", tc.value, tc.errs)
		arg := funcs["senders"].(func(map[string]string, []string) map[string]any)(f, tc.senders)
		if err := pages["compose"].ExecuteTemplate(&b, "senderfield", arg); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: lacks %q:\n%s", tc.name, w, b.String())
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(b.String(), w) {
				t.Errorf("%s: has %q:\n%s", tc.name, w, b.String())
			}
		}
	}
}
