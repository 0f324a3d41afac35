package api

import (
	"net/http"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
)

// Reconciliation runs, standing results and risk flags (app/reconcile.go).

type runInput struct {
	Period     string `json:"period"`
	Region     string `json:"region"`
	CreditCode string `json:"credit_code"`
}

// officersOnly refuses enterprise tokens on the listings across
// taxpayers (an enterprise reads its own reconciliation per taxpayer),
// early, as the operations do.
func officersOnly(c echo.Context, act filing.Action) (filing.Principal, error) {
	p, err := allowed(c, act)
	if err != nil {
		return p, err
	}
	if p.Role == filing.RoleEnterprise {
		return p, apiError(app.KindForbidden, "forbidden", "无权执行该操作", "an enterprise token reads its own reconciliation at /v1/taxpayers/{code}/reconciliation")
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
	r, err := s.app.RunReconciliation(ctx(c), p, idem(c, body), app.RunRequest{Period: in.Period, Region: in.Region, CreditCode: in.CreditCode})
	return created(c, r, err)
}

// startRunJob hands a reconciliation to a background job (a region too
// large for one request): 202 with the job, whose Location gives its
// progress and, once done, the run.
func (s *Server) startRunJob(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRun)
	if err != nil {
		return err
	}
	var in runInput
	body, err := s.decodeBody(c, &in)
	if err != nil {
		return err
	}
	j, err := s.app.StartReconciliation(ctx(c), p, idem(c, body), app.RunRequest{Period: in.Period, Region: in.Region, CreditCode: in.CreditCode})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/reconciliation-jobs/"+j.ID)
	return c.JSON(http.StatusAccepted, j)
}

// getRunJob reads a background reconciliation: status, progress, the
// run once done (GET /v1/reconciliations/{run_id}).
func (s *Server) getRunJob(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRun)
	if err != nil {
		return err
	}
	j, err := s.app.ReconciliationJob(ctx(c), p, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, j)
}

func (s *Server) listRuns(c echo.Context) error {
	p, err := officersOnly(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	f := app.RunFilter{Period: c.QueryParam("period"), CreditCode: c.QueryParam("credit_code")}
	if f.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	list, err := s.app.Runs(ctx(c), p, f, c.QueryParam("region"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"runs": list})
}

func (s *Server) getRun(c echo.Context) error {
	p, err := officersOnly(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return err
	}
	run, err := s.app.Run(ctx(c), p, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, run)
}

// listResults lists the standing results of a period in a region.
func (s *Server) listResults(c echo.Context) error {
	p, err := officersOnly(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	f := app.ResultFilter{Period: c.QueryParam("period"), CreditCode: c.QueryParam("credit_code")}
	if f.Limit, err = queryInt(c, "limit", 100, 1, 1000); err != nil {
		return err
	}
	if f.Offset, err = queryInt(c, "offset", 0, 0, 1<<30); err != nil {
		return err
	}
	list, err := s.app.Results(ctx(c), p, f, c.QueryParam("region"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"results": list})
}

// listFlags lists the standing risk flags (风险疑点) of a period in a
// region.
func (s *Server) listFlags(c echo.Context) error {
	p, err := officersOnly(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	f := app.FlagFilter{Period: c.QueryParam("period"), CreditCode: c.QueryParam("credit_code"), Code: c.QueryParam("code")}
	list, err := s.app.Flags(ctx(c), p, f, c.QueryParam("region"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"flags": list})
}

// taxpayerReconciliation is one taxpayer's standing reconciliation of a
// period: the result, every item and every flag.
func (s *Server) taxpayerReconciliation(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRead)
	if err != nil {
		return err
	}
	out, err := s.app.Reconciliation(ctx(c), p, c.Param("code"), c.QueryParam("period"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}
