package pages

import (
	"net/url"
	"strings"
	"testing"
)

// TestSafeNext (issue 11, item 6): only same-origin paths survive.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/app/taxpayers":                  "/app/taxpayers",
		"/app/taxpayers/91?month=2024-01": "/app/taxpayers/91?month=2024-01",
		"/app/%E7%A8%8E":                  "/app/%E7%A8%8E",
		"/%09/evil.example":               "/",
		"/\t/evil.example":                "/",
		"//evil.example":                  "/",
		"/\\evil.example":                 "/",
		"/%5Cevil.example":                "/",
		"/%2F/evil.example":               "/",
		"/%2f%2fevil.example":             "/",
		"https://evil.example/":           "/",
		"evil.example":                    "/",
		"/\r\nLocation: x":                "/",
		"/%0d%0aSet-Cookie:x":             "/",
		"/a?x=%0d%0a":                     "/",
		"/a\xff":                          "/",
		"/%ff":                            "/",
		"":                                "/",
		"/ok#frag":                        "/ok",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzSafeNext: whatever comes in, what comes out is "/" or a path that a
// browser resolves on this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/app", "/%09/evil.example", "//evil", "/\\evil", "/%2F%2Fevil", "/a?b=c#d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := safeNext(s)
		if out == "/" {
			return
		}
		u, err := url.Parse(out)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") ||
			strings.ContainsAny(out, "\\\t\r\n") || strings.HasPrefix(u.Path, "//") {
			t.Fatalf("safeNext(%q) = %q", s, out)
		}
		// A browser drops tabs and newlines before resolving.
		if r, err := url.Parse("https://ecotax.example" + out); err != nil || r.Host != "ecotax.example" {
			t.Fatalf("safeNext(%q) = %q resolves to %v", s, out, r)
		}
	})
}
