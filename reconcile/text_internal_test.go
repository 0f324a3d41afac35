package reconcile

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func genText(t *rapid.T, label string) string {
	return rapid.SampledFrom([]string{"MN0001", "a21026", "二氧化硫 note", "<&>", "q\"\\", "\u2028", "\xff", "", "t"}).Draw(t, label)
}

func genNullDecimal(t *rapid.T, label string) decimal.NullDecimal {
	if rapid.Bool().Draw(t, label+".null") {
		return decimal.NullDecimal{}
	}
	return decimal.NullDecimal{Decimal: genAnyDecimal(t, label), Valid: true}
}

// TestMarshalJSON: the hand-written MarshalJSON of ItemDetail and
// Intensity give the bytes json.Marshal gives for them (what a stored
// run held before), whatever the strings and numbers.
func TestMarshalJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.Custom(func(t *rapid.T) string { return genText(t, "s") })
		d := ItemDetail{Devices: rapid.SliceOf(text).Draw(t, "devices"), Codes: rapid.SliceOf(text).Draw(t, "codes"),
			Mean: genNullDecimal(t, "mean"), Max: genNullDecimal(t, "max"), LastYearKg: genNullDecimal(t, "ly"),
			Sources: rapid.SliceOf(rapid.Int64()).Draw(t, "sources"), Notes: rapid.SliceOf(text).Draw(t, "notes"), MonitorMode: genText(t, "mode")}
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := d.MarshalJSON(); !bytes.Equal(got, want) {
			t.Fatalf("ItemDetail.MarshalJSON %s\njson.Marshal %s", got, want)
		}
		in := Intensity{PollutantID: genText(t, "id"), Pollutant: genText(t, "p"), DeclaredKg: genAnyDecimal(t, "kg"),
			Output: genAnyDecimal(t, "out"), Unit: genText(t, "unit"), Peers: rapid.IntRange(-1, 100000).Draw(t, "peers"),
			PeerMedian: genNullDecimal(t, "median"), Value: genNullDecimal(t, "value")}
		type plain Intensity // no MarshalJSON: what encoding/json writes
		want, _ = json.Marshal(plain(in))
		if got, _ := in.MarshalJSON(); !bytes.Equal(got, want) {
			t.Fatalf("Intensity.MarshalJSON %s\njson.Marshal %s", got, want)
		}
		if got, _ := json.Marshal([]Intensity{in}); !bytes.Equal(got, append(append([]byte{'['}, want...), ']')) {
			t.Fatalf("in a slice: %s", got)
		}
	})
}
