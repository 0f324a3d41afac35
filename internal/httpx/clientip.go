package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// DefaultTrustedProxies are the proxies trusted when none are configured:
// loopback, private and link-local addresses.
var DefaultTrustedProxies = []netip.Prefix{
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("fc00::/7"), netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("fe80::/10"),
}

// ClientIP is the client address behind trusted proxies: the rightmost
// hop of X-Forwarded-For (after the direct peer) that is not a trusted
// proxy. The hops to its left were written by the client and are never
// used; when the peer is not a trusted proxy, when an entry cannot be
// read, or when every hop is trusted, the answer is the direct peer, so
// a client cannot choose its own address (and its own rate-limit bucket).
func ClientIP(trusted []netip.Prefix) echo.IPExtractor {
	trust := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		direct := r.RemoteAddr
		if h, _, err := net.SplitHostPort(direct); err == nil {
			direct = h
		}
		peer, err := netip.ParseAddr(direct)
		if err != nil || !trust(peer) {
			return direct
		}
		hops := strings.Split(strings.Join(r.Header.Values(echo.HeaderXForwardedFor), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			h := strings.TrimSpace(hops[i])
			if h == "" && len(hops) == 1 {
				break
			}
			a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
			if err != nil {
				return direct
			}
			if !trust(a) {
				return a.Unmap().String()
			}
		}
		return direct
	}
}
