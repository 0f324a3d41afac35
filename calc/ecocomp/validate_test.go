package ecocomp_test

import (
	"reflect"
	"testing"

	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/internal/jsontest"
)

// TestValidateBuiltRequest: a request built in code is held to the
// decoder's rules, each fault at the path the decoder would name.
func TestValidateBuiltRequest(t *testing.T) {
	req := &ecocomp.Request{Year: 1800,
		Sections: []ecocomp.Section{{Upstream: "甲区", Periods: []ecocomp.Observation{{}, {Path: "sections[0].periods[5]", Period: "2024-01"}}}},
		Trades:   []ecocomp.Trade{{Buyer: "甲区"}}}
	got := map[string]string{}
	for _, e := range req.Validate() {
		got[e.Path] = e.Code
	}
	want := map[string]string{"scheme": "required", "year": "invalid_value", "sections[0].id": "required", "sections[0].downstream": "required",
		"sections[0].periods[0].period": "required", "trades[0].seller": "required", "trades[0].date": "required"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("faults %v, want %v", got, want)
	}
	ok := &ecocomp.Request{Scheme: "s", Year: 2024, Trades: []ecocomp.Trade{{Buyer: "a", Seller: "b", Date: param.NewDate(2024, 1, 1)}}}
	if errs := ok.Validate(); errs != nil {
		t.Errorf("valid request: %v", errs)
	}
}

func roundTrip(t *testing.T, data []byte) {
	req, err := ecocomp.DecodeRequest(data)
	if err != nil {
		return
	}
	out := req.AppendJSON(nil)
	again, err := ecocomp.DecodeRequest(out)
	if err != nil {
		t.Fatalf("%s\nwritten as %s: %v", data, out, err)
	}
	if !reflect.DeepEqual(req, again) {
		t.Fatalf("%s\nwritten as %s\nread back %+v\nwant %+v", data, out, again, req)
	}
}

// TestAppendJSONRoundTrip: every shipped settlement survives being
// written for storage and read again.
func TestAppendJSONRoundTrip(t *testing.T) {
	for _, r := range jsontest.Requests(t, "../../testdata/ecocomp/*.json") {
		roundTrip(t, r)
	}
}

// FuzzAppendJSON: whatever request the decoder accepts, AppendJSON writes
// it so that the decoder reads the same request.
func FuzzAppendJSON(f *testing.F) {
	for _, r := range jsontest.Requests(f, "../../testdata/ecocomp/*.json") {
		f.Add(r)
	}
	f.Add([]byte(`{"scheme":"q","year":2024.0,"trades":[{"buyer":"a","seller":"b","date":"2024-01-01","quantity":"1.50","price":-2}]}`))
	f.Fuzz(roundTrip)
}
