package ecocomp_test

import (
	"strings"
	"testing"
)

// The listing shows every scheme with exactly its rules.
func TestListing(t *testing.T) {
	c := loadCatalog(t)
	l := c.Listing()
	if len(l) != len(c.Schemes) {
		t.Fatalf("%d schemes listed, %d loaded", len(l), len(c.Schemes))
	}
	rules := 0
	for i, s := range l {
		if s.ID != c.Schemes[i].ID || len(s.Rules) != len(c.RulesOf(s.ID)) || len(s.Rules) == 0 {
			t.Errorf("scheme %s: %d rules", s.ID, len(s.Rules))
		}
		rules += len(s.Rules)
		for _, r := range s.Rules {
			if i := strings.IndexByte(r.Amount, '.'); i < 0 || len(r.Amount)-i-1 != 2 {
				t.Errorf("scheme %s: rule amount %q is not written as money", s.ID, r.Amount)
			}
		}
	}
	if rules != len(c.Rules) {
		t.Errorf("%d rules listed, %d loaded", rules, len(c.Rules))
	}
}
