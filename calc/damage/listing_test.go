package damage_test

import (
	"strings"
	"testing"
)

// The listing shows every row of every set once, under its set, and a τ
// row by its κ band.
func TestListing(t *testing.T) {
	p := loadParams(t)
	sets := p.Listing()
	if len(sets) != len(p.Sets) {
		t.Fatalf("%d sets listed, %d loaded", len(sets), len(p.Sets))
	}
	rows, tau := 0, 0
	for i, s := range sets {
		if s.ID != p.Sets[i].ID || s.Multipliers == nil || s.Coefficients == nil {
			t.Errorf("set %d: %+v", i, s.SetInfo)
		}
		rows += len(s.Multipliers) + len(s.Coefficients)
		for _, c := range s.Coefficients {
			if strings.HasPrefix(c.Key, "tau ") {
				tau++
				if !strings.HasPrefix(c.Key, "tau κ∈(") || !strings.HasSuffix(c.Key, "]") || !c.Known {
					t.Errorf("τ row %+v", c)
				}
			}
		}
	}
	if rows != len(p.Multipliers)+len(p.Coefficients) || tau == 0 {
		t.Errorf("%d rows listed (%d τ), %d loaded", rows, tau, len(p.Multipliers)+len(p.Coefficients))
	}
}
