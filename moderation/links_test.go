package moderation

import "testing"

func TestLinkDetection(t *testing.T) {
	tests := []struct {
		text string
		host string // "" = no link
	}{
		// Dotted words people type: not links.
		{"hello.sir how are you", ""},
		{"bring snacks e.g. crisps", ""},
		{"i.e. tomorrow", ""},
		{"I.E. tomorrow", ""},
		{"Mr.Smith at number 4", ""},
		{"St.Mary's church", ""},
		{"it costs £3.50 each", ""},
		{"pi is 3.14159", ""},
		{"meet at 10.30 by the gate", ""},
		{"meet at 10.30am", ""},
		{"from 9.00-17.30", ""},
		{"version 1.2.3", ""},
		{"U.K. only", ""},
		{"wait...what", ""},
		{"ok.thanks", ""},
		{"Thanks.So see you", ""},
		{"it.is done", ""},
		{"photo.jpg attached", ""},
		{"readme.md", ""},
		{"finished.now", ""},
		{"email me at bob@example.com", ""},
		{"no.7 bus", ""},
		{"192.168.1.1", ""},
		{"End of sentence.", ""},
		{"https://", ""},
		{"", ""},
		// Links.
		{"see example.com for details", "example.com"},
		{"EXAMPLE.COM", "example.com"},
		{"www.x.co.uk", "www.x.co.uk"},
		{"http://foo.test/page", "foo.test"},
		{"HTTPS://Example.org/a?b=c", "example.org"},
		{"http://localhost:8080/", "localhost"},
		{"bit.ly/x", "bit.ly"},
		{"t.me/joinchat/abc", "t.me"},
		{"wa.me/447700900123", "wa.me"},
		{"join chat.whatsapp.com/AbCdEf", "chat.whatsapp.com"},
		{"shropshire.gov.uk", "shropshire.gov.uk"},
		{"example.co.uk.", "example.co.uk"},
		{"(example.net)", "example.net"},
		{"<https://x.io>", "x.io"},
		{"*example.com*", "example.com"},
		{"win at casino.xyz now", "casino.xyz"},
		{"xn--80ak6aa92e.com", "xn--80ak6aa92e.com"},
		{"пример.рф", "пример.рф"},
		{"münchen.de", "münchen.de"},
		{"café.fr/menu", "café.fr"},
		{"something.it/path", "something.it"},
		{"news.bbc.co.uk", "news.bbc.co.uk"},
		{"ftp://files.example.org", "files.example.org"},
	}
	for _, tt := range tests {
		var got string
		findLinks(tt.text, func(h string) bool { got = h; return false })
		if got != tt.host {
			t.Errorf("findLinks(%q) = %q, want %q", tt.text, got, tt.host)
		}
	}
}

func TestDomainAllowed(t *testing.T) {
	allowed := []string{"shropshire.gov.uk", "example.org"}
	tests := []struct {
		host string
		want bool
	}{
		{"shropshire.gov.uk", true},
		{"www.shropshire.gov.uk", true},
		{"bins.shropshire.gov.uk", true},
		{"evilshropshire.gov.uk", false},
		{"shropshire.gov.uk.evil.com", false},
		{"example.org", true},
		{"example.com", false},
	}
	for _, tt := range tests {
		if got := domainAllowed(tt.host, allowed); got != tt.want {
			t.Errorf("domainAllowed(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestNormaliseDomain(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"example.gov.uk", "example.gov.uk", true},
		{"https://www.Example.gov.uk/bins?x=1", "example.gov.uk", true},
		{"EXAMPLE.COM.", "example.com", true},
		{"localhost", "", false},
		{"not a domain", "", false},
		{"", "", false},
		{"3.50", "", false},
		{"-bad-.com", "", false},
	}
	for _, tt := range tests {
		got, ok := normaliseDomain(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("normaliseDomain(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
