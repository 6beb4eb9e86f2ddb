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
