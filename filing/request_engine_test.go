package filing_test

import (
	"bytes"
	"testing"

	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
)

// TestBuildDirectAssess: the engine gives the same result, byte for byte,
// on the direct request as on the decoded JSON (request_direct_test.go
// compares the requests themselves).
func TestBuildDirectAssess(t *testing.T) {
	tables, err := fixtures.Load()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := calc.NewEngine(tables)
	if err != nil {
		t.Fatal(err)
	}
	assessed, refused := 0, 0
	check := func(t interface{ Fatalf(string, ...any) }, tp *filing.Taxpayer, per filing.Period, srcs map[int64]*filing.Source, figs []filing.Figure) {
		viaJSON, errs := filing.BuildRequest(tp, per, srcs, figs)
		if errs != nil {
			t.Fatalf("%v", errs)
		}
		direct, _ := filing.BuildDirect(tp, per, srcs, figs, nil)
		want, err := calc.DecodeRequest(viaJSON.JSON)
		if err != nil {
			t.Fatalf("%v", err)
		}
		got, err := direct.Request()
		if err != nil {
			t.Fatalf("direct request refused: %v", err)
		}
		r1, err1 := eng.Assess(want)
		r2, err2 := eng.Assess(got)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("errors: %v vs %v", err1, err2)
		}
		if err1 != nil {
			refused++
			return
		}
		assessed++
		j1, _ := r1.MarshalJSON()
		j2, _ := r2.MarshalJSON()
		if !bytes.Equal(j1, j2) {
			t.Fatalf("results differ:\n%s\n%s", j1, j2)
		}
	}
	tp, per, srcs, figs := filing.ExampleDeclaration()
	check(t, tp, per, srcs, figs)
	rapid.Check(t, func(t *rapid.T) {
		tp, per, srcs, figs := filing.GenSensible(t)
		check(t, tp, per, srcs, figs)
	})
	if assessed <= refused {
		t.Errorf("%d assessed, %d refused by the engine: the comparison says little", assessed, refused)
	}
}
