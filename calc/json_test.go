package calc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"

	"pgregory.net/rapid"
)

// The hand-written string encoder must agree with encoding/json (HTML
// escaping off) on every string, valid UTF-8 or not.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.OneOf(rapid.String(), rapid.StringOf(rapid.RuneFrom([]rune{0, 1, 0x1f, 0x7f, 0x2028, 0x2029, 0x2026, 0x2192, 0xfffd, 0x4e2d, 0x6587, 0x22, 0x5c, 0x3c, 0x26, 0xd7, 0xf7, 0x80, 0x7ff, 0x800, 0xfff, 0xd7ff, 0xe000, 0xffff, 0x10000, 0x2000, 0x2027, 0x202a})),
			rapid.Map(rapid.SliceOf(rapid.Byte()), func(b []byte) string { return string(b) }),
			// Mostly plain ASCII with one byte anywhere, for the eight-byte
			// check of plain (every byte value at every offset of a word).
			rapid.Custom(func(t *rapid.T) string {
				b := []byte(rapid.StringMatching(`[ -~]{0,40}`).Draw(t, "ascii"))
				if len(b) > 0 {
					b[rapid.IntRange(0, len(b)-1).Draw(t, "at")] = rapid.Byte().Draw(t, "byte")
				}
				return string(b)
			})).Draw(t, "s")
		checkJSONString(t, s)
	})
}

// Every byte value at every offset of a 17-byte ASCII text, and after
// a Chinese character that straddles a word.
func TestJSONStringEveryByte(t *testing.T) {
	for c := 0; c < 256; c++ {
		for at := 0; at < 17; at++ {
			b := []byte("abcdefghijklmnopq")
			b[at] = byte(c)
			checkJSONString(t, string(b))
			checkJSONString(t, "abcdefg中"+string(b))
			// every byte after each kind of lead byte
			for _, lead := range []string{"\xc3", "\xe2", "\xe2\x80", "\xe4\xb8", "\xed", "\xe0", "\xf0\x9f"} {
				checkJSONString(t, "ab"+lead+string(b[at:at+1])+"\x80\xa8cd")
			}
		}
	}
}

// FuzzJSONString: the string writer agrees with encoding/json.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "sources[0].pollutants[1]", "二氧化硫", "a\"b", "\u2028x", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkJSONString(t, s)
	})
}

func checkJSONString(t interface{ Fatalf(string, ...any) }, s string) {
	{
		var w jsonWriter
		w.str(s)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatalf("%v", err)
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
		if plain(s) != (string(w.b) == `"`+s+`"`) {
			t.Fatalf("%q: plain says %v", s, plain(s))
		}
	}
}

// The decoder's path table is where pathSpan says it is, so a line's
// usual path is written without being read; a path outside it is still
// escaped.
func TestPathSpan(t *testing.T) {
	lo, hi := pathSpan()
	if lo == 0 || hi <= lo {
		t.Fatalf("pathSpan() = %#x, %#x: the table is not one plain text", lo, hi)
	}
	for _, p := range pathTable() {
		if at := uintptr(unsafe.Pointer(unsafe.StringData(p))); at < lo || at+uintptr(len(p)) > hi {
			t.Fatalf("%s outside the span", p)
		}
	}
	r := &Result{Lines: []Line{{Path: pathTable()[3]}, {Path: `a"b`}}}
	out := string(r.AppendJSON(nil, TraceNone))
	for _, want := range []string{`"path":"` + pathTable()[3] + `"`, `"path":"a\"b"`} {
		if !strings.Contains(out, want) {
			t.Fatalf("%s not in %s", want, out)
		}
	}
}
