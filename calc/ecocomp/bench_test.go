package ecocomp_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/internal/jsontest"
)

// benchBasin is a year of the Chongqing scheme at full size: 33 districts
// along a chain of boundary sections, 12 months each, classes cycling.
func benchBasin() []byte {
	classes := ecocomp.ClassNames()
	var secs []map[string]any
	for i := 0; i < 33; i++ {
		var periods []map[string]any
		for m := 1; m <= 12; m++ {
			periods = append(periods, map[string]any{"period": fmt.Sprintf("2020-%02d", m),
				"class": classes[(i+m)%5], "compare_class": classes[(i*7+m*3)%6]})
		}
		secs = append(secs, map[string]any{"id": fmt.Sprintf("S%02d", i), "upstream": fmt.Sprintf("区%02d", i),
			"downstream": fmt.Sprintf("区%02d", (i+1)%33), "target_class": "III", "periods": periods})
	}
	data, _ := json.Marshal(map[string]any{"scheme": "cq_basin_2018", "year": 2020, "sections": secs})
	return data
}

// BenchmarkBaselineStdDecode is the yardstick: encoding/json decoding the
// same bytes into untyped values. Report BenchmarkSettle as a ratio to it.
func BenchmarkBaselineStdDecode(b *testing.B) {
	jsontest.StdDecode(b, benchBasin())
}

// BenchmarkSettle decodes and settles 33 sections × 12 months.
func BenchmarkSettle(b *testing.B) {
	data := benchBasin()
	run := settle(loadCatalog(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := run(data); err != nil {
			b.Fatal(err)
		}
	}
}
