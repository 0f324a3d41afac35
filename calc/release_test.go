package calc_test

import (
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// TestReleaseKeepsTakenDecimals: a caller may keep decimals read from a
// result it released (reconcile keeps the totals and each line's tax):
// the storage a released result hands on is only its lists, never the
// digits of its figures, and an assessment that fails in between hands
// its storage back without disturbing anything either.
func TestReleaseKeepsTakenDecimals(t *testing.T) {
	e := testEngine(t)
	var reqs []*calc.Request
	for _, in := range decodeInputs(t) {
		if req, err := calc.DecodeRequest(in); err == nil {
			if _, err := e.Assess(req); err == nil {
				reqs = append(reqs, req)
			}
		}
	}
	if len(reqs) < 5 {
		t.Fatalf("only %d requests", len(reqs))
	}
	bad := &calc.Request{Sources: []calc.Source{{Path: "sources[0]", ID: "X", Kind: calc.KindAir, MonthRaw: "2024-01", Month: 202401,
		Pollutants: []calc.PollutantInput{{Path: "sources[0].pollutants[0]", Name: "不是污染物"}}}}}
	type taken struct {
		d    decimal.Decimal
		want string
	}
	var kept []taken
	for round := 0; round < 3; round++ {
		for _, level := range []calc.TraceLevel{calc.TraceNone, calc.TraceSummary, calc.TraceFull} {
			for _, req := range reqs {
				res, err := e.AssessTrace(req, level)
				if err != nil {
					t.Fatal(err)
				}
				kept = append(kept, taken{res.TotalTax, res.TotalTax.String()}, taken{res.TotalTaxDue, res.TotalTaxDue.String()})
				for i := range res.Lines {
					l := &res.Lines[i]
					kept = append(kept, taken{l.Tax, l.Tax.String()}, taken{l.Equivalents.Decimal, l.Equivalents.Decimal.String()})
				}
				res.Release()
				if _, err := e.AssessTrace(bad, level); err == nil {
					t.Fatal("an unknown pollutant was assessed")
				}
			}
		}
	}
	for i, k := range kept {
		if got := k.d.String(); got != k.want {
			t.Fatalf("decimal %d taken before Release changed: %s, was %s", i, got, k.want)
		}
	}
}

// TestFastEqualsDecimalShipped: every shipped request (the goldens'
// noise, solid waste, 表三 and 表四 lines, the examples, the fuzz corpus)
// is written byte for byte the same, at every level, with the int64
// paths on and with decimal arithmetic only. TestFastEqualsDecimal does
// the same for the benchmark's million air and water lines.
func TestFastEqualsDecimalShipped(t *testing.T) {
	e := testEngine(t)
	defer calc.SetDecimalOnly(false)
	n := 0
	for i, in := range decodeInputs(t) {
		req, err := calc.DecodeRequest(in)
		if err != nil {
			continue
		}
		for _, level := range []calc.TraceLevel{calc.TraceFull, calc.TraceSummary, calc.TraceNone} {
			calc.SetDecimalOnly(false)
			fast, errFast := e.AssessTrace(req, level)
			calc.SetDecimalOnly(true)
			slow, errSlow := e.AssessTrace(req, level)
			if (errFast == nil) != (errSlow == nil) {
				t.Fatalf("input %d: %v, decimal path %v", i, errFast, errSlow)
			}
			if errFast != nil {
				continue
			}
			n++
			if f, s := string(fast.AppendJSON(nil, level)), string(slow.AppendJSON(nil, level)); f != s {
				t.Fatalf("input %d at %s:\n%s\ndecimal path:\n%s", i, level, f, s)
			}
		}
	}
	if n < 60 {
		t.Fatalf("only %d results compared", n)
	}
}

// TestReleaseConcurrent: goroutines assessing and releasing at once (as
// the batch's workers and the API's handlers do) each get their own
// pooled storage: every answer is the one assessed alone. Run with -race.
func TestReleaseConcurrent(t *testing.T) {
	e := testEngine(t)
	var reqs []*calc.Request
	var want []string
	for _, in := range decodeInputs(t) {
		if req, err := calc.DecodeRequest(in); err == nil {
			if res, err := e.AssessTrace(req, calc.TraceSummary); err == nil {
				reqs, want = append(reqs, req), append(want, string(res.AppendJSON(nil, calc.TraceSummary)))
			}
		}
	}
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for round := 0; round < 5; round++ {
				for k := range reqs {
					i := (k + g*7) % len(reqs)
					res, err := e.AssessTrace(reqs[i], calc.TraceSummary)
					if err != nil {
						errs <- err.Error()
						return
					}
					if got := string(res.AppendJSON(nil, calc.TraceSummary)); got != want[i] {
						errs <- fmt.Sprintf("request %d differs when assessed concurrently", i)
						return
					}
					res.Release()
				}
			}
			errs <- ""
		}()
	}
	for g := 0; g < 4; g++ {
		if msg := <-errs; msg != "" {
			t.Fatal(msg)
		}
	}
}
