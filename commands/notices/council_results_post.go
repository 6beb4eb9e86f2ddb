package notices

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"neighbourbot/bot"
)

// The results callback: when a poll closes and results_url is set, its
// results are POSTed as JSON with an HMAC-SHA256 of the body under
// results_secret, so the council's side can check they came from this
// bot unaltered. A failed or hanging POST is retried by a persisted job
// with growing waits; X-Neighbourbot-Delivery stays the same on every
// retry, so a receiver that got a POST whose answer was lost can drop the
// repeat.

const (
	jobResultsPost = "notices.results_post"
	// SignatureHeader carries "sha256=HEX" of the body.
	SignatureHeader = "X-Neighbourbot-Signature"
	// DeliveryHeader names the poll's notice: the same on every retry.
	DeliveryHeader = "X-Neighbourbot-Delivery"
	// maxResultsAttempts is about two days of retries at the longest wait.
	maxResultsAttempts = 60
)

// Sign returns the signature header value of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a signature header against body, in constant
// time: what a council's receiving endpoint does before trusting a POST.
func VerifySignature(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(strings.TrimSpace(header)))
}

func (r *Feature) scheduleResultsPost(ctx context.Context, id int64, at time.Time) error {
	return r.jobs.Schedule(ctx, jobResultsPost, jobResultsPost+":"+strconv.FormatInt(id, 10), at, planPayload{Notice: id})
}

// resultsBackoff grows from a minute, doubling, to an hour.
func resultsBackoff(attempts int) time.Duration {
	d := time.Minute
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// resultsPostJob sends a closed poll's results to results_url once; on
// failure it books itself again.
func (r *Feature) resultsPostJob(ctx context.Context, job bot.Job, pl planPayload) (bot.ApplyFunc, error) {
	state, attempts, err := r.resultsPostState(ctx, pl.Notice)
	if err != nil {
		return nil, err
	}
	if state != "pending" {
		return nil, nil
	}
	if r.cfg.ResultsURL == "" {
		r.log.Warn("poll results not posted: results_url is no longer set", "notice", pl.Notice)
		return nil, nil
	}
	res, err := r.Results(ctx, pl.Notice)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(res)
	if err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	// Posted with no unit of work held; the outcome is recorded in the
	// job's, unless another attempt recorded one meanwhile.
	now := r.clock.Now()
	postErr := r.postResults(ctx, pl.Notice, body)
	return func(ctx context.Context) error {
		state2, attempts2, err := r.resultsPostState(ctx, pl.Notice)
		if err != nil || state2 != state || attempts2 != attempts {
			return err
		}
		return r.recordResultsPost(ctx, pl, attempts+1, now, postErr)
	}, nil
}

// resultsPostState is where a notice's results post stands.
func (r *Feature) resultsPostState(ctx context.Context, notice int64) (state string, attempts int, err error) {
	return r.st.resultsPost(ctx, notice)
}

// recordResultsPost records one attempt's outcome and books a retry.
func (r *Feature) recordResultsPost(ctx context.Context, pl planPayload, attempts int, now time.Time, postErr error) error {
	if postErr == nil {
		return r.st.resultsPosted(ctx, pl.Notice, attempts, AuditRecord{NoticeID: pl.Notice, At: now, Event: "results_posted", Actor: "bot",
			Detail: fmt.Sprintf("to results_url, attempt %d", attempts)})
	}
	errText := errorText(postErr)
	final := attempts >= maxResultsAttempts
	next := now.Add(resultsBackoff(attempts))
	r.log.Warn("poll results POST failed", "notice", pl.Notice, "attempt", attempts, bot.KeyErr, errText, "final", final)
	to := "pending"
	detail := fmt.Sprintf("attempt %d: %s; retrying at %s", attempts, errText, next.Format(time.RFC3339))
	if final {
		to, detail = "failed", fmt.Sprintf("gave up after %d attempts: %s", attempts, errText)
	}
	err := r.st.resultsPostFailed(ctx, pl.Notice, to, attempts, errText, AuditRecord{NoticeID: pl.Notice, At: now, Event: "results_failed", Actor: "bot", Detail: detail})
	if err != nil || final {
		return err
	}
	return r.scheduleResultsPost(ctx, pl.Notice, next)
}

// postResults makes one POST, bounded by results_timeout; anything but a
// 2xx answer is a failure.
func (r *Feature) postResults(ctx context.Context, id int64, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.ResultsTimeout.D())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.cfg.ResultsURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("results request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "neighbourbot")
	req.Header.Set(SignatureHeader, Sign(r.cfg.ResultsSecret, body))
	req.Header.Set(DeliveryHeader, "poll-"+strconv.FormatInt(id, 10))
	resp, err := r.deps.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("POST results: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("POST results: %s", resp.Status)
	}
	return nil
}

// WriteResults prints a poll's results as text, CSV (one row per group or
// area and option) or the JSON the callback sends.
func WriteResults(w io.Writer, res PollResults, format string, loc *time.Location) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write([]string{"notice", "level", "name", "area", "option", "votes"}); err != nil {
			return err
		}
		write := func(level string, list []ScopeCount) error {
			for _, sc := range list {
				for i, o := range res.Options {
					if err := cw.Write([]string{strconv.FormatInt(res.Notice, 10), level, sc.Name, sc.Area, o, strconv.Itoa(sc.Counts[i])}); err != nil {
						return err
					}
				}
			}
			return nil
		}
		total := []ScopeCount{{Name: "all", Counts: res.Counts}}
		for _, part := range []struct {
			level string
			list  []ScopeCount
		}{{"total", total}, {"group", res.Groups}, {"area", res.Areas}} {
			if err := write(part.level, part.list); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	state := "closed " + res.Closes.In(loc).Format("Mon 2 Jan 2006 15:04")
	if res.State == "open" {
		state = "open until " + res.Closes.In(loc).Format("Mon 2 Jan 2006 15:04") + " (counts so far)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s — %s\n", res.Notice, res.Question, state)
	fmt.Fprintf(&b, "Total: %s (%s; reached %d groups, %d subscribers)\n", tally(res.Options, res.Counts), votersWord(res.Multiple, res.Voters), res.GroupsReached, res.SubscribersReached)
	for _, ns := range res.NotSent {
		fmt.Fprintf(&b, "Not sent to %s: %s\n", countsText(ns.Groups, ns.Subscribers), ns.Reason)
	}
	for _, g := range res.Groups {
		fmt.Fprintf(&b, "  group %s: %s (%s)\n", g.Name, tally(res.Options, g.Counts), votersWord(res.Multiple, g.Voters))
	}
	for _, a := range res.Areas {
		fmt.Fprintf(&b, "  area %s: %s (%s)\n", a.Name, tally(res.Options, a.Counts), votersWord(res.Multiple, a.Voters))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
