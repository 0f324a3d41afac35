package api

import (
	"errors"
	"testing"

	"github.com/ecotax/ecotax/calc"
)

// FuzzDecodeFeeRequest: the fee calculator's body reader never panics and
// rejects with field errors only. go test ./api -run X -fuzz FuzzDecodeFeeRequest
func FuzzDecodeFeeRequest(f *testing.F) {
	f.Add([]byte(`{"schedule":"cq-emission-permit-base","date":"2024-03-01","quantity":"10","inputs":{"pollutant":"cod"}}`))
	f.Add([]byte(`{"custom_schedule":{"id":"x","parts":[]},"date":"2025-02-01","quantity":2.5,"partial_step":"ceil"}`))
	f.Add([]byte(`{"custom_schedule":"id: x\nversion: \"1\"\n","date":"2025-02-01","quantity":"1"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fr, err := decodeFeeRequest(body)
		if err != nil {
			var ce *calc.Error
			if !errors.As(err, &ce) || ce.Kind != calc.KindInvalid || len(ce.Errors) == 0 || ce.Errors[0].Path == "" {
				t.Fatalf("rejection without a field error: %#v", err)
			}
			return
		}
		if (fr.schedule == "") == (fr.custom == nil) {
			t.Fatalf("accepted with schedule %q and custom %q", fr.schedule, fr.custom)
		}
		if fr.req.Quantity.Sign() < 0 {
			t.Fatalf("negative quantity accepted")
		}
	})
}
