package web

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestSessionSealOpen(t *testing.T) {
	k := NewKeys([]byte("test secret"))
	now := time.Date(2024, 5, 20, 8, 0, 0, 0, time.UTC)
	s := Session{TokenHash: strings.Repeat("ab", 32), Nonce: Nonce(), Expires: now.Add(time.Hour)}
	v := k.Seal(s)
	got, ok := k.Open(v, now)
	if !ok || got.TokenHash != s.TokenHash || got.Nonce != s.Nonce || !got.Expires.Equal(s.Expires.Truncate(time.Second)) {
		t.Fatalf("open %v %+v", ok, got)
	}
	if _, ok := k.Open(v, now.Add(2*time.Hour)); ok {
		t.Error("an expired session opened")
	}
	if _, ok := NewKeys([]byte("other secret")).Open(v, now); ok {
		t.Error("a cookie signed with another key opened")
	}
	if _, ok := NewKeys(nil).Open(v, now); ok {
		t.Error("a random key opened a cookie")
	}
	// Change one character anywhere: refused.
	for i := 0; i < len(v); i++ {
		b := []byte(v)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		if _, ok := k.Open(string(b), now); ok {
			t.Fatalf("tampered at %d opened", i)
		}
	}
	if strings.Contains(v, "secret") {
		t.Error("the key shows in the cookie")
	}
}

func TestCSRF(t *testing.T) {
	k := NewKeys([]byte("x"))
	n1, n2 := Nonce(), Nonce()
	if !ValidNonce(n1) || ValidNonce("zz") || n1 == n2 {
		t.Fatal("nonces")
	}
	if !k.CheckCSRF(n1, k.CSRF(n1)) || k.CheckCSRF(n2, k.CSRF(n1)) || k.CheckCSRF("", k.CSRF("")) || k.CheckCSRF(n1, "") {
		t.Fatal("CSRF check")
	}
}

// FuzzSessionOpen: any cookie value is refused or opens to a well-formed
// session that seals and opens again to itself; nothing panics. (Before
// securecookie this asked Seal to give back the very value: securecookie
// stamps each value with the time of sealing, so two seals of one session
// differ; that a changed value is refused is TestSessionSealOpen's.)
func FuzzSessionOpen(f *testing.F) {
	k := NewKeys([]byte("fuzz"))
	now := time.Unix(1700000000, 0)
	f.Add(k.Seal(Session{TokenHash: strings.Repeat("0", 64), Nonce: strings.Repeat("1", 32), Expires: now.Add(time.Hour)}))
	f.Add("a.b")
	f.Add("....")
	f.Fuzz(func(t *testing.T, v string) {
		s, ok := k.Open(v, now)
		if !ok {
			return
		}
		if len(s.TokenHash) != 64 || !ValidNonce(s.Nonce) || !now.Before(s.Expires) {
			t.Fatalf("opened %q to a malformed session %+v", v, s)
		}
		if again, ok := k.Open(k.Seal(s), now); !ok || again != s {
			t.Fatalf("%+v does not round-trip: %+v %v", s, again, ok)
		}
	})
}

func d(s string) decimal.NullDecimal {
	return decimal.NullDecimal{Decimal: decimal.RequireFromString(s), Valid: true}
}

func TestNiceStep(t *testing.T) {
	for in, want := range map[string]string{"0.13": "0.2", "1": "1", "3": "5", "7.2": "10", "42": "50", "1500": "2000", "0": "1"} {
		if got := niceStep(decimal.RequireFromString(in)); got.String() != want {
			t.Errorf("niceStep(%s) = %s, want %s", in, got, want)
		}
	}
}

// A line with a gap is drawn as two pieces; bars below zero go down from
// the axis; values and labels are escaped.
func TestChartSVG(t *testing.T) {
	c := &Chart{Title: "t<1>", Unit: "kg", Labels: []string{"a", "b", "c", "d", "e"},
		Series: []Series{{Name: "s", Values: []decimal.NullDecimal{d("1"), d("2"), {}, d("3"), d("4")}}}}
	svg := string(c.SVG())
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Errorf("%d polylines, want 2 (a gap)", n)
	}
	if strings.Contains(svg, "<1>") {
		t.Error("title not escaped")
	}
	b := &Chart{Title: "b", Labels: []string{"x", "y"}, Bars: true, Series: []Series{{Name: "n", Values: []decimal.NullDecimal{d("-5"), d("10")}}}}
	bs := string(b.SVG())
	if strings.Count(bs, "<rect") != 2 || !strings.Contains(bs, ">-5<") {
		t.Errorf("bars: %s", bs)
	}
	rows := b.Table()
	if len(rows) != 2 || rows[0].Values[0] != "-5" {
		t.Errorf("table %+v", rows)
	}
}

// BenchmarkSession seals and opens a session cookie (every signed-in page
// opens one); docs/web.md has the figures.
func BenchmarkSession(b *testing.B) {
	k := NewKeys([]byte("bench secret"))
	now := time.Now()
	s := Session{TokenHash: strings.Repeat("ab", 32), Nonce: Nonce(), Expires: now.Add(time.Hour)}
	v := k.Seal(s)
	b.Run("seal", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			k.Seal(s)
		}
	})
	b.Run("open", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, ok := k.Open(v, now); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Logf("cookie: %d bytes", len(v))
}
