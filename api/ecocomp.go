package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/filing"
)

// Horizontal ecological compensation (横向生态保护补偿) settlements are
// between governments: the calculator needs a tax_officer, env_officer,
// finance or admin token. The schemes are law as data and public.

type ecoSchemeListing struct {
	ecocomp.SchemeInfo
	Rules []ecoRuleListing `json:"rules"`
}

type ecoRuleListing struct {
	Target        string `json:"target"`
	Trend         string `json:"trend"`
	Payer         string `json:"payer"`
	Amount        string `json:"amount"`
	Basis         string `json:"basis"`
	Note          string `json:"note,omitempty"`
	EffectiveFrom string `json:"effective_from"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Source        string `json:"source"`
	Verification  string `json:"verification"`
	Verified      bool   `json:"verified"`
	Where         string `json:"where"`
}

func (s *Server) listEcoSchemes(c echo.Context) error {
	out := []ecoSchemeListing{}
	for i := range s.ecocomp.Schemes {
		sc := &s.ecocomp.Schemes[i]
		l := ecoSchemeListing{SchemeInfo: sc.Info(), Rules: []ecoRuleListing{}}
		for _, r := range s.ecocomp.RulesOf(sc.ID) {
			l.Rules = append(l.Rules, ecoRuleListing{Target: r.Target, Trend: r.Trend, Payer: r.Payer, Amount: r.Amount.String(),
				Basis: r.Basis, Note: r.Note, EffectiveFrom: r.From.String(), EffectiveTo: r.To.String(), Source: r.Source,
				Verification: r.Verification, Verified: r.Verified, Where: r.Where()})
		}
		out = append(out, l)
	}
	return c.JSON(http.StatusOK, map[string]any{"schemes": out, "water_classes": ecocomp.ClassNames()})
}

// calculateEcoSettlement settles a year (docs/ecocomp.md) with its trace;
// nothing is stored. An unknown water class is a 400 naming its path.
func (s *Server) calculateEcoSettlement(c echo.Context) error {
	if _, err := allowed(c, filing.ActCompensationCompute); err != nil {
		return err
	}
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	req, err := ecocomp.DecodeRequest(body)
	if err != nil {
		return err
	}
	res, err := ecocomp.Settle(s.ecocomp, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
