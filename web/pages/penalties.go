package pages

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/web"
)

// The environment bureau's penalty records on pages (环境违法和受行政处罚
// 情况, 环境保护税法 第十五条第二款): for the period of a violation the
// outlet's named pollutants are taxed on their 产生量 (实施条例 第六条、
// 第七条), so each record names the decision, the case, the outlet, the
// period, the pollutants and, for air and water, the 产生量 of each month.
// Recorded as the permits are (errors beside the inputs, entries kept, a
// confirmation step); a record is never edited, only revised by a later
// one that supersedes it. The declarations the period touches are listed
// with it. app.RecordPenalty and app.Penalties do the work.

const penaltyRows = 6 // pollutant × month rows of 产生量 the form offers

// penaltyPage is a taxpayer's penalty records and the form.
type penaltyPage struct {
	registerPage
	Records  []penaltyRow
	Cases    []web.Option // the cases in force, by their reason
	Rows     []int
	Revising *penaltyRow // the record a revision replaces
}

// penaltyRow is one record as listed.
type penaltyRow struct {
	*app.PenaltyView
	Case   string // the case's reason
	Active bool
}

// penaltyLabel names the form's inputs for the errors.
var penaltyLabel = map[string]string{
	"case_no": "处罚决定书文号", "case_code": "违法情形", "outlet_no": "排放口编号", "period_from": "违法期间起",
	"period_to": "违法期间止", "decided_on": "处罚决定日期", "pollutants": "涉及的污染物", "note": "备注",
	"pollutant": "污染物", "month": "月份", "generated_kg": "产生量",
}

// penaltyText writes a penalty record's field error in plain Chinese.
func penaltyText(e calc.FieldError) string {
	field := e.Path
	if i := strings.LastIndex(field, "."); i >= 0 {
		field = field[i+1:]
	}
	if strings.HasPrefix(field, "pollutants[") {
		field = "pollutants"
	}
	label := penaltyLabel[field]
	if label == "" {
		label = "此项"
	}
	switch {
	case e.Code == "penalty_exists" || (field == "replaces_id" && e.Code == "required"):
		return "这份处罚决定已就该排放口登记过：要改，请在列表中点该记录的“更正”。"
	case field == "replaces_id":
		return "要更正的记录不存在或不是这份处罚决定的，请从列表中点“更正”。"
	case e.Code == "required" && field == "pollutants":
		return "至少填写一种涉及的污染物（固体废物填废物名称）。"
	case e.Code == "required":
		return label + "必须填写。"
	case e.Code == "unknown_outlet":
		return "该纳税人没有这个排放口的税源。"
	case e.Code == "unknown_pollutant":
		return "这个排放口在违法期间没有该污染物的税源。"
	case e.Code == "not_applicable":
		return "这种违法情形不适用于该污染物（固体废物的产生量按申报的产生量计，不在此填写）。"
	case e.Code == "duplicate":
		return label + "重复填写了。"
	case e.Code == "invalid_number":
		return label + "不能为负数。"
	case field == "period_to" && e.Code == "invalid_value":
		return "违法期间止不能早于违法期间起。"
	case field == "period_from" && e.Code == "invalid_value":
		return "环境保护税自 2018 年 1 月 1 日起征收，违法期间不能早于这一天。"
	case field == "case_code" && e.Code == "invalid_value":
		return "这种违法情形在处罚决定日期尚未施行，请核对决定日期或违法情形。"
	case field == "month" && e.Code == "invalid_value":
		return "月份应在违法期间内，按 2024-01 的格式填写。"
	case field == "pollutant" && e.Code == "invalid_value":
		return "产生量的污染物应是上面填写的涉及污染物之一。"
	case e.Code == "invalid_value":
		return label + "最多 200 个字，不能含换行等控制字符。"
	}
	return web.Explain(e, nil).Text
}

func (s *Server) webPenalties(c echo.Context) error {
	p, err := allowed(c, filing.ActPenaltyRead)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &penaltyPage{registerPage: registerPage{Code: strings.TrimSpace(c.QueryParam("taxpayer")), Saved: c.QueryParam("saved") == "1"}}
	revise := strings.TrimSpace(c.QueryParam("revise"))
	return s.renderPenalties(c, p, http.StatusOK, pg, revise)
}

// renderPenalties lists the records; revise names a record whose revision
// the form starts from (its values, unless the form sent others back).
func (s *Server) renderPenalties(c echo.Context, p filing.Principal, status int, pg *penaltyPage, revise string) error {
	pg.CanRecord = p.Can(filing.ActPenaltyRecord)
	pg.Rows = rows(penaltyRows)
	if err := s.fillRegister(c, p, &pg.registerPage); err != nil {
		return s.webError(c, err)
	}
	reasons := map[string]string{}
	for _, k := range s.app.Tables().Engine.Tables().Penalties {
		if reasons[k.Code] == "" {
			reasons[k.Code] = k.Reason
			pg.Cases = append(pg.Cases, web.Option{Value: k.Code, Label: k.Reason})
		}
	}
	if pg.Code == "" {
		return s.render(c, status, "penalties", s.page(c, "环境违法和处罚记录", pg))
	}
	list, err := s.app.Penalties(ctx(c), p, pg.Code)
	if err != nil {
		return s.webError(c, err)
	}
	for i := len(list) - 1; i >= 0; i-- { // newest first
		v := list[i]
		pg.Records = append(pg.Records, penaltyRow{PenaltyView: v, Case: reasons[v.CaseCode], Active: v.Status == exchange.PenaltyActive})
	}
	if revise == "" {
		revise = pg.Get("replaces_id")
	}
	for i := range pg.Records {
		r := &pg.Records[i]
		if revise == "" || strconv.FormatInt(r.ID, 10) != revise {
			continue
		}
		pg.Revising = r
		if len(pg.Vals) == 0 { // a fresh revision starts from the record
			pg.Vals.Set("replaces_id", revise)
			for k, v := range map[string]string{"case_no": r.CaseNo, "case_code": r.CaseCode, "outlet_no": r.OutletNo,
				"period_from": string(r.PeriodFrom), "period_to": string(r.PeriodTo), "decided_on": string(r.DecidedOn),
				"note": r.Note, "pollutants": strings.Join(r.Pollutants, "、")} {
				pg.Vals.Set(k, v)
			}
			for j, g := range r.Generated {
				if j >= penaltyRows {
					break
				}
				at := fmt.Sprintf("generated[%d].", j)
				pg.Vals.Set(at+"pollutant", g.Pollutant)
				pg.Vals.Set(at+"month", g.Month)
				pg.Vals.Set(at+"generated_kg", g.GeneratedKg.String())
			}
		}
	}
	return s.render(c, status, "penalties", s.page(c, "环境违法和处罚记录", pg))
}

// splitNames reads a list of names as people type it: separated by 、，,
// ; or spaces.
func splitNames(v string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune("、，,；; \t", r) }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (s *Server) webRecordPenalty(c echo.Context) error {
	p, err := allowed(c, filing.ActPenaltyRecord)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	t := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	pg := &penaltyPage{registerPage: registerPage{Code: t("taxpayer"), Vals: vals, By: map[string][]string{}}}
	if pg.Code == "" {
		pg.By["taxpayer"] = []string{"请选择纳税人。"}
	}
	by := pg.By
	date := func(name string) filing.Date {
		v := t(name)
		if v != "" {
			if _, err := filing.ParseDate(v); err != nil {
				by[name] = append(by[name], penaltyLabel[name]+"请按 2024-01-01 的格式填写。")
			}
		}
		return filing.Date(v)
	}
	in := app.PenaltyInput{CaseNo: t("case_no"), OutletNo: t("outlet_no"), CaseCode: t("case_code"), PeriodFrom: date("period_from"),
		PeriodTo: date("period_to"), DecidedOn: date("decided_on"), Note: t("note"), Pollutants: splitNames(vals.Get("pollutants"))}
	if r := t("replaces_id"); r != "" {
		id, err := strconv.ParseInt(r, 10, 64)
		if err != nil {
			pg.Top = append(pg.Top, web.Explained{Text: "要更正的记录不存在，请从列表中点“更正”。", Path: "replaces_id", Code: "invalid_value", Detail: "replaces_id must be a record's id"})
		}
		in.ReplacesID = &id
	}
	var row []int // the form row of each 产生量 given
	for i := 0; i < penaltyRows; i++ {
		at := fmt.Sprintf("generated[%d].", i)
		g := app.GeneratedInput{Pollutant: t(at + "pollutant"), Month: t(at + "month")}
		if g.Pollutant == "" && g.Month == "" && t(at+"generated_kg") == "" {
			continue
		}
		g.GeneratedKg = readNumberAs(vals, by, at+"generated_kg", "产生量")
		in.Generated = append(in.Generated, g)
		row = append(row, i)
	}
	input := func(path string) string {
		var k int
		var rest string
		if n, _ := fmt.Sscanf(path, "generated[%d].%s", &k, &rest); n == 2 && k >= 0 && k < len(row) {
			return fmt.Sprintf("generated[%d].%s", row[k], rest)
		}
		if n, _ := fmt.Sscanf(path, "generated[%d]", &k); n == 1 && k >= 0 && k < len(row) {
			return fmt.Sprintf("generated[%d].pollutant", row[k])
		}
		if strings.HasPrefix(path, "pollutants") {
			return "pollutants"
		}
		if vals.Has(path) && path != "replaces_id" {
			return path
		}
		return ""
	}
	check := s.app.RecordPenalty
	if vals.Get("confirm") != "1" || len(by) > 0 || len(pg.Top) > 0 {
		// Checked in full (the taxpayer's sources, the cases in force)
		// before it is shown to confirm; nothing is stored.
		check = func(ctx context.Context, p filing.Principal, _ app.Idem, code string, in app.PenaltyInput) (*app.Created[*app.PenaltyView], error) {
			return nil, s.app.CheckPenalty(ctx, p, code, in)
		}
	}
	if _, err := check(ctx(c), p, app.Idem{}, pg.Code, in); err != nil {
		var ce *calc.Error
		if !errors.As(err, &ce) || (ce.Kind != calc.KindInvalid && ce.Kind != calc.KindConflict) {
			return s.webError(c, err)
		}
		for _, e := range ce.Errors {
			text := penaltyText(e)
			if n := input(e.Path); n != "" {
				if len(by[n]) == 0 { // a figure that could not be read is said already
					by[n] = append(by[n], text)
				}
			} else {
				pg.Top = append(pg.Top, web.Explained{Text: text, Path: e.Path, Code: e.Code, Detail: e.Message})
			}
		}
		switch {
		case ce.Code == "penalty_exists":
			// Its field error (replaces_id) says it already, at the top.
		case ce.Code == "penalty_superseded":
			pg.Top = append(pg.Top, web.Explained{Text: "这条记录已被更正过：请更正列表中最新的一版。", Code: ce.Code, Detail: ce.Detail})
		case len(ce.Errors) == 0:
			pg.Top = append(pg.Top, web.Explained{Text: ce.Title, Code: ce.Code, Detail: ce.Detail})
		}
		return s.renderPenalties(c, p, httpx.Status(ce.Kind), pg, "")
	}
	if len(by) > 0 || len(pg.Top) > 0 {
		return s.renderPenalties(c, p, httpx.Status(calc.KindInvalid), pg, "")
	}
	if vals.Get("confirm") != "1" {
		pg.Confirm = true
		return s.renderPenalties(c, p, http.StatusOK, pg, "")
	}
	return c.Redirect(http.StatusSeeOther, "/app/penalties?"+url.Values{"taxpayer": {pg.Code}, "saved": {"1"}}.Encode())
}

// readNumberAs reads a figure as people type it, naming it label in the
// error.
func readNumberAs(vals url.Values, by map[string][]string, name, label string) (out decimal.NullDecimal) {
	v := strings.TrimSpace(vals.Get(name))
	if v == "" {
		return out
	}
	d, msg := web.ParseNumber(v)
	if msg != "" {
		by[name] = append(by[name], label+msg)
		return out
	}
	out.Decimal, out.Valid = d, true
	return out
}
