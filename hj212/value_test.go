package hj212

import (
	"reflect"
	"runtime"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// parseNumber agrees with decimal.NewFromString, exponent included, on
// every plain decimal text.
func TestParseNumberMatchesDecimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringMatching(`[+-]?[0-9]{1,25}(\.[0-9]{0,12})?`).Draw(t, "number")
		v, ok := parseNumber(s)
		d, err := decimal.NewFromString(s)
		if !ok || err != nil {
			t.Fatalf("%q: ok %v, err %v", s, ok, err)
		}
		if got := v.Decimal(); !got.Equal(d) || got.Exponent() != d.Exponent() {
			t.Fatalf("%q: %s (exp %d), decimal %s (exp %d)", s, got, got.Exponent(), d, d.Exponent())
		}
		if c, e, ok := v.Int64(); ok && !decimal.New(c, e).Equal(d) {
			t.Fatalf("%q: int64 form %d e%d", s, c, e)
		}
		if ValueOf(d).Decimal().Cmp(d) != 0 || v.IsZero() != d.IsZero() {
			t.Fatalf("%q: ValueOf", s)
		}
	})
}

// Every sample packet, valid or not, costs one allocation: the block
// holding the Packet, its header fields, CP pairs, issues and text
// (block.go); a packet with findings about its values (duplicate keys,
// a bad DataTime, a value that is not a number, a sentinel) one more,
// for those.
func TestParseAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	samples := append(allSamples(t), loadSamples(t, "hj212_2025_packets.txt")...)
	defer func(u bool) { useBlocks = u }(useBlocks)
	for _, s := range samples {
		for k, opt := range []Options{{}, {Lenient: true}} {
			useBlocks = haveBlocks && k == 0 // the 64-byte and the 8-byte path, where there are two
			raw := []byte(s.raw)
			want := 1.0
			for _, w := range Parse(raw, opt).Warnings {
				switch w.Code {
				case CodeDuplicateKey, CodeBadDataTime, CodeNotANumber, CodeSentinel:
					want = 2
				}
			}
			if n := testing.AllocsPerRun(50, func() { Parse(raw, opt) }); n != want {
				t.Errorf("%s:%d (lenient %v): %v allocations, want %v", s.file, s.line, opt.Lenient, n, want)
			}
		}
	}
}

// Packets kept across garbage collections read the same as fresh ones:
// the blocks' types describe their pointers rightly.
func TestBlocksSurviveGC(t *testing.T) {
	samples := append(allSamples(t), loadSamples(t, "hj212_2025_packets.txt")...)
	var kept []*Packet
	for range 20 {
		for _, s := range samples {
			kept = append(kept, Parse([]byte(s.raw), Options{Lenient: true}))
			_ = make([]byte, 1000) // garbage between the blocks
		}
		runtime.GC()
	}
	runtime.GC()
	for i, p := range kept {
		want := Parse([]byte(samples[i%len(samples)].raw), Options{Lenient: true})
		if !reflect.DeepEqual(p, want) {
			t.Fatalf("packet %d changed after collections:\n%+v\n%+v", i, p, want)
		}
	}
}

// parseNumber's fast path reads what the general loop reads, for any text
// of digits, signs, dots and exponents (and the odd letter).
func TestParseNumberFastPath(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := string(rapid.SliceOfN(rapid.SampledFrom([]byte("0123456789012345678901234567890123456789..+-eEx")), 0, 24).Draw(t, "s"))
		got, gok := parseNumber(s)
		want, wok := parseNumberSlow(s)
		if gok != wok || gok && (got.coef != want.coef || got.exp() != want.exp() || (got.bigDec() == nil) != (want.bigDec() == nil) || !got.Decimal().Equal(want.Decimal())) {
			t.Fatalf("parseNumber(%q) = %+v %v, general loop %+v %v", s, got, gok, want, wok)
		}
	})
}

// ValueOf keeps any decimal exactly, whatever its exponent (those outside
// the shared table get their own record) or the size of its coefficient,
// and the methods agree with the decimal.
func TestValueOfAnyExponent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		coef := rapid.Int64().Draw(t, "coef")
		exp := rapid.Int32Range(-200, 200).Draw(t, "exp")
		d := decimal.New(coef, exp)
		if rapid.Bool().Draw(t, "big") {
			d = d.Mul(decimal.New(1, 0).Shift(20)).Add(decimal.New(7, exp))
		}
		v := ValueOf(d)
		got := v.Decimal()
		if !got.Equal(d) || got.Exponent() != d.Exponent() {
			t.Fatalf("ValueOf(%s) = %s (exp %d)", d, got, got.Exponent())
		}
		c, e, ok := v.Int64()
		if ok != d.Coefficient().IsInt64() || ok && (c != d.Coefficient().Int64() || e != d.Exponent()) {
			t.Fatalf("ValueOf(%s).Int64() = %d, %d, %v", d, c, e, ok)
		}
		if v.IsZero() != d.IsZero() || v.String() != d.String() {
			t.Fatalf("ValueOf(%s): IsZero %v, String %q", d, v.IsZero(), v.String())
		}
	})
	var zero Value
	if c, e, ok := zero.Int64(); c != 0 || e != 0 || !ok || !zero.IsZero() || zero.String() != "0" {
		t.Fatalf("zero Value: %d %d %v %q", c, e, ok, zero.String())
	}
}
