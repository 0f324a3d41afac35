package calc_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecotax/ecotax/calc"
)

// sameAsFresh decodes in with dec and checks it against DecodeRequest's
// fresh decoding: the same request, or the same fault.
func sameAsFresh(t testing.TB, dec *calc.Decoder, in []byte) *calc.Request {
	t.Helper()
	got, gerr := dec.Decode(in)
	want, werr := calc.DecodeRequest(in)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("a reused decoder's fault differs on %q:\n%v\n%v", in, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("a reused decoder's request differs on %q:\nreused %+v\nfresh  %+v", in, got, want)
	}
	return got
}

// borrower decodes with DecodeBorrowed, each input where it lies in a
// buffer of its own, and scribbles over the last input once the next is
// decoded (as the batch reuses a chunk's buffer once its output is
// written): a request must depend on no input but its own.
type borrower struct {
	dec  calc.Decoder
	last []byte
}

func (b *borrower) decode(in []byte) (*calc.Request, error) {
	buf := append([]byte(nil), in...)
	req, err := b.dec.DecodeBorrowed(buf)
	for i := range b.last {
		b.last[i] = 'x'
	}
	b.last = buf
	return req, err
}

// sameAsFreshBorrowed is sameAsFresh for DecodeBorrowed.
func sameAsFreshBorrowed(t testing.TB, b *borrower, in []byte) *calc.Request {
	t.Helper()
	got, gerr := b.decode(in)
	want, werr := calc.DecodeRequest(in)
	if fmt.Sprint(gerr) != fmt.Sprint(werr) {
		t.Fatalf("a borrowing decoder's fault differs on %q:\n%v\n%v", in, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("a borrowing decoder's request differs on %q:\nborrowed %+v\nfresh    %+v", in, got, want)
	}
	return got
}

// bigRequest is a request with sources × lines pollutant lines: past the
// shared path table (32 sources, 64 lines) and the first number slab
// when large.
func bigRequest(sources, lines, seed int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"taxpayer":{"credit_code":"91500107MA5U8XXXXX","name":"示例` + fmt.Sprint(seed) + `"},"period":"2024-Q1","sources":[`)
	for i := 0; i < sources; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		kind := "air"
		if (i+seed)%3 == 0 {
			kind = "water"
		}
		fmt.Fprintf(&b, `{"id":"D%03d","kind":"%s","month":"2024-0%d","pollutants":[`, i, kind, 1+(i+seed)%3)
		for j := 0; j < lines; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"name":"P%d-%d","emission_kg":"%d.%03d","avg_concentration":%d,"standard_concentration":"0.5"}`, seed, j, i*j+seed, j, j%7)
		}
		b.WriteString("]}")
	}
	b.WriteString("]}")
	return b.Bytes()
}

// A Decoder used for one request after another gives, for each, exactly
// what DecodeRequest gives: over every shipped request (and faulty
// variants of them, which go the strict way), in order and back again,
// with large requests in between that outgrow and then overflow what the
// decoder keeps. Each request is also assessed while it is the decoder's
// current one, and its result written as the fresh request's is.
func TestDecoderReuseSameAsFresh(t *testing.T) {
	e := testEngine(t)
	ins := decodeInputs(t)
	var seq [][]byte
	for k, in := range ins {
		seq = append(seq, in)
		if k%7 == 3 && len(in) > 10 {
			seq = append(seq, in[:len(in)/2]) // a fault: the strict way, in between
		}
		switch k % 11 {
		case 5:
			seq = append(seq, bigRequest(3, 30, k))
		case 9:
			seq = append(seq, bigRequest(40, 70, k)) // past the path table and maxKeptLines
		}
	}
	var dec calc.Decoder
	var bor borrower
	assessed := 0
	// Rounds 0 and 1 with Decode, 2 and 3 with DecodeBorrowed.
	for round := 0; round < 4; round++ {
		for _, in := range seq {
			var req *calc.Request
			if round < 2 {
				req = sameAsFresh(t, &dec, in)
			} else {
				req = sameAsFreshBorrowed(t, &bor, in)
			}
			if req == nil {
				continue
			}
			fresh, _ := calc.DecodeRequest(in)
			res, err := e.AssessTrace(req, calc.TraceFull)
			want, werr := e.AssessTrace(fresh, calc.TraceFull)
			if fmt.Sprint(err) != fmt.Sprint(werr) {
				t.Fatalf("assessing a reused decoder's request fails differently: %v / %v", err, werr)
			}
			if err != nil {
				continue
			}
			if got, w := string(res.AppendJSON(nil, calc.TraceFull)), string(want.AppendJSON(nil, calc.TraceFull)); got != w {
				t.Fatalf("the result of a reused decoder's request differs:\n%s\n%s", got, w)
			}
			res.Release()
			assessed++
		}
		// The other way round the second time: each request follows a
		// different one.
		for i, j := 0, len(seq)-1; i < j; i, j = i+1, j-1 {
			seq[i], seq[j] = seq[j], seq[i]
		}
	}
	if assessed < 80 {
		t.Fatalf("only %d requests assessed", assessed)
	}
}

// The request a Decoder returns stays as it was until the next Decode,
// whatever the caller does with its input buffer meanwhile (the decoder
// keeps its own copy): the batch and the calculator route reuse theirs.
func TestDecoderRequestOutlivesInput(t *testing.T) {
	in := bigRequest(4, 12, 1)
	want, err := calc.DecodeRequest(in)
	if err != nil {
		t.Fatal(err)
	}
	var dec calc.Decoder
	for round := 0; round < 3; round++ {
		buf := append([]byte(nil), in...)
		got, err := dec.Decode(buf)
		if err != nil {
			t.Fatal(err)
		}
		copy(buf, strings.Repeat("x", len(buf)))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: the request changed with its input", round)
		}
	}
}

// A Decoder that has decoded a request allocates nothing to decode one
// of the same shape again (the point of keeping its memory), pretty or
// compact.
func TestDecoderAllocatesNothing(t *testing.T) {
	data, err := os.ReadFile("../fixtures/examples/chongqing-chemical-2024Q1.json")
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{data, compact.Bytes(), bigRequest(3, 7, 1)} {
		var dec calc.Decoder
		if _, err := dec.Decode(in); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(5, func() { dec.Decode(in) }); n != 0 {
			t.Fatalf("%.0f allocations per request", n)
		}
		if n := testing.AllocsPerRun(5, func() { dec.DecodeBorrowed(in) }); n != 0 {
			t.Fatalf("%.0f allocations per borrowed request", n)
		}
	}
}

// FuzzDecoder: a Decoder that has decoded one input decodes the next as
// DecodeRequest does, whatever the two are, by Decode and by
// DecodeBorrowed.
func FuzzDecoder(f *testing.F) {
	ins := decodeInputs(f)
	for k, in := range ins {
		f.Add(in, ins[(k+1)%len(ins)])
	}
	f.Add(bigRequest(40, 70, 1), bigRequest(2, 3, 2))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var dec calc.Decoder
		sameAsFresh(t, &dec, a)
		sameAsFresh(t, &dec, b)
		sameAsFresh(t, &dec, a)
		var bor borrower
		sameAsFreshBorrowed(t, &bor, a)
		sameAsFreshBorrowed(t, &bor, b)
		sameAsFreshBorrowed(t, &bor, a)
	})
}

// plainAt, the fast decoder's one-pass number reader, gives exactly
// plainCoefficient's answer for every run of digits and points, ended by
// a quote or by the input's end (all runs up to 5 bytes, and random
// longer ones around the limits of 15 integer digits, 12 decimals and
// 18 digits in all).
func TestPlainAtSameAsPlainCoefficient(t *testing.T) {
	check := func(text string) {
		c0, e0, ok0 := calc.PlainCoefficient(text)
		for _, tail := range []string{`"`, ""} {
			c, e, end, ok := calc.PlainAt("x"+text+tail, 1)
			if ok && end != 1+len(text) {
				continue // a second point: the run ends before the text does
			}
			if ok != ok0 || ok && (c != c0 || e != e0) {
				t.Fatalf("%q: plainAt %d %d %v, plainCoefficient %d %d %v", text, c, e, ok, c0, e0, ok0)
			}
		}
	}
	const alphabet = "0123456789."
	var all func(prefix string, n int)
	all = func(prefix string, n int) {
		check(prefix)
		if n == 0 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			all(prefix+alphabet[i:i+1], n-1)
		}
	}
	all("", 5)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200_000; i++ {
		n := 10 + rng.IntN(14)
		b := make([]byte, n)
		for k := range b {
			b[k] = "0123456789"[rng.IntN(10)]
			if rng.IntN(8) == 0 {
				b[k] = '0'
			}
		}
		if rng.IntN(4) > 0 {
			b[rng.IntN(n)] = '.'
		}
		if rng.IntN(10) == 0 {
			b[rng.IntN(n)] = '.'
		}
		check(string(b))
	}
}

// TestStopAt: the index the fast decoder's strings jump to in a word is
// the first byte that is a quote, a backslash or a control character,
// on words mixing the bytes that matter.
func TestStopAt(t *testing.T) {
	pick := []byte{0, 1, 0x1f, 0x20, 0x21, '"', '#', '\\', '[', ']', 'a', 0x7f, 0x80, 0x9f, 0xa0, 0xa2, 0xdc, 0xe4, 0xff}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < 1_000_000; i++ {
		var x uint64
		want := 8
		for k := 0; k < 8; k++ {
			c := pick[rng.IntN(len(pick))]
			if rng.IntN(3) == 0 {
				c = byte(rng.Uint32())
			}
			if want == 8 && (c == '"' || c == '\\' || c < 0x20) {
				want = k
			}
			x |= uint64(c) << (8 * k)
		}
		if got := calc.StopAt(x); got != want {
			t.Fatalf("stopAt(%#016x) = %d, want %d", x, got, want)
		}
	}
}

// validText is utf8.ValidString: on every string of up to four bytes
// drawn from the bytes that matter to UTF-8 (each lead byte range, its
// bounds, continuation bytes and their bounds, ASCII), and on random
// strings mixing whole characters with such bytes.
func TestValidTextSameAsValidString(t *testing.T) {
	pick := []byte{0, 'a', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xe4, 0xe9, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff}
	check := func(s string) {
		if got, want := calc.ValidText(s), utf8.ValidString(s); got != want {
			t.Fatalf("validText(%q) = %v, want %v", s, got, want)
		}
	}
	var all func(prefix []byte, n int)
	all = func(prefix []byte, n int) {
		check(string(prefix))
		if n == 0 {
			return
		}
		for _, c := range pick {
			all(append(prefix, c), n-1)
		}
	}
	all(nil, 4)
	rng := rand.New(rand.NewPCG(5, 6))
	chars := []string{"a", "二", "氧", "\u1000", "\uCFFF", "\uD7FF", "\uE000", "\uFFFD", "\u07FF", "é", "😀", "\u0800", "\u0FFF"}
	for i := 0; i < 200_000; i++ {
		var b []byte
		for n := rng.IntN(8); n > 0; n-- {
			if rng.IntN(6) == 0 {
				b = append(b, pick[rng.IntN(len(pick))])
			} else {
				b = append(b, chars[rng.IntN(len(chars))]...)
			}
		}
		check(string(b))
	}
}
