package store

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/ecotax/ecotax/filing"
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

// TestItemRowDecimals: an item row's values are what the item's own
// Value and MarshalJSON give the driver (decimals as
// decimal.NullDecimal.Value, integers as int64), on both kinds of row.
func TestItemRowDecimals(t *testing.T) {
	for _, shared := range []bool{true, false} {
		rows := newItemRows(1, shared)
		rapid.Check(t, func(t *rapid.T) {
			nd := func(label string) decimal.NullDecimal {
				if rapid.IntRange(0, 4).Draw(t, label+".valid") == 0 {
					return decimal.NullDecimal{}
				}
				return decimal.NullDecimal{Decimal: decimal.New(rapid.Int64().Draw(t, label), int32(rapid.IntRange(-20, 5).Draw(t, label+".e"))), Valid: true}
			}
			it := &reconcile.Item{CreditCode: "c", Period: "2024-Q1", Month: "2024-01", OutletNo: "DA001", Pollutant: "二氧化硫",
				PollutantID: "air-1", Kind: "air", SourceID: 7, DeclaredKg: nd("d"), MonitoredKg: nd("m"), DifferenceKg: nd("x"),
				DeclaredTax: filing.Money{NullDecimal: nd("dt")}, MonitoredTax: filing.Money{NullDecimal: nd("mt")}, Completeness: nd("c"),
				ValidUnits: rapid.IntRange(0, 744).Draw(t, "v"), Units: 744, Excluded: 3, Basis: "hour", Status: "match",
				Detail: reconcile.ItemDetail{Devices: []string{"MN1"}, Mean: nd("mean"), Notes: rapid.SliceOf(rapid.SampledFrom([]string{"a", "<&>", "\u2028"})).Draw(t, "notes")}}
			det, _ := json.Marshal(it.Detail)
			var want []any
			want = append(want, int64(1), it.CreditCode, it.Period, it.Month, it.OutletNo, it.Pollutant, it.PollutantID, it.Kind, it.SourceID)
			for _, d := range []decimal.NullDecimal{it.DeclaredKg, it.MonitoredKg, it.DifferenceKg, it.DeclaredTax.NullDecimal, it.MonitoredTax.NullDecimal, it.Completeness} {
				v, _ := d.Value()
				want = append(want, v)
			}
			want = append(want, int64(it.ValidUnits), int64(it.Units), int64(it.Excluded), it.Basis, it.Status, string(det))
			got := rows.row(it)
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("column %s: %#v, want %#v", itemCols[i], got[i], want[i])
				}
			}
		})
	}
}
