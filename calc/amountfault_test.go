package calc

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestAmountFaultAtTheLimit: Validate and ParseAmount agree on the values
// around 1e15 and 12 decimals, where a float digit count once let
// 1000000000000001 through.
func TestAmountFaultAtTheLimit(t *testing.T) {
	for k := int32(0); k <= 14; k++ {
		for _, c := range []int64{999999999999999, 1000000000000000, 1000000000000001, 1000000000000002, 1999999999999999} {
			d := decimal.New(c, -k)
			_, msg := ParseAmount(d.String())
			if got := amountFault(d); (got == "") != (msg == "") {
				t.Errorf("%s: Validate says %q, ParseAmount %q", d, got, msg)
			}
		}
	}
}
