package notices

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// WriteAudit prints audit records as aligned text or, with asCSV, as CSV
// with a header row.
func WriteAudit(w io.Writer, recs []AuditRecord, asCSV bool) error {
	if asCSV {
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"time", "notice", "event", "actor", "target", "detail"}); err != nil {
			return err
		}
		for _, r := range recs {
			if err := cw.Write([]string{r.At.UTC().Format(time.RFC3339), strconv.FormatInt(r.NoticeID, 10), r.Event, r.Actor, targetLabel(r.Target), r.Detail}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	if len(recs) == 0 {
		_, err := fmt.Fprintln(w, "No audit records in that period.")
		return err
	}
	for _, r := range recs {
		line := fmt.Sprintf("%s  #%-4d %-12s %s", r.At.UTC().Format("2006-01-02 15:04:05Z"), r.NoticeID, r.Event, r.Actor)
		if r.Target != "" {
			line += " → " + targetLabel(r.Target)
		}
		if r.Detail != "" {
			line += " — " + r.Detail
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
