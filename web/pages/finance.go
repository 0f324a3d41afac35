package pages

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

// Finance records the non-tax streams of the budget on the pages: here a
// damage case (生态环境损害赔偿) with its settlement and receipts, read by
// the same decoder as POST /v1/budget/damage-cases and recorded by
// app.RecordDamageCase. The inputs are named by their JSON paths, so an
// error's path is the input it belongs to.

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

// damageJSON writes the form as the JSON the decoder reads: numbers as
// typed people type them (separators, full-width digits) made plain.
func damageJSON(vals url.Values) ([]byte, map[string][]string) {
	by := map[string][]string{}
	num := func(name string) any { return formNumber(vals, by, name) }
	body := map[string]any{"district": strings.TrimSpace(vals.Get("district")), "case": strings.TrimSpace(vals.Get("case"))}
	if a := num("settlement.amount"); a != nil || vals.Get("settlement.date") != "" {
		so := map[string]any{}
		if a != nil {
			so["amount"] = a
		}
		if d := strings.TrimSpace(vals.Get("settlement.date")); d != "" {
			so["date"] = d
		}
		body["settlement"] = so
	}
	receipts := []any{}
	for i := 0; i < damageReceipts; i++ {
		p := "receipts[" + strconv.Itoa(i) + "]."
		m, a := strings.TrimSpace(vals.Get(p+"month")), num(p+"amount")
		if m == "" && a == nil && len(by[p+"amount"]) == 0 {
			continue
		}
		r := map[string]any{"month": m, "received": vals.Get(p+"received") != ""}
		if a != nil {
			r["amount"] = a
		}
		receipts = append(receipts, r)
	}
	body["receipts"] = receipts
	out, _ := json.Marshal(body)
	return out, by
}

func (s *Server) webRecordDamageCase(c echo.Context) error {
	p, err := allowed(c, filing.ActDamageCaseRecord)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	body, by := damageJSON(vals)
	pg := &damagePage{Vals: vals, By: by}
	if len(by) == 0 {
		rec, err := budget.DecodeDamageCase(body, s.app.BudgetCalculators(), s.app.BudgetLimits())
		if err == nil {
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
		}
		if err := placeErrors(err, vals, pg.By, &pg.Top, fix, func(path string) bool {
			return strings.HasPrefix(path, "receipts[") || strings.HasPrefix(path, "settlement.")
		}); err != nil {
			return s.webError(c, err)
		}
	}
	return s.renderDamage(c, http.StatusBadRequest, pg)
}
