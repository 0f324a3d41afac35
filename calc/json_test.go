package calc

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// The hand-written string encoder must agree with encoding/json (HTML
// escaping off) on every string, valid UTF-8 or not.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.RuneFrom([]rune{0, 1, 0x1f, 0x7f, 0x2028, 0x2029, 0x2026, 0x2192, 0xfffd, 0x4e2d, 0x6587, 0x22, 0x5c, 0x3c, 0x26})),
			rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) })).Draw(t, "s")
		var w jsonWriter
		w.str(s)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := string(w.b); got != string(bytes.TrimRight(want.Bytes(), "\n")) {
			t.Fatalf("%q: got %s, encoding/json %s", s, got, want.String())
		}
		if utf8.ValidString(s) {
			var back string
			if err := json.Unmarshal(w.b, &back); err != nil || back != s {
				t.Fatalf("%q does not read back: %q %v", s, back, err)
			}
		}
	})
}
