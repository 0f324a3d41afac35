package pages

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

// Finance records the non-tax streams of the budget on the pages: here a
// damage case (生态环境损害赔偿) with its settlement and receipts, read into
// a budget.DamageInput, checked by budget.CheckDamageCaseAfter (the checks
// of POST /v1/budget/damage-cases) and recorded by app.RecordDamageCase.
// The inputs are named by their JSON paths, so an error's path is the
// input it belongs to.

const damageReceipts = 4 // receipt rows the form offers

type damagePage struct {
	Vals     url.Values
	By       map[string][]string
	Top      []web.Explained
	Cases    []*app.DamageCase
	Names    map[string]string
	Receipts []int
	Saved    bool
	Deleted  bool
}

func (s *Server) webDamageCases(c echo.Context) error {
	return s.renderDamage(c, http.StatusOK, &damagePage{Vals: url.Values{}})
}

func (s *Server) renderDamage(c echo.Context, status int, pg *damagePage) error {
	p, err := allowed(c, filing.ActDamageCaseRecord)
	if err != nil {
		return s.webError(c, err)
	}
	if pg.Cases, err = app.DamageCases.List(ctx(c), s.app, p, app.BudgetFilter{Region: p.Region}); err != nil {
		return s.webError(c, err)
	}
	pg.Names = s.regionNames()
	for i := 0; i < damageReceipts; i++ {
		pg.Receipts = append(pg.Receipts, i)
	}
	pg.Saved = c.QueryParam("saved") != ""
	pg.Deleted = c.QueryParam("done") == "deleted"
	return s.render(c, status, "damage", s.page(c, "生态环境损害赔偿案件", pg))
}

func (s *Server) webRecordDamageCase(c echo.Context) error {
	p, err := allowed(c, filing.ActDamageCaseRecord)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	in, by, read := damageInput(vals)
	pg := &damagePage{Vals: vals, By: by}
	// A number the form could not read is left out and said beside its
	// input; the rest is still checked, so every error shows in one pass.
	{
		rec, err := budget.CheckDamageCaseAfter(in, read, s.app.BudgetCalculators(), s.app.BudgetLimits())
		if err == nil && len(by) == 0 {
			if _, err = s.app.RecordDamageCase(ctx(c), p, app.Idem{}, rec); err == nil {
				return c.Redirect(http.StatusSeeOther, "/app/budget/damage-cases?saved=1")
			}
		}
		fix := func(e *calc.FieldError, x *web.Explained) {
			if e.Path == "claim" && e.Code == "required" {
				x.Text = "请填写协议（或判决）确定的赔偿金额。"
				e.Path = "settlement.amount"
			}
			if e.Path == "receipts" {
				x.Text = "请至少填写一笔（预计或已到账的）赔偿款。"
				e.Path = "receipts[0].amount"
			}
			financeExplain(e, x)
		}
		if err := placeErrors(err, vals, pg.By, &pg.Top, fix, func(path string) bool {
			return path == "district" || path == "case" || strings.HasPrefix(path, "receipts[") || strings.HasPrefix(path, "settlement.")
		}); err != nil {
			return s.webError(c, err)
		}
	}
	return s.renderDamage(c, http.StatusBadRequest, pg)
}

// financeExplain words the errors the finance forms share by the input
// they belong to (the last part of the path), where the general
// explanation would only say "此项".
func financeExplain(e *calc.FieldError, x *web.Explained) {
	field := e.Path
	if i := strings.LastIndex(field, "."); i >= 0 {
		field = field[i+1:]
	}
	label := map[string]string{"district": "区县的区划代码", "case": "案件名称", "payer": "缴费单位", "month": "月份", "date": "日期",
		"amount": "金额", "quantity": "计费量"}[field]
	switch {
	case label == "":
	case e.Code == "required":
		x.Text = "请填写" + label + "。"
	case e.Code == "invalid_value" && field == "month":
		x.Text = "月份应写成 2024-06 这样的格式，且在可编制预算的年度内。"
	case e.Code == "invalid_value" && field == "date":
		x.Text = "日期应写成 2024-03-15 这样的格式。"
	case e.Code == "duplicate_month":
		x.Text = "这个月份已经填过一次。"
	}
}
