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

// TestConsoleServesStreetFaults: `console -web` with [potholes] staff: a
// fault filed with a pin and a photo in the simulated group is on /faults,
// its pin in the map's data and its photo served; staff set its state from
// the page and the group is told once.
func TestConsoleServesStreetFaults(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	cfgText := "[bot]\ndata_dir = \"" + filepath.ToSlash(filepath.Join(dir, "data")) + "\"\nowners = [\"Olive\"]\n\n[potholes]\nstaff = [\"Hana\"]\n"
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	script := "@admin Alice\nAlice: !bot on\nBob [photo] [location 52.7069,-2.7540]: !pothole outside no. 12 Elm Road, deep\ndm Hana: !web\n"
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
		t.Fatalf("no link:\n%s\n%s", out.String(), errOut.String())
	}
	jar, _ := cookiejar.New(nil)
	hana := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		resp, err := hana.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if resp, err := hana.Post(link, "application/x-www-form-urlencoded", nil); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	code, body := get("/faults")
	photo := regexp.MustCompile(`/faults/1/photos/[0-9a-f]{64}\.jpg`).FindString(body)
	if code != http.StatusOK || !strings.Contains(body, "P1 pothole") || !strings.Contains(body, "outside no. 12 Elm Road, deep") || photo == "" {
		t.Fatalf("/faults: %d\n%s", code, body)
	}
	if code, js := get("/faults/map.json"); code != http.StatusOK || !strings.Contains(js, `"lat":52.7069,"long":-2.754,"label":"P1 pothole (open)"`) {
		t.Errorf("map.json: %d %s", code, js)
	}
	if code, img := get(photo); code != http.StatusOK || len(img) == 0 {
		t.Errorf("photo: %d, %d bytes", code, len(img))
	}
	resp, err := hana.PostForm("http://"+addr+"/faults/1/state", url.Values{"state": {"in progress"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "P1 is now marked in progress.") {
		t.Errorf("set state: %d\n%s", resp.StatusCode, page)
	}
	if n := strings.Count(out.String(), "[street] bot: Council update on P1: in progress."); n != 1 {
		t.Errorf("the group was told %d times:\n%s", n, out.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the console did not stop")
	}
}
