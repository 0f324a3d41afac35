package calc_test

import (
	"testing"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
)

// FuzzNumberPolicy (issue 11, item 7): the decoders share one numeric
// limit: whatever any of them accepts is within jsonin.WithinLimits, and a
// quantity (param.ParseQuantity) or a plain decimal (jsonin.PlainDecimal)
// that is non-negative reads the same as the tax contract reads it.
func FuzzNumberPolicy(f *testing.F) {
	for _, s := range []string{"0", "1.5", "1e15", "1E-10000000", "123456789012345678901234567890", "-0", "0.000000000001", "1000000000000000", "1.0000000000000", "-7.25"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, msg := calc.ParseAmount(s)
		if msg == "" {
			if err := jsonin.WithinLimits(s, a); err != nil {
				t.Fatalf("ParseAmount(%q) = %s beyond the policy: %v", s, a, err)
			}
		}
		if q, err := param.ParseQuantity(s); err == nil {
			if err := jsonin.WithinLimits(s, q); err != nil {
				t.Fatalf("ParseQuantity(%q) = %s beyond the policy: %v", s, q, err)
			}
			if msg != "" || !a.Equal(q) {
				t.Fatalf("ParseQuantity(%q) = %s, the contract says %s %q", s, q, a, msg)
			}
		}
		if d, err := jsonin.PlainDecimal(s); err == nil {
			if err := jsonin.WithinLimits(s, d); err != nil {
				t.Fatalf("PlainDecimal(%q) = %s beyond the policy: %v", s, d, err)
			}
			if d.Sign() >= 0 && (msg != "" || !a.Equal(d)) {
				t.Fatalf("PlainDecimal(%q) = %s, the contract says %s %q", s, d, a, msg)
			}
		}
	})
}
