package damage_test

import (
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/internal/jsontest"
)

// TestValidateBuiltClaim: a claim built in code is held to the decoder's
// rules, each fault at the path the decoder would name.
func TestValidateBuiltClaim(t *testing.T) {
	req := &damage.Request{
		VirtualCost: []damage.VirtualCostLine{{Medium: " "}},
		Items:       []damage.Item{{Path: "items[3]", Amount: decimal.New(1, 0)}},
	}
	got := map[string]string{}
	for _, e := range req.Validate() {
		got[e.Path] = e.Code
	}
	want := map[string]string{"date": "required", "parameter_set": "required", "virtual_cost[0].category": "required",
		"virtual_cost[0].medium": "required", "items[3].category": "required"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("faults %v, want %v", got, want)
	}
	ok := &damage.Request{Date: claimDate, ParamSet: "recommended_2014", Items: []damage.Item{{Category: damage.LegalCosts}}}
	if errs := ok.Validate(); errs != nil {
		t.Errorf("valid claim: %v", errs)
	}
}

// TestDecodeFaultsOnce: a value of the wrong type is reported as such,
// not also as missing, now that required values are Validate's.
func TestDecodeFaultsOnce(t *testing.T) {
	_, err := damage.DecodeRequest([]byte(`{"date":5,"parameter_set":"","items":[{"category":1,"amount":"x"}]}`))
	ce, _ := err.(*calc.Error)
	if ce == nil {
		t.Fatalf("accepted: %v", err)
	}
	got := map[string]string{}
	for _, e := range ce.Errors {
		if _, dup := got[e.Path]; dup {
			t.Errorf("%s reported twice: %v", e.Path, ce.Errors)
		}
		got[e.Path] = e.Code
	}
	want := map[string]string{"date": "invalid_type", "parameter_set": "required", "items[0].category": "invalid_type", "items[0].amount": "invalid_number"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("faults %v, want %v", got, want)
	}
}

// roundTrip checks that writing a decoded claim and decoding it again
// gives the same claim.
func roundTrip(t *testing.T, data []byte) {
	req, err := damage.DecodeRequest(data)
	if err != nil {
		return
	}
	out := req.AppendJSON(nil)
	again, err := damage.DecodeRequest(out)
	if err != nil {
		t.Fatalf("%s\nwritten as %s: %v", data, out, err)
	}
	if !reflect.DeepEqual(req, again) {
		t.Fatalf("%s\nwritten as %s\nread back %+v\nwant %+v", data, out, again, req)
	}
}

// TestAppendJSONRoundTrip: every shipped claim survives being written
// for storage and read again.
func TestAppendJSONRoundTrip(t *testing.T) {
	for _, r := range jsontest.Requests(t, "../../testdata/damage/*.json") {
		roundTrip(t, r)
	}
}

// FuzzAppendJSON: whatever claim the decoder accepts, AppendJSON writes
// it so that the decoder reads the same claim.
func FuzzAppendJSON(f *testing.F) {
	for _, r := range jsontest.Requests(f, "../../testdata/damage/*.json") {
		f.Add(r)
	}
	f.Add([]byte(`{"case":"a\"b\u00e9","date":"2020-01-01","parameter_set":"p","items":[{"category":"x","amount":"1.50"},{"category":"y","amount":-0.000}]}`))
	f.Fuzz(roundTrip)
}
