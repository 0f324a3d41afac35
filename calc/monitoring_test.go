package calc_test

import (
	"fmt"

	"testing"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/fixtures"
)

// engineWith loads the shipped tables with one named parameter's value
// replaced, to test the other side of a reading.
func engineWith(t *testing.T, key, value string) *calc.Engine {
	t.Helper()
	tables, err := fixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	own := *tables
	own.Scalars = append([]calc.Scalar(nil), tables.Scalars...)
	found := false
	for i := range own.Scalars {
		if own.Scalars[i].Key == key {
			own.Scalars[i].Text = value
			found = true
		}
	}
	if !found {
		t.Fatalf("no parameter %s", key)
	}
	e, err := calc.NewEngine(&own)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

const belowDL = `{"rates": {"water": "3"}, "sources": [{"id": "DW001", "kind": "water", "month": "2024-04",
  "pollutants": [{"name": "COD", %s "method": "monitoring", "monitoring_month": "2024-04", "below_detection_limit": true}]}]}`

func TestBelowDetectionLimitBothReadings(t *testing.T) {
	// zero (shipped): the emission counts as 0 whatever was declared.
	got, err := assessJSON(testEngine(t), []byte(fmt.Sprintf(belowDL, `"emission_kg": "40",`)))
	if err != nil {
		t.Fatal(err)
	}
	if got["total_tax"] != "0.00" {
		t.Errorf("zero: total_tax %v, want 0.00", got["total_tax"])
	}
	// as_declared: the declared 40 kg (e.g. computed at the detection
	// limit) is taxed: 40 × 3 = 120.
	e := engineWith(t, "monitoring.below_detection_limit", "as_declared")
	got, err = assessJSON(e, []byte(fmt.Sprintf(belowDL, `"emission_kg": "40",`)))
	if err != nil {
		t.Fatal(err)
	}
	if got["total_tax"] != "120.00" {
		t.Errorf("as_declared: total_tax %v, want 120.00", got["total_tax"])
	}
	// as_declared without an emission: an error naming the field.
	_, err = assessJSON(e, []byte(fmt.Sprintf(belowDL, "")))
	checkError(t, err, map[string]any{"code": "required", "path": "sources[0].pollutants[0].emission_kg"})
}
