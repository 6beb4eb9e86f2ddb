package moderation

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Link detection has to tell "example.com" and "bit.ly/x" from the dotted
// words people type: "hello.sir", "e.g.", "Mr.Smith", "£3.50", "10.30".
// A candidate counts as a link when it has a scheme ("https://…"), starts
// with "www.", uses punycode ("xn--"), or ends in a top-level domain people
// actually visit: the generic ones below, an internationalised one, or a
// country code — where a bare two-label name ("it.is", "go.to") only counts
// for the country codes used for web addresses and short links.

// genericTLDs are the generic top-level domains treated as links on their
// own. New gTLDs that are everyday words ("now", "how", "zip", "mov") are
// left out on purpose: "finished.now" is a typo, not a link.
var genericTLDs = setOf(`com org net edu gov mil int info biz name pro aero coop museum mobi asia tel travel jobs
	xyz top online site club shop store app dev link click live icu vip win bid loan work tech space website fun buzz
	cam rest uno today news blog page cloud email digital network world life email solutions services agency
	academy media group company center guru ninja rocks social tips tools wiki photo photos pics porn sex xxx adult
	casino bet poker bingo loans money cash finance credit trade market markets exchange crypto io`)

// webCountryTLDs are country codes commonly used for web addresses and link
// shorteners, links even as a bare "name.cc".
var webCountryTLDs = setOf(`uk de fr eu ie io co ly me tv be gl gg ai nl es ca au nz ru cn ch se pl gd cc ws fm im su
	vc pw tk ml ga cf`)

// countryTLDs are all two-letter country codes; a name under one of these
// counts as a link with three or more labels ("x.co.uk") or a path.
var countryTLDs = setOf(`ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs
	bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk
	fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm
	jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms
	mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru
	rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua
	ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw`)

// idnTLDs are internationalised top-level domains written in their own script.
var idnTLDs = setOf(`рф рус укр бел бг срб мкд мон қаз ею ελ 中国 中國 公司 网络 在线 香港 台湾 台灣 新加坡 한국 ไทย भारत
	السعودية مصر امارات ایران`)

func setOf(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// tokenBreak ends a candidate: white space and the brackets and quotes
// people wrap links in.
func tokenBreak(r rune) bool {
	switch r {
	case '(', ')', '<', '>', '[', ']', '{', '}', '"', '\'', '“', '”', '‘', '’', '«', '»', ',', ';', '|', '`':
		return true
	}
	return unicode.IsSpace(r)
}

// findLinks calls fn with the host of every link in text, stopping when fn
// returns false. It allocates nothing for text without links.
func findLinks(text string, fn func(host string) bool) {
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if tokenBreak(r) {
			i += size
			continue
		}
		j := i
		for j < len(text) {
			r2, s2 := utf8.DecodeRuneInString(text[j:])
			if tokenBreak(r2) {
				break
			}
			j += s2
		}
		if host, ok := linkHost(text[i:j]); ok && !fn(host) {
			return
		}
		i = j
	}
}

// hasDisallowedLink reports whether text contains a link whose host allowed
// rejects, and returns that host.
func hasDisallowedLink(text string, allowed func(host string) bool) (string, bool) {
	var bad string
	findLinks(text, func(host string) bool {
		if allowed(host) {
			return true
		}
		bad = host
		return false
	})
	return bad, bad != ""
}

// linkHost decides whether one token is a link and returns its host.
func linkHost(tok string) (string, bool) {
	if !strings.ContainsRune(tok, '.') && !strings.Contains(tok, "://") {
		return "", false
	}
	if strings.ContainsRune(tok, '@') && !strings.Contains(tok, "://") {
		return "", false // an e-mail address or a mention, not a link
	}
	tok = strings.TrimLeft(tok, ".:!?*_~-")
	if k := strings.Index(tok, "://"); k >= 0 {
		scheme := tok[:k]
		if scheme == "" || strings.IndexFunc(scheme, func(r rune) bool { return !isASCIILetter(r) }) >= 0 {
			return "", false
		}
		host := hostPart(tok[k+3:])
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		host = strings.TrimRight(host, ".")
		return strings.ToLower(host), host != ""
	}
	host := hostPart(tok)
	hasPath := len(host) < len(tok) && tok[len(host)] == '/' && len(tok) > len(host)+1
	host = strings.TrimRight(host, ".!?*_~-")
	if !strings.Contains(host, ".") {
		return "", false // a word ending a sentence: the common case, no allocation
	}
	// Walk the labels without splitting: most dotted tokens are words
	// and numbers, and checking them should cost no allocation.
	labels, tld := 0, ""
	for rest := host; ; {
		label, more, found := strings.Cut(rest, ".")
		if !validLabel(label) {
			return "", false
		}
		labels++
		if !found {
			tld = label
			break
		}
		rest = more
	}
	if labels < 2 {
		return "", false
	}
	if len(host) >= 4 && strings.EqualFold(host[:4], "www.") || strings.Contains(host, "xn--") || strings.Contains(host, "XN--") {
		return strings.ToLower(host), true
	}
	var buf [32]byte
	if len(tld) > len(buf) {
		return "", false
	}
	lowerTLD := buf[:0]
	for _, r := range tld {
		lowerTLD = utf8.AppendRune(lowerTLD, unicode.ToLower(r))
	}
	switch t := lowerTLD; {
	case genericTLDs[string(t)], idnTLDs[string(t)], webCountryTLDs[string(t)],
		countryTLDs[string(t)] && (labels >= 3 || hasPath):
		return strings.ToLower(host), true
	}
	return "", false
}

// hostPart cuts a token at the end of its host name.
func hostPart(s string) string {
	if i := strings.IndexAny(s, "/?#:"); i >= 0 {
		return s[:i]
	}
	return s
}

// validLabel accepts a DNS label: letters (any script), digits and inner
// hyphens, not all digits.
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	digits := true
	for _, r := range l {
		switch {
		case r >= '0' && r <= '9':
		case r == '-' || unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			digits = false
		default:
			return false
		}
	}
	return !digits
}

func isASCIILetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// normaliseDomain turns what an admin types for "!links allow" — a domain,
// "www.example.com" or a whole URL — into a lower-case domain.
func normaliseDomain(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, " \t\n") {
		return "", false
	}
	if k := strings.Index(s, "://"); k >= 0 {
		s = s[k+3:]
	}
	s = strings.ToLower(strings.TrimRight(hostPart(s), "."))
	s = strings.TrimPrefix(s, "www.")
	labels := strings.Split(s, ".")
	if len(labels) < 2 || len(s) > 253 {
		return "", false
	}
	for _, l := range labels {
		if !validLabel(l) {
			return "", false
		}
	}
	return s, true
}

// domainAllowed reports whether host is one of domains or under one.
func domainAllowed(host string, domains []string) bool {
	for _, d := range domains {
		if host == d || len(host) > len(d) && strings.HasSuffix(host, d) && host[len(host)-len(d)-1] == '.' {
			return true
		}
	}
	return false
}
