package hj212

import (
	"reflect"
	"testing"

	"pgregory.net/rapid"
)

// scanBlocks (AVX2) finds what the byte-by-byte loop finds.
func TestScanBlocks(t *testing.T) {
	if !haveBlocks {
		t.Skip("no AVX2")
	}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 6).Draw(t, "blocks")
		c := rapid.SliceOfN(rapid.OneOf(rapid.SampledFrom([]byte("=;,&-.0aZ \x00\x1f\x20\x21\x7e\x7f\x80\xff")), rapid.Byte()), 64*n, 64*n).Draw(t, "c")
		got, want := make([]blockMask, n), make([]blockMask, n)
		ga, wa := scanBlocks(&c[0], n, &got[0]), scanBlocksGo(c, want)
		if ga != wa || !reflect.DeepEqual(got, want) {
			t.Fatalf("scanBlocks: %x %+v, loop: %x %+v", ga, got, wa, want)
		}
	})
}

// The 64-byte path of splitPairs records the same pairs, findings and
// scan as the 8-byte one, for any content.
func TestSplitPairsBlocks(t *testing.T) {
	if !haveBlocks {
		t.Skip("no AVX2")
	}
	defer func(u bool) { useBlocks = u }(useBlocks)
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.SliceOfN(rapid.OneOf(rapid.SampledFrom([]byte("=;,;,==a-Rtd01.5&")), rapid.SampledFrom([]byte(" \x00\r\x7f\x80\xe6")), rapid.Byte()), 1, 300).Draw(t, "c")
		contentAt := rapid.IntRange(0, 40).Draw(t, "contentAt")
		at := contentAt + 6
		var fs [2]Frame
		var scs [2]byteScan
		for k, blocks := range []bool{false, true} {
			useBlocks = blocks
			scs[k].reset()
			fs[k].splitPairs(c, at, &scs[k], contentAt)
		}
		if !reflect.DeepEqual(fs[0].CP, fs[1].CP) || !reflect.DeepEqual(fs[0].Warnings, fs[1].Warnings) || scs[0] != scs[1] {
			t.Fatalf("8-byte words: %v %v %+v\n64-byte blocks: %v %v %+v", fs[0].CP, fs[0].Warnings, scs[0], fs[1].CP, fs[1].Warnings, scs[1])
		}
	})
}

// Every sample packet, and every one with a byte changed, decodes the
// same through the 64-byte blocks and through the 8-byte words.
func TestParseBlocksMatchesWords(t *testing.T) {
	if !haveBlocks {
		t.Skip("no AVX2")
	}
	defer func(u bool) { useBlocks = u }(useBlocks)
	samples := append(allSamples(t), loadSamples(t, "hj212_2025_packets.txt")...)
	keys := testKeys(t)
	check := func(raw []byte) {
		t.Helper()
		var ps [2]*Packet
		for k, blocks := range []bool{false, true} {
			useBlocks = blocks
			ps[k] = Parse(raw, Options{Lenient: true, Keys: keys})
		}
		if !reflect.DeepEqual(ps[0], ps[1]) {
			t.Fatalf("%q:\n8-byte words: %+v\n64-byte blocks: %+v", raw, ps[0], ps[1])
		}
	}
	for _, s := range samples {
		check([]byte(s.raw))
	}
	rapid.Check(t, func(rt *rapid.T) {
		raw := []byte(rapid.SampledFrom(samples).Draw(rt, "sample").raw)
		for range rapid.IntRange(1, 3).Draw(rt, "changes") {
			i := rapid.IntRange(0, len(raw)-1).Draw(rt, "at")
			raw[i] = rapid.SampledFrom([]byte("=;,&#\r\n \x00\x80\xe6C9")).Draw(rt, "byte")
		}
		check(raw)
	})
}
