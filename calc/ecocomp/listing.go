package ecocomp

import "github.com/ecotax/ecotax/calc/param"

// SchemeListing is a scheme with its rules, as GET /v1/ecocomp/schemes and
// `ecotax ecocomp list` show them.
type SchemeListing struct {
	SchemeInfo
	Rules []RuleListing `json:"rules"`
}

// RuleListing is one rule of a scheme.
type RuleListing struct {
	Target        string `json:"target"`
	Trend         string `json:"trend"`
	Payer         string `json:"payer"`
	Amount        string `json:"amount"` // 元, written as param.Money
	Basis         string `json:"basis"`
	Note          string `json:"note,omitempty"`
	EffectiveFrom string `json:"effective_from"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Source        string `json:"source"`
	Verification  string `json:"verification"`
	Verified      bool   `json:"verified"`
	Where         string `json:"where"`
}

// Listing lists every scheme with its rules, in the order of the files.
func (c *Catalog) Listing() []SchemeListing {
	out := []SchemeListing{}
	for i := range c.Schemes {
		sc := &c.Schemes[i]
		l := SchemeListing{SchemeInfo: sc.Info(), Rules: []RuleListing{}}
		for _, r := range c.RulesOf(sc.ID) {
			l.Rules = append(l.Rules, RuleListing{Target: r.Target, Trend: r.Trend, Payer: r.Payer, Amount: param.MoneyText(r.Amount),
				Basis: r.Basis, Note: r.Note, EffectiveFrom: r.From.String(), EffectiveTo: r.To.String(), Source: r.Source,
				Verification: r.Verification, Verified: r.Verified, Where: r.Where()})
		}
		out = append(out, l)
	}
	return out
}
