package reconcile

import (
	"bytes"
	"encoding/json"
	"testing"

	"pgregory.net/rapid"
)

// TestAppendJSONString: the fast path quotes exactly as json.Marshal,
// on any string (escapes, HTML characters, U+2028, invalid UTF-8).
func TestAppendJSONString(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: %s, want %s", s, got, want)
		}
	}
	for _, s := range []string{"", "a21026", "MN0001DA001", "二氧化硫 DA001", "<&>", "a\"b", "\\", "\n\t", "\u2028", "x\u2029", "\xff", "é\xc3", "\x7f"} {
		check(t, s)
	}
	rapid.Check(t, func(t *rapid.T) {
		b := rapid.SliceOf(rapid.SampledFrom([]byte("aZ9 -_\"\\<>&\n\x00\x7f\xe2\x80\xa8\xa9\xe4\xba\x8c\xff"))).Draw(t, "bytes")
		check(t, string(b))
		check(t, rapid.String().Draw(t, "s"))
	})
}
