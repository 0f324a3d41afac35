package pages

import "testing"

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
