package calc_test

import (
	"os"
	"testing"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/internal/jsontest"
)

// BenchmarkDecode compares DecodeRequest with encoding/json decoding the
// same bytes into untyped values (with UseNumber), in the same run. The
// ratio of their ns/op is the cost of strict decoding: paths, duplicate
// and unknown keys, exact decimals.
func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile("../fixtures/examples/chongqing-chemical-2024Q1.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("std", func(b *testing.B) { jsontest.StdDecode(b, data) })
	b.Run("strict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := calc.DecodeRequest(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	// A Decoder kept from one request to the next (calc --jsonl, the
	// calculator route).
	b.Run("reuse", func(b *testing.B) {
		b.ReportAllocs()
		var dec calc.Decoder
		for b.Loop() {
			if _, err := dec.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
