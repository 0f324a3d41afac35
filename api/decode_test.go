package api

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/filing"
)

type probe struct {
	Name  string              `json:"name"`
	N     int                 `json:"n"`
	P     *int                `json:"p"`
	D     decimal.NullDecimal `json:"d"`
	Day   filing.Date         `json:"day"`
	Flag  bool                `json:"flag"`
	Items []struct {
		Q decimal.NullDecimal `json:"q"`
	} `json:"items"`
}

func TestDecodeJSON(t *testing.T) {
	var p probe
	if err := decodeJSON([]byte(`{"name":"x","n":3,"p":null,"d":12.50,"day":"2024-02-29","flag":true,"items":[{"q":"0.000000000001"}]}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Name != "x" || p.N != 3 || p.P != nil || p.D.Decimal.String() != "12.5" || p.Day != "2024-02-29" || !p.Flag || p.Items[0].Q.Decimal.String() != "0.000000000001" {
		t.Errorf("%+v", p)
	}
	bad := map[string]string{
		`{"items":[{"q":"-1"}]}`:                 "items[0].q",
		`{"items":[{"q":"1e3"}]}`:                "items[0].q",
		`{"items":[{"q":""}]}`:                   "items[0].q",
		`{"items":[{"q":"NaN"}]}`:                "items[0].q",
		`{"d":"1000000000000001"}`:               "d", // 1e15 itself is the limit (the contract's)
		`{"d":"123456789012345678901234567890"}`: "d",
		`{"d":"0.0000000000001"}`:                "d",
		`{"n":1.5}`:                              "n",
		`{"n":"1"}`:                              "n",
		`{"day":"2023-02-29"}`:                   "day",
		`{"items":{}}`:                           "items",
		`{"name":"a","name":"b"}`:                "name",
		`{"zzz":1}`:                              "zzz",
		`{"items":[{"q":1,"r":2}]}`:              "items[0].r",
		`{`:                                      "$",
		`[]`:                                     "$",
		`{"flag":"true"}`:                        "flag",
		`{"name":"x"} trailing`:                  "$",
		strings.Repeat("[", 100):                 "$",
	}
	for in, path := range bad {
		var p probe
		err := decodeJSON([]byte(in), &p)
		if err == nil || len(err.Errors) == 0 || !strings.HasPrefix(err.Errors[0].Path, path) {
			t.Errorf("%s: %v, want an error at %s", in, err, path)
		}
	}
}

// The decoder never panics and every rejection names a path.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"name":"x","items":[{"q":"1.5"}]}`))
	f.Add([]byte(`{"d":1e400}`))
	f.Add([]byte(`[[[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p probe
		if err := decodeJSON(data, &p); err != nil {
			for _, e := range err.Errors {
				if e.Path == "" || e.Code == "" {
					t.Fatalf("error without path or code: %+v", err)
				}
			}
		}
	})
}
