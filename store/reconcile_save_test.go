package store

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/reconcile"
)

// TestResultDetailJSON: a stored result's detail is written as
// json.Marshal wrote it.
func TestResultDetailJSON(t *testing.T) {
	text := rapid.SampledFrom([]string{"", "t", "万元产值", "<&>", "q\"\\", "\u2028", "\xff", "国控 a21026"})
	num := func(t *rapid.T, label string) decimal.Decimal {
		return decimal.New(rapid.Int64Range(-1e12, 1e12).Draw(t, label), int32(rapid.IntRange(-8, 3).Draw(t, label+".e")))
	}
	rapid.Check(t, func(t *rapid.T) {
		r := &reconcile.Result{OutputUnit: text.Draw(t, "unit")}
		if rapid.Bool().Draw(t, "warned") {
			r.Warnings = rapid.SliceOf(text).Draw(t, "warnings")
		}
		for i := rapid.IntRange(0, 3).Draw(t, "n"); i > 0; i-- {
			in := reconcile.Intensity{PollutantID: text.Draw(t, "id"), Pollutant: text.Draw(t, "p"), DeclaredKg: num(t, "kg"),
				Output: num(t, "out"), Unit: text.Draw(t, "u"), Peers: rapid.IntRange(0, 50).Draw(t, "peers")}
			if rapid.Bool().Draw(t, "median") {
				in.PeerMedian = decimal.NullDecimal{Decimal: num(t, "median"), Valid: true}
			}
			r.Intensities = append(r.Intensities, in)
		}
		want, err := json.Marshal(resultDetail{Intensities: nonNil(r.Intensities), OutputUnit: r.OutputUnit, Warnings: nonNilS(r.Warnings)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := resultDetailJSON(r)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%v\n%s\n%s", err, got, want)
		}
	})
}

// TestItemRowDecimals: an item row's decimals are what
// decimal.NullDecimal.Value gives the driver.
func TestItemRowDecimals(t *testing.T) {
	rows := newItemRows(1)
	rapid.Check(t, func(t *rapid.T) {
		var d decimal.NullDecimal
		if rapid.IntRange(0, 4).Draw(t, "valid") > 0 {
			d = decimal.NullDecimal{Decimal: decimal.New(rapid.Int64().Draw(t, "c"), int32(rapid.IntRange(-20, 5).Draw(t, "e"))), Valid: true}
		}
		want, _ := d.Value()
		if got := rows.decimal(d); got != want {
			t.Fatalf("%v: %v, want %v", d, got, want)
		}
	})
}
