package damage

// SetListing is a parameter set with its rows, as GET
// /v1/damage/parameter-sets and `ecotax damage list` show them.
type SetListing struct {
	SetInfo
	Multipliers  []RangeListing `json:"multipliers"`
	Coefficients []RangeListing `json:"coefficients"`
}

// RangeListing is one multiplier range or coefficient row of a set.
type RangeListing struct {
	Medium        string `json:"medium"`
	Key           string `json:"key"` // function class, or coefficient name and κ band
	Value         string `json:"value"`
	Known         bool   `json:"known"` // false: the method has the class but its range was never confirmed (rejected)
	Verification  string `json:"verification"`
	Verified      bool   `json:"verified"`
	EffectiveFrom string `json:"effective_from"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Source        string `json:"source"`
	Where         string `json:"where"`
}

// Listing lists every set with its multiplier ranges and coefficients, in
// the order of the files.
func (p *Params) Listing() []SetListing {
	sets := []SetListing{}
	for i := range p.Sets {
		set := &p.Sets[i]
		l := SetListing{SetInfo: set.Info(), Multipliers: []RangeListing{}, Coefficients: []RangeListing{}}
		for j := range p.Multipliers {
			m := &p.Multipliers[j]
			if m.Set == set.ID {
				l.Multipliers = append(l.Multipliers, RangeListing{Medium: m.Medium, Key: m.Class, Value: m.Text(), Known: m.Known,
					Verification: m.Verification, Verified: m.Verified, EffectiveFrom: m.From.String(), EffectiveTo: m.To.String(),
					Source: m.Source, Where: m.Where()})
			}
		}
		for j := range p.Coefficients {
			co := &p.Coefficients[j]
			if co.Set != set.ID {
				continue
			}
			key, val := co.Name, co.Low.String()+"–"+co.High.String()
			if co.Name == CoefTau {
				lo, hi := co.band()
				key, val = "tau κ∈("+lo+","+hi+"]", co.Low.String()
			}
			l.Coefficients = append(l.Coefficients, RangeListing{Medium: co.Medium, Key: key, Value: val, Known: true,
				Verification: co.Verification, Verified: co.Verified, EffectiveFrom: co.From.String(), EffectiveTo: co.To.String(),
				Source: co.Source, Where: co.Where()})
		}
		sets = append(sets, l)
	}
	return sets
}

// band is a τ row's κ band (lo, hi] as text; an open end is −∞ or +∞.
func (c *Coefficient) band() (lo, hi string) {
	lo, hi = "−∞", "+∞"
	if c.KappaAbove.Valid {
		lo = c.KappaAbove.Decimal.String()
	}
	if c.KappaTo.Valid {
		hi = c.KappaTo.Decimal.String()
	}
	return lo, hi
}
