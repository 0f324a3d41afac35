package damage_test

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/ecotax/ecotax/calc/damage"
)

// benchRequest is Guiding Case 130 plus the five other heads of claim.
func benchRequest(b *testing.B) []byte {
	data, err := os.ReadFile("../../testdata/damage/all_heads_of_article_1235.json")
	if err != nil {
		b.Fatal(err)
	}
	var g struct {
		Request json.RawMessage `json:"request"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		b.Fatal(err)
	}
	return g.Request
}

// BenchmarkBaselineStdDecode is the yardstick: encoding/json decoding the
// same bytes into untyped values. Report BenchmarkCalc as a ratio to it.
func BenchmarkBaselineStdDecode(b *testing.B) {
	data := benchRequest(b)
	b.ReportAllocs()
	for b.Loop() {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCalc decodes and quantifies the claim.
func BenchmarkCalc(b *testing.B) {
	data := benchRequest(b)
	p := loadParams(b)
	b.ReportAllocs()
	for b.Loop() {
		req, err := damage.DecodeRequest(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := damage.Calc(p, req); err != nil {
			b.Fatal(err)
		}
	}
}
