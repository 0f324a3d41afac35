package calc_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/ecotax/ecotax/calc"
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
	b.Run("std", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			d := json.NewDecoder(bytes.NewReader(data))
			d.UseNumber()
			var v any
			if err := d.Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("strict", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := calc.DecodeRequest(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}
