package filing

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// Every field of a figure has its name in the table, and nothing else
// does: a field added to Figure without a line here fails.
func TestFigureFieldTableCoversTheStruct(t *testing.T) {
	tags := map[string]bool{}
	ft := reflect.TypeOf(Figure{})
	for i := 0; i < ft.NumField(); i++ {
		name, _, _ := strings.Cut(ft.Field(i).Tag.Get("json"), ",")
		if name != "source_id" && name != "month" {
			tags[name] = true
		}
	}
	table := map[string]bool{}
	for n := range figureDecimals {
		table[n] = true
	}
	for n := range figureDays {
		table[n] = true
	}
	if !reflect.DeepEqual(tags, table) {
		t.Fatalf("struct fields %v, table %v", tags, table)
	}
}

// Values is what the figure's JSON holds, field by field, as text; and
// SetField of each value gives the figure back.
func TestFigureValuesAreItsJSON(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var f Figure
		f.SourceID, f.Month = 7, "2024-03"
		for name := range figureDecimals {
			if rapid.Bool().Draw(t, name) {
				f.SetField(name, decimal.New(rapid.Int64Range(0, 1e12).Draw(t, name+".c"), -int32(rapid.IntRange(0, 6).Draw(t, name+".e"))))
			}
		}
		for name := range figureDays {
			if rapid.Bool().Draw(t, name) {
				f.SetField(name, decimal.NewFromInt(int64(rapid.IntRange(0, 31).Draw(t, name+".n"))))
			}
		}
		raw, err := json.Marshal(&f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for k, v := range m {
			if k == "source_id" || k == "month" || string(v) == "null" {
				continue
			}
			var s string
			if json.Unmarshal(v, &s) != nil {
				s = string(v)
			}
			want[k] = s
		}
		got := f.Values()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Values %v, JSON %v", got, want)
		}
		back := Figure{SourceID: 7, Month: "2024-03"}
		for k, v := range got {
			if !back.SetField(k, decimal.RequireFromString(v)) {
				t.Fatalf("SetField(%s, %s) refused", k, v)
			}
		}
		if !reflect.DeepEqual(back.Values(), got) {
			t.Fatalf("set back %v, want %v", back.Values(), got)
		}
	})
	var f Figure
	if f.SetField("nonsense", decimal.Zero) || f.SetField("day_exceed_days", decimal.RequireFromString("1.5")) {
		t.Fatal("SetField took a field a figure does not have, or half a day")
	}
}
