package damage_test

import (
	"testing"

	"github.com/ecotax/ecotax/internal/jsontest"
)

// benchRequest is Guiding Case 130 plus the five other heads of claim.
func benchRequest(b *testing.B) []byte {
	return jsontest.Requests(b, "../../testdata/damage/all_heads_of_article_1235.json")[0]
}

// BenchmarkBaselineStdDecode is the yardstick: encoding/json decoding the
// same bytes into untyped values. Report BenchmarkCalc as a ratio to it.
func BenchmarkBaselineStdDecode(b *testing.B) {
	jsontest.StdDecode(b, benchRequest(b))
}

// BenchmarkCalc decodes and quantifies the claim.
func BenchmarkCalc(b *testing.B) {
	data := benchRequest(b)
	run := claim(loadParams(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := run(data); err != nil {
			b.Fatal(err)
		}
	}
}
