package budget_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
)

// checkRejection: a rejected document is a *calc.Error of kind invalid
// naming at least one field, never a panic or another error.
func checkRejection(t *testing.T, err error) {
	t.Helper()
	var ce *calc.Error
	if !errors.As(err, &ce) || ce.Kind != calc.KindInvalid || len(ce.Errors) == 0 {
		t.Fatalf("rejection is not an invalid *calc.Error with field errors: %#v", err)
	}
	for _, fe := range ce.Errors {
		if fe.Path == "" || fe.Code == "" || fe.Message == "" {
			t.Fatalf("field error without path, code or message: %+v", fe)
		}
	}
}

func goldenInput(f *testing.F) []byte {
	data, err := os.ReadFile("../testdata/budget/golden/chongqing_2021.json")
	if err != nil {
		f.Fatal(err)
	}
	var g struct{ Input json.RawMessage }
	if err := json.Unmarshal(data, &g); err != nil {
		f.Fatal(err)
	}
	return g.Input
}

// FuzzDecodeInput: go test ./budget -run X -fuzz FuzzDecodeInput
func FuzzDecodeInput(f *testing.F) {
	c := calculators(f)
	f.Add(goldenInput(f))
	f.Add([]byte(`{"region":"500000","year":2021}`))
	f.Add([]byte(`{"region":"500000","year":2021,"scenarios":[{"id":"a","trends":{"air":"-5"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, scs, err := budget.DecodeInput(data, c, limits)
		if err != nil {
			checkRejection(t, err)
			return
		}
		if _, err := budget.Compute(c, in, scs); err != nil {
			checkRejection(t, err)
		}
	})
}

// FuzzDecodeReport: go test ./budget -run X -fuzz FuzzDecodeReport
func FuzzDecodeReport(f *testing.F) {
	c := calculators(f)
	f.Add([]byte(`{"region":"500000","year":2024,"scenarios":[{"id":"s","rates":[{"class":"air","value":"2.4","from":"2024-07"}],"trends":{"fees":"10"},"schemes":{"cq_basin_2018":"beijing_water_2015"}}]}`))
	f.Add([]byte(`{"region":"990000","year":2017}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := budget.DecodeReport(data, c, limits); err != nil {
			checkRejection(t, err)
		}
	})
}

// FuzzDecodeRecords feeds one document to the three record decoders.
// go test ./budget -run X -fuzz FuzzDecodeRecords
func FuzzDecodeRecords(f *testing.F) {
	c := calculators(f)
	f.Add([]byte(`{"district":"500103","case":"x","claim":{"date":"2020-01-01","parameter_set":"recommended_2014","virtual_cost":[{"category":"interim_loss","medium":"surface_water","function_class":"III","discharge":"1","unit_cost":"1","multiplier":"5"}]},"receipts":[{"month":"2024-01","amount":"5"}]}`))
	f.Add([]byte(`{"settlement":{"scheme":"cq_basin_2018","year":2024,"sections":[{"id":"s","upstream":"a","downstream":"b","target_class":"III","periods":[{"period":"2024-01","class":"II","compare_class":"III"}]}]},"parties":{"a":"500103","b":"500104"}}`))
	f.Add([]byte(`{"district":"500103","payer":"p","schedule":"cn-sewage-min-city","inputs":{"category":"residential"},"months":[{"month":"2024-01","quantity":"10"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := budget.DecodeDamageCase(data, c, limits); err != nil {
			checkRejection(t, err)
		}
		if _, err := budget.DecodeEcoSettlement(data, c, limits); err != nil {
			checkRejection(t, err)
		}
		if rec, err := budget.DecodeFeeBill(data, c, limits); err != nil {
			checkRejection(t, err)
		} else if len(rec.Results) != len(rec.Bill.Months) {
			t.Fatalf("%d months, %d fees", len(rec.Bill.Months), len(rec.Results))
		}
	})
}
