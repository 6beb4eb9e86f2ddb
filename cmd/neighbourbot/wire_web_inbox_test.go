package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConsoleServesTheInbox: `console -web` with the inbox on: a member of
// the console's staff group signs in, sees a resident's ticket on /inbox
// and replies from the page; the resident's DM has the reply once and the
// staff group is told.
func TestConsoleServesTheInbox(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	cfgText := "[bot]\ndata_dir = \"" + filepath.ToSlash(filepath.Join(dir, "data")) + "\"\n\n[inbox]\nenabled = true\nstaff_chat = \"staff\"\nbank_holidays = \"\"\nhours = \"\"\n"
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	script := "@group staff Council staff\n@admin Sam\nSam: !bot on\ndm Erin: The streetlight on Elm Road is out\ndm Sam: !web\n"
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- runConsole(ctx, []string{"-config", cfgPath, "-web", addr}, strings.NewReader(script), &out, &errOut)
	}()
	linkRE := regexp.MustCompile(`http://` + regexp.QuoteMeta(addr) + `/login/[A-Za-z0-9_-]+`)
	var link string
	for range 200 {
		if link = linkRE.FindString(out.String()); link != "" && strings.Contains(errOut.String(), "stays up") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if link == "" {
		t.Fatalf("no link for Sam:\n%s\n%s", out.String(), errOut.String())
	}
	jar, _ := cookiejar.New(nil)
	sam := &http.Client{Jar: jar}
	resp, err := sam.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = sam.Get("http://" + addr + "/inbox/1")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || key == nil || !strings.Contains(string(page), "The streetlight on Elm Road is out") {
		t.Fatalf("/inbox/1: %d\n%s", resp.StatusCode, page)
	}
	resp, err = sam.PostForm("http://"+addr+"/inbox/1", url.Values{"action": {"reply"}, "key": {string(key[1])}, "reply": {"An engineer is booked."}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := strings.Count(out.String(), "[dm Erin] bot: Council team (Sam): An engineer is booked."); n != 1 {
		t.Errorf("the resident got the reply %d times:\n%s", n, out.String())
	}
	if !strings.Contains(out.String(), "[staff] bot: C1 · Sam answered on the staff page: An engineer is booked.") {
		t.Errorf("the staff group was not told:\n%s", out.String())
	}
	cancel()
	<-done
}
