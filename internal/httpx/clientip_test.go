package httpx

import (
	"net/http"
	"net/netip"
	"testing"
)

// TestClientIP (issue 11, item 9): the rightmost untrusted hop; what the
// client writes to its left, and addresses of the trusted ranges it
// writes, never choose its address.
func TestClientIP(t *testing.T) {
	ip := ClientIP([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")})
	for _, c := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"203.0.113.9:5000", []string{"1.2.3.4"}, "203.0.113.9"},                // not behind a trusted proxy
		{"127.0.0.1:5000", nil, "127.0.0.1"},                                    // no header
		{"127.0.0.1:5000", []string{"1.2.3.4, 5.6.7.8"}, "5.6.7.8"},             // the proxy appended 5.6.7.8
		{"127.0.0.1:5000", []string{"1.2.3.4", "5.6.7.8, 10.0.0.2"}, "5.6.7.8"}, // two proxies
		{"127.0.0.1:5000", []string{"10.9.9.9"}, "127.0.0.1"},                   // every hop trusted: the peer
		{"127.0.0.1:5000", []string{"junk, 10.0.0.3"}, "127.0.0.1"},             // unreadable: the peer
		{"127.0.0.1:5000", []string{"5.6.7.8, junk"}, "127.0.0.1"},
		{"[::1]:5000", []string{"[2001:db8::1]"}, "2001:db8::1"},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ip(r); got != c.want {
			t.Errorf("%s %v: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}
