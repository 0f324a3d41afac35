package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/filing"
)

// Damage compensation (生态环境损害赔偿) claims are government work: the
// calculator needs a tax_officer, env_officer, finance or admin token. The
// parameter sets are law as data and public.

type damageSetListing struct {
	damage.SetInfo
	Multipliers  []damageRangeListing `json:"multipliers"`
	Coefficients []damageRangeListing `json:"coefficients"`
}

type damageRangeListing struct {
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

func (s *Server) listDamageParameterSets(c echo.Context) error {
	p := s.damage
	sets := []damageSetListing{}
	for i := range p.Sets {
		set := &p.Sets[i]
		l := damageSetListing{SetInfo: set.Info(), Multipliers: []damageRangeListing{}, Coefficients: []damageRangeListing{}}
		for j := range p.Multipliers {
			m := &p.Multipliers[j]
			if m.Set == set.ID {
				l.Multipliers = append(l.Multipliers, damageRangeListing{Medium: m.Medium, Key: m.Class, Value: m.Text(), Known: m.Known,
					Verification: m.Verification, Verified: m.Verified, EffectiveFrom: m.From.String(), EffectiveTo: m.To.String(),
					Source: m.Source, Where: m.Where()})
			}
		}
		for _, co := range p.Coefficients {
			if co.Set != set.ID {
				continue
			}
			key, val := co.Name, co.Low.String()+"–"+co.High.String()
			if co.Name == damage.CoefTau {
				lo, hi := "−∞", "+∞"
				if co.KappaAbove.Valid {
					lo = co.KappaAbove.Decimal.String()
				}
				if co.KappaTo.Valid {
					hi = co.KappaTo.Decimal.String()
				}
				key, val = "tau κ∈("+lo+","+hi+"]", co.Low.String()
			}
			l.Coefficients = append(l.Coefficients, damageRangeListing{Medium: co.Medium, Key: key, Value: val, Known: true,
				Verification: co.Verification, Verified: co.Verified, EffectiveFrom: co.From.String(), EffectiveTo: co.To.String(),
				Source: co.Source, Where: co.Where()})
		}
		sets = append(sets, l)
	}
	return c.JSON(http.StatusOK, map[string]any{"parameter_sets": sets, "categories": damage.Categories})
}

// calculateDamage quantifies a claim (docs/damage.md) with its trace;
// nothing is stored. A multiplier outside its range, an unconfirmed class
// or an unknown field is a 400 naming the field.
func (s *Server) calculateDamage(c echo.Context) error {
	if _, err := allowed(c, filing.ActCompensationCompute); err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	req, err := damage.DecodeRequest(body)
	if err != nil {
		return err
	}
	res, err := damage.Calc(s.damage, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
