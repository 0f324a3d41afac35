package calc_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// TestOverrideWarningsRemembered: the warnings about what-if amounts
// outside 附表一's range are the same when the engine remembers its
// answers between requests (checkOverride) as when it works them out
// every time (with the fast paths off, nothing is remembered), over a
// run of requests that repeat and change amounts, classes and months.
func TestOverrideWarningsRemembered(t *testing.T) {
	e := testEngine(t)
	rng := rand.New(rand.NewPCG(14, 13))
	amounts := []string{"0.5", "1.2", "1.20", "2.4", "12", "12.01", "13", "1.4", "14", "14.5", "1.1", "3"}
	periods := []string{"2024-01", "2024-Q1", "2023-12", "2024-Q2"}
	var bodies []string
	for i := 0; i < 300; i++ {
		period := periods[rng.IntN(len(periods))]
		month := period
		if period[5] == 'Q' {
			month = period[:4] + "-0" + fmt.Sprint(3*int(period[6]-'0')-2+rng.IntN(3))
		}
		rates := ""
		switch rng.IntN(4) {
		case 0:
			rates = fmt.Sprintf(`"rates":{"air":%q},`, amounts[rng.IntN(len(amounts))])
		case 1:
			rates = fmt.Sprintf(`"rates":{"water":%q},`, amounts[rng.IntN(len(amounts))])
		case 2:
			rates = fmt.Sprintf(`"rates":{"air":%q,"water":%q},`, amounts[rng.IntN(len(amounts))], amounts[rng.IntN(len(amounts))])
		}
		if rng.IntN(3) == 0 {
			rates += fmt.Sprintf(`"pollutant_rates":{"二氧化硫":%q},`, amounts[rng.IntN(len(amounts))])
		}
		bodies = append(bodies, fmt.Sprintf(`{"region":"500107","period":%q,%s"sources":[`+
			`{"id":"DA001","kind":"air","month":%q,"pollutants":[{"name":"二氧化硫","emission_kg":"100"}]},`+
			`{"id":"DW001","kind":"water","month":%q,"pollutants":[{"name":"化学需氧量","emission_kg":"100"}]}]}`,
			period, rates, month, month))
	}
	warnings := func() []string {
		var out []string
		for i, body := range bodies {
			req, err := calc.DecodeRequest([]byte(body))
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			res, err := e.Assess(req)
			if err != nil {
				out = append(out, fmt.Sprintf("%d: %v", i, err))
				continue
			}
			for _, w := range res.Warnings {
				if w.Code == "override_out_of_range" {
					out = append(out, fmt.Sprintf("%d: %s %s", i, w.Path, w.Message))
				}
			}
			res.Release()
		}
		return out
	}
	got := warnings()
	calc.SetDecimalOnly(true)
	want := warnings()
	calc.SetDecimalOnly(false)
	if len(want) == 0 {
		t.Fatal("no amount was out of range: the test tests nothing")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("remembered:\n%v\nworked out:\n%v", got, want)
	}
}
