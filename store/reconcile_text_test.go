package store

import (
	"bytes"
	"encoding/json"
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/reconcile"
)

// TestItemRowText: the text SaveRun writes for an item is what the
// general path wrote: a decimal's String() and json.Marshal of the detail.
func TestItemRowText(t *testing.T) {
	for _, s := range []string{"0", "0.000", "-0.0", "1", "100", "100.00", "0.05", "-0.05", "123.4500", "999999999999999999",
		"-999999999999999999.5", "1e3", "1.5e-20", "123456789012345678901234567890.12", "0.000000000000000001"} {
		d := decimal.RequireFromString(s)
		if got := string(appendDecimal(nil, d)); got != d.String() {
			t.Errorf("%s: %s, want %s", s, got, d.String())
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		var d decimal.Decimal
		exp := int32(rapid.IntRange(-22, 4).Draw(t, "exp"))
		switch rapid.IntRange(0, 2).Draw(t, "shape") {
		case 0:
			d = decimal.New(rapid.Int64Range(-1_000_000, 1_000_000).Draw(t, "c"), exp)
		case 1:
			d = decimal.New(rapid.Int64().Draw(t, "c"), exp)
		default:
			c := new(big.Int).Lsh(big.NewInt(rapid.Int64Range(-1<<40, 1<<40).Draw(t, "c")), uint(rapid.IntRange(0, 70).Draw(t, "sh")))
			d = decimal.NewFromBigInt(c, exp)
		}
		v, _ := decimalValue(nil, decimal.NullDecimal{Decimal: d, Valid: true})
		want, _ := decimal.NullDecimal{Decimal: d, Valid: true}.Value()
		if v != want {
			t.Fatalf("%s (coefficient %s, exp %d): %v, want %v", d, d.Coefficient(), d.Exponent(), v, want)
		}
		if v, _ := decimalValue(nil, decimal.NullDecimal{}); v != nil {
			t.Fatalf("NULL written as %v", v)
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.SampledFrom([]string{"MN0001", "a21026", "二氧化硫 note", "<&>", "q\"\\", "\u2028", "\xff", ""})
		num := func(label string) decimal.NullDecimal {
			if rapid.Bool().Draw(t, label+".null") {
				return decimal.NullDecimal{}
			}
			return decimal.NullDecimal{Decimal: decimal.New(rapid.Int64Range(-1e9, 1e9).Draw(t, label), int32(rapid.IntRange(-6, 2).Draw(t, label+".e"))), Valid: true}
		}
		d := reconcile.ItemDetail{Devices: rapid.SliceOf(text).Draw(t, "devices"), Codes: rapid.SliceOf(text).Draw(t, "codes"),
			Mean: num("mean"), Max: num("max"), LastYearKg: num("ly"), Sources: rapid.SliceOf(rapid.Int64()).Draw(t, "sources"),
			Notes: rapid.SliceOf(text).Draw(t, "notes"), MonitorMode: text.Draw(t, "mode")}
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := d.MarshalJSON()
		if !bytes.Equal(got, want) {
			t.Fatalf("MarshalJSON %s\njson.Marshal %s", got, want)
		}
	})
}
