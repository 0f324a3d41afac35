package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
)

// permitInput is a permit as the environment bureau registers it.
type permitInput struct {
	PermitNo  string      `json:"permit_no"`
	ValidFrom filing.Date `json:"valid_from"`
	ValidTo   filing.Date `json:"valid_to"`
	Lines     []struct {
		OutletNo           string              `json:"outlet_no"`
		Pollutant          string              `json:"pollutant"`
		Standard           string              `json:"standard"`
		ConcentrationLimit decimal.NullDecimal `json:"concentration_limit"`
		AnnualLimitKg      decimal.NullDecimal `json:"annual_limit_kg"`
	} `json:"lines"`
}

func (s *Server) createPermit(c echo.Context) error {
	p, err := allowed(c, filing.ActPermitRecord)
	if err != nil {
		return err
	}
	var in permitInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	pm := exchange.Permit{PermitNo: in.PermitNo, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo}
	for _, l := range in.Lines {
		pm.Lines = append(pm.Lines, exchange.PermitLine{OutletNo: l.OutletNo, Pollutant: l.Pollutant, Standard: l.Standard,
			ConcentrationLimit: l.ConcentrationLimit, AnnualLimitKg: l.AnnualLimitKg})
	}
	r, err := s.app.RegisterPermit(ctx(c), p, idem(c, body), c.Param("code"), pm)
	return created(c, r, err)
}

func (s *Server) listPermits(c echo.Context) error {
	p, err := allowed(c, filing.ActPermitRead)
	if err != nil {
		return err
	}
	list, err := s.app.Permits(ctx(c), p, c.Param("code"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"permits": list})
}

// sampleInput is a supervisory measurement as the environment bureau
// records it.
type sampleInput struct {
	OutletNo      string              `json:"outlet_no"`
	Pollutant     string              `json:"pollutant"`
	SampledOn     filing.Date         `json:"sampled_on"`
	ReportNo      string              `json:"report_no"`
	Agency        string              `json:"agency"`
	Concentration decimal.NullDecimal `json:"concentration"`
	Flow          decimal.NullDecimal `json:"flow"`
	FlowUnit      string              `json:"flow_unit"`
}

func (s *Server) createSample(c echo.Context) error {
	p, err := allowed(c, filing.ActSampleRecord)
	if err != nil {
		return err
	}
	var in sampleInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	r, err := s.app.RecordSample(ctx(c), p, idem(c, body), c.Param("code"), exchange.Sample{OutletNo: in.OutletNo, Pollutant: in.Pollutant,
		SampledOn: in.SampledOn, ReportNo: in.ReportNo, Agency: in.Agency, Concentration: in.Concentration, Flow: in.Flow, FlowUnit: in.FlowUnit})
	return created(c, r, err)
}

func (s *Server) listSamples(c echo.Context) error {
	p, err := allowed(c, filing.ActSampleRead)
	if err != nil {
		return err
	}
	list, err := s.app.Samples(ctx(c), p, c.Param("code"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"samples": list})
}
