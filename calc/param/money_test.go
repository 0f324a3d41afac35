package param

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestMoneyText(t *testing.T) {
	for in, want := range map[string]string{
		"14416776": "14416776.00", "0": "0.00", "-7000000": "-7000000.00", "999.5": "999.50",
		"1.230": "1.23", "1234.567": "1234.567", "0.001": "0.001", "-0.5": "-0.50", "12.3400": "12.34",
	} {
		m := MoneyOf(decimal.RequireFromString(in))
		if got := m.String(); got != want {
			t.Errorf("%s: String = %s, want %s", in, got, want)
		}
		b, err := json.Marshal(m)
		if err != nil || string(b) != `"`+want+`"` {
			t.Errorf("%s: JSON = %s (%v), want %q", in, b, err, want)
		}
		b, err = m.MarshalText()
		if err != nil || string(b) != want {
			t.Errorf("%s: text = %s (%v), want %s", in, b, err, want)
		}
	}
	var n NullMoney
	if b, _ := json.Marshal(n); string(b) != "null" || n.String() != "" {
		t.Errorf("absent NullMoney = %s / %q", b, n.String())
	}
	if b, _ := json.Marshal(NullMoneyOf(decimal.NewFromInt(5))); string(b) != `"5.00"` {
		t.Errorf("NullMoney 5 = %s", b)
	}
	var s struct {
		A Money     `json:"a"`
		B *Money    `json:"b,omitempty"`
		C NullMoney `json:"c"`
	}
	s.A, s.B = MoneyOf(decimal.NewFromInt(3)), MoneyPtr(decimal.RequireFromString("0.1"))
	if b, _ := json.Marshal(s); string(b) != `{"a":"3.00","b":"0.10","c":null}` {
		t.Errorf("struct = %s", b)
	}
}

func TestGrouped(t *testing.T) {
	for in, want := range map[string]string{"1234567.80": "1,234,567.80", "-1000": "-1,000", "999": "999", "12.5": "12.5", "abc": "abc", "": "", "-": "-", "1.2.3": "1.2.3"} {
		if got := GroupDigits(in); got != want {
			t.Errorf("GroupDigits(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"14416776": "14,416,776.00", "0": "0.00", "-7000000": "-7,000,000.00", "999.5": "999.50", "1234.567": "1,234.567", "100": "100.00", "14416776.5": "14,416,776.50"} {
		if got := MoneyOf(decimal.RequireFromString(in)).Grouped(); got != want {
			t.Errorf("Grouped(%s) = %s, want %s", in, got, want)
		}
	}
}

// Writing and reading an amount gives it back exactly, and the text has at
// least two decimals: writing never rounds.
func TestMoneyRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := decimal.New(rapid.Int64().Draw(t, "coef"), int32(rapid.IntRange(-8, 4).Draw(t, "exp")))
		b, err := json.Marshal(MoneyOf(d))
		if err != nil {
			t.Fatal(err)
		}
		var back Money
		if err := json.Unmarshal(b, &back); err != nil || !back.Equal(d) {
			t.Fatalf("%s → %s → %s (%v)", d, b, back, err)
		}
		var nb NullMoney
		if err := json.Unmarshal(b, &nb); err != nil || !nb.Valid || !nb.Decimal.Equal(d) {
			t.Fatalf("NullMoney %s → %s (%v)", b, nb, err)
		}
		s := back.String()
		dot := -1
		for i := range s {
			if s[i] == '.' {
				dot = i
			}
		}
		if dot < 0 || len(s)-dot-1 < 2 {
			t.Fatalf("%s written %s: fewer than two decimals", d, s)
		}
	})
}
