package pages

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

// Deleting a recorded budget input (a damage case, a settlement, a fee
// bill) takes two steps on the pages, as a person expects of an act that
// changes the budget: the link opens a page that shows what will be
// deleted and asks; only its button (a form post) deletes, through the
// application layer's Delete, which keeps the record in the audit log.

type fact struct{ Label, Value string }

type deletePage struct {
	What   string // 损害赔偿案件
	Back   string
	Action string
	Facts  []fact
	Note   string
}

// budgetKinds are the three kinds of recorded inputs, by their path.
var budgetKinds = map[string]struct {
	what, back string
	act        filing.Action
}{
	"damage-cases":    {"生态环境损害赔偿案件", "/app/budget/damage-cases", filing.ActDamageCaseRecord},
	"eco-settlements": {"生态补偿结算", "/app/budget/eco-settlements", filing.ActEcoSettlementRecord},
	"fee-bills":       {"收费清单", "/app/budget/fee-bills", filing.ActFeeBillRecord},
}

func kindOf(c echo.Context) string {
	// /app/budget/<kind>/:id/delete
	parts := strings.Split(strings.TrimPrefix(c.Path(), "/app/budget/"), "/")
	return parts[0]
}

func (s *Server) webDeleteBudgetInput(c echo.Context) error {
	k, ok := budgetKinds[kindOf(c)]
	if !ok {
		return echo.ErrNotFound
	}
	p, err := allowed(c, k.act)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	pg := &deletePage{What: k.what, Back: k.back, Action: c.Request().URL.Path}
	names := s.regionNames()
	place := func(code string) string {
		if n := names[code]; n != "" {
			return n + "（" + code + "）"
		}
		return code
	}
	switch kindOf(c) {
	case "damage-cases":
		dc, err := app.DamageCases.Get(ctx(c), s.app, p, id)
		if err != nil {
			return s.webError(c, err)
		}
		pg.Facts = []fact{{"案件", dc.Case}, {"区县", place(dc.District)}, {"赔偿金额", web.Money(dc.SettledAmount) + " 元"}}
		for _, r := range dc.Receipts {
			state := "预计"
			if r.Received {
				state = "已到账"
			}
			pg.Facts = append(pg.Facts, fact{"赔偿款 " + r.Month, web.Money(r.Amount) + " 元（" + state + "）"})
		}
	case "eco-settlements":
		st, err := app.EcoSettlements.Get(ctx(c), s.app, p, id)
		if err != nil {
			return s.webError(c, err)
		}
		titles := map[string]string{}
		for _, sc := range s.ecoSchemes() {
			titles[sc.ID] = sc.Title
		}
		r := s.settlementRow(p, st, titles, names)
		pg.Facts = []fact{{"补偿方案", r.Title}, {"年度", strconv.Itoa(st.Year)}, {"各方", strings.Join(r.Parties, "、")},
			{"补偿金额合计", st.Gross.Grouped() + " 元"}}
		for _, it := range r.Items {
			pg.Facts = append(pg.Facts, fact{"断面或交易", it})
		}
		if len(st.Pending) > 0 {
			pg.Note = "另一方尚未确认这项结算；删除后对方的待确认事项也随之撤销。"
		} else {
			pg.Note = "这项结算的各方都已计入预算；删除后各方的预算都不再包含它。"
		}
	case "fee-bills":
		fb, err := app.FeeBills.Get(ctx(c), s.app, p, id)
		if err != nil {
			return s.webError(c, err)
		}
		title, unit := fb.Schedule, ""
		for _, sc := range s.feeSchedules() {
			if sc.ID == fb.Schedule || strings.HasPrefix(fb.Schedule, sc.ID+"@") {
				title, unit = sc.Title, sc.Unit
			}
		}
		pg.Facts = []fact{{"缴费单位", fb.Payer}, {"区县", place(fb.District)}, {"收费项目", title}}
		for _, m := range fb.Months {
			pg.Facts = append(pg.Facts, fact{m.Month, m.Quantity.String() + " " + unit + "，" + m.Amount.Grouped() + " 元"})
		}
	}
	if c.Request().Method == http.MethodPost {
		var derr error
		switch kindOf(c) {
		case "damage-cases":
			derr = app.DamageCases.Delete(ctx(c), s.app, p, id)
		case "eco-settlements":
			derr = app.EcoSettlements.Delete(ctx(c), s.app, p, id)
		case "fee-bills":
			derr = app.FeeBills.Delete(ctx(c), s.app, p, id)
		}
		if derr != nil {
			return s.webError(c, derr)
		}
		return c.Redirect(http.StatusSeeOther, k.back+"?done=deleted")
	}
	return s.render(c, http.StatusOK, "confirmdelete", s.page(c, "删除"+k.what, pg))
}
