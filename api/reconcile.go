package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

type runInput struct {
	Period     string `json:"period"`
	Region     string `json:"region"`
	CreditCode string `json:"credit_code"`
}

// runView is a run with one summary per taxpayer.
type runView struct {
	Run     *store.Run   `json:"run"`
	Results []runSummary `json:"results"`
}

type runSummary struct {
	CreditCode    string       `json:"credit_code"`
	Name          string       `json:"name"`
	Status        string       `json:"status"`
	Revision      *int         `json:"revision"`
	DeclaredTax   filing.Money `json:"declared_tax"`
	MonitoredTax  filing.Money `json:"monitored_tax"`
	TaxDifference filing.Money `json:"tax_difference"`
	Items         int          `json:"items"`
	Flags         []string     `json:"flags"`
}

// officerRegion checks a region asked for against the token's: an officer
// bound to a region works inside it ("" means the token's own). It
// returns the region and its prefix.
func officerRegion(p filing.Principal, region string) (string, string, error) {
	if region != "" && !filing.ValidRegion(region) {
		return "", "", calc.Invalid([]calc.FieldError{{Path: "region", Code: "invalid_value", Message: "region must be a 6-digit GB/T 2260 code"}})
	}
	if p.Region != "" {
		if region == "" {
			region = p.Region
		}
		if !strings.HasPrefix(filing.RegionPrefix(region), filing.RegionPrefix(p.Region)) {
			return "", "", apiError(calc.KindForbidden, "region_out_of_scope", "超出令牌的行政区划", "region "+region+" is outside this token's region "+p.Region,
				calc.FieldError{Path: "region", Code: "region_out_of_scope", Message: "outside " + p.Region})
		}
	}
	prefix := ""
	if region != "" {
		prefix = filing.RegionPrefix(region)
	}
	return region, prefix, nil
}

// officersOnly refuses enterprise tokens on the listings across
// taxpayers (an enterprise reads its own reconciliation per taxpayer).
func officersOnly(c echo.Context, act filing.Action) (filing.Principal, error) {
	p, err := allowed(c, act)
	if err != nil {
		return p, err
	}
	if p.Role == filing.RoleEnterprise {
		return p, apiError(calc.KindForbidden, "forbidden", "无权执行该操作", "an enterprise token reads its own reconciliation at /v1/taxpayers/{code}/reconciliation")
	}
	return p, nil
}

// createRun runs a reconciliation (比对) of a period for a region or one
// taxpayer and stores it; its results then stand for those taxpayers.
func (s *Server) createRun(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRun)
	if err != nil {
		return err
	}
	var in runInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	per, err := parsePeriod(in.Period)
	if err != nil {
		return err
	}
	if in.CreditCode != "" {
		if msg := filing.CheckCreditCode(in.CreditCode); msg != "" {
			return calc.Invalid([]calc.FieldError{{Path: "credit_code", Code: "invalid_credit_code", Message: msg}})
		}
	}
	region, prefix, err := officerRegion(p, in.Region)
	if err != nil {
		return err
	}
	r, err := reconcile.New(s.engine, s.reconcile, per)
	if err != nil {
		return err
	}
	dl, err := s.filing.DeadlineOf(per)
	if err != nil {
		return err
	}
	sc := store.Scope{Period: per, Region: region, RegionPrefix: prefix, CreditCode: in.CreditCode, Deadline: dl.Date.Day(),
		AsOf: filing.Today(s.now()).Day()}
	if _, err := s.store.RefreshAll(c.Request().Context(), int32(r.Set.Places.Value.IntPart())); err != nil {
		return err
	}
	return s.create(c, body, func(tx *store.Tx) (*createdResult, error) {
		if in.CreditCode != "" {
			if _, err := visibleTaxpayer(tx, p, in.CreditCode); err != nil {
				return nil, err
			}
		}
		run, results, err := tx.Reconcile(r, sc, p.Actor())
		if err != nil {
			return nil, err
		}
		id := strconv.FormatInt(run.ID, 10)
		if err := s.audit(tx, c, filing.ActReconcileRun, "reconciliation", id, in.CreditCode, nil, run); err != nil {
			return nil, err
		}
		v := runView{Run: run, Results: []runSummary{}}
		for _, res := range results {
			sum := runSummary{res.CreditCode, res.Name, res.Status, res.Revision, res.DeclaredTax, res.MonitoredTax, res.TaxDifference,
				len(res.Items), []string{}}
			for _, f := range res.Flags {
				sum.Flags = append(sum.Flags, f.Code)
			}
			v.Results = append(v.Results, sum)
		}
		return &createdResult{location: "/v1/reconciliations/" + id, body: v}, nil
	})
}

func (s *Server) listRuns(c echo.Context) error {
	p, err := officersOnly(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	f := store.RunFilter{Period: c.QueryParam("period"), CreditCode: c.QueryParam("credit_code")}
	if f.Period != "" {
		if _, err := parsePeriod(f.Period); err != nil {
			return err
		}
	}
	if _, f.RegionPrefix, err = officerRegion(p, c.QueryParam("region")); err != nil {
		return err
	}
	if f.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	var list []store.Run
	if err := s.view(c, func(tx *store.Tx) error {
		list, err = tx.ListRuns(f)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"runs": list})
}

func (s *Server) getRun(c echo.Context) error {
	p, err := officersOnly(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var run *store.Run
	if err := s.view(c, func(tx *store.Tx) error {
		run, err = tx.GetRun(id)
		return err
	}); err != nil {
		return err
	}
	if p.Region != "" && (run.Region == "" || !strings.HasPrefix(filing.RegionPrefix(run.Region), filing.RegionPrefix(p.Region))) {
		return apiError(calc.KindNotFound, "run_not_found", "比对记录不存在", "no reconciliation run "+c.Param("id")+" visible to this token")
	}
	return c.JSON(http.StatusOK, run)
}

// listResults lists the standing results of a period in a region.
func (s *Server) listResults(c echo.Context) error {
	p, err := officersOnly(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	per, err := parsePeriod(c.QueryParam("period"))
	if err != nil {
		return err
	}
	f := store.ResultFilter{Period: per.Text, CreditCode: c.QueryParam("credit_code")}
	if _, f.RegionPrefix, err = officerRegion(p, c.QueryParam("region")); err != nil {
		return err
	}
	if f.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	if f.Offset, err = queryInt(c, "offset", 0, 0, 1<<30); err != nil {
		return err
	}
	var list []store.StoredResult
	if err := s.view(c, func(tx *store.Tx) error {
		list, err = tx.CurrentResults(f)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"results": list})
}

// listFlags lists the standing risk flags (风险疑点) of a period in a
// region, each addressed by credit code, period, outlet, pollutant, month
// and code.
func (s *Server) listFlags(c echo.Context) error {
	p, err := officersOnly(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	per, err := parsePeriod(c.QueryParam("period"))
	if err != nil {
		return err
	}
	f := store.FlagFilter{Period: per.Text, CreditCode: c.QueryParam("credit_code"), Code: c.QueryParam("code")}
	if f.Code != "" {
		if _, ok := reconcile.FlagRules[f.Code]; !ok {
			return calc.Invalid([]calc.FieldError{{Path: "code", Code: "invalid_value", Message: "unknown flag code " + f.Code}})
		}
	}
	if _, f.RegionPrefix, err = officerRegion(p, c.QueryParam("region")); err != nil {
		return err
	}
	var list []store.StoredFlag
	if err := s.view(c, func(tx *store.Tx) error {
		list, err = tx.ListFlags(f)
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"flags": list})
}

// taxpayerReconciliation is one taxpayer's standing reconciliation of a
// period: the result, every item and every flag. An enterprise reads its
// own; an officer those of its region.
func (s *Server) taxpayerReconciliation(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	per, err := parsePeriod(c.QueryParam("period"))
	if err != nil {
		return err
	}
	code := c.Param("code")
	var out struct {
		Result *store.StoredResult `json:"result"`
		Items  []store.StoredItem  `json:"items"`
		Flags  []store.StoredFlag  `json:"flags"`
	}
	if err := s.view(c, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		rs, err := tx.CurrentResults(store.ResultFilter{Period: per.Text, CreditCode: code})
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return apiError(calc.KindNotFound, "not_reconciled", "尚未比对", "no reconciliation of "+code+" for "+per.Text)
		}
		out.Result = &rs[0]
		if out.Items, err = tx.CurrentItems(code, per.Text); err != nil {
			return err
		}
		out.Flags, err = tx.ListFlags(store.FlagFilter{Period: per.Text, CreditCode: code})
		return err
	}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
