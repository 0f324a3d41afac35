package explain

import (
	"encoding/json"
	"testing"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
)

func TestInvalidTakesTheCalculatorsTitle(t *testing.T) {
	errs := []calc.FieldError{{Path: "x", Code: "empty_claim", Message: "m"}}
	e := Invalid(errs, map[string]string{"empty_claim": "索赔没有任何项目"})
	if e.Kind != calc.KindInvalid || e.Code != "empty_claim" || e.Title != "索赔没有任何项目" || len(e.Errors) != 1 {
		t.Errorf("%+v", e)
	}
	// A code the calculator has no title for keeps calc's own.
	plain := calc.Invalid(errs)
	if e := Invalid(errs, nil); e.Title != plain.Title || e.Code != plain.Code {
		t.Errorf("%+v, want the title of %+v", e, plain)
	}
}

// The JSON of a parameter use is what damage and ecocomp results wrote
// before they shared it.
func TestUseJSON(t *testing.T) {
	m := param.Meta{Range: param.Range{From: param.NewDate(2014, 10, 24)}, Source: "环办〔2014〕90号", Confidence: "high", Verified: true, File: "fixtures/damage/multipliers.csv", Line: 4}
	b, err := json.Marshal(Use("multiplier/surface_water/III", "4.5–6", "", m))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"key":"multiplier/surface_water/III","value":"4.5–6","effective_from":"2014-10-24","source":"环办〔2014〕90号","confidence":"high","verified":true,"where":"fixtures/damage/multipliers.csv:4"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
