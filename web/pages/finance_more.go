package pages

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

// A fee bill (收费清单, read into a budget.FeeInput, checked by
// budget.CheckFeeBillAfter and recorded by app.RecordFeeBill) on the
// pages, as the damage case is; the
// eco-compensation settlement is in ecosettle.go. Inputs are named by
// their JSON paths, so an error's path is the input it belongs to.

const (
	feeMonths = 12 // month rows the fee bill form offers
)

// placeErrors puts a refusal's errors beside their inputs (or at the top
// when no input carries the path), as the damage case page does. fix may
// rewrite an error's text and path; beside says which paths have an input.
func placeErrors(err error, vals url.Values, by map[string][]string, top *[]web.Explained,
	fix func(e *calc.FieldError, x *web.Explained), beside func(path string) bool) error {
	var ce *calc.Error
	if !errors.As(err, &ce) || (ce.Kind != calc.KindInvalid && ce.Kind != calc.KindConflict) {
		return err
	}
	if len(ce.Errors) == 0 {
		*top = append(*top, web.Explained{Text: ce.Title, Code: ce.Code, Detail: ce.Detail})
	}
	read := map[string]bool{} // inputs the form could not read: they say so already
	for k := range by {
		read[k] = true
	}
	for _, e := range ce.Errors {
		x := web.Explain(e, nil)
		if e.Code == "unknown_region" {
			x.Text = "区划代码不在国家统计局的区划代码表中，请从提示中选择。"
		}
		if fix != nil {
			fix(&e, &x)
		}
		if read[e.Path] {
			continue
		}
		if vals.Has(e.Path) || beside(e.Path) {
			by[e.Path] = append(by[e.Path], x.Text)
		} else {
			*top = append(*top, x)
		}
	}
	return nil
}

func rows(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// --- fee bills (收费清单) ---

type feeSchedule struct {
	ID, Title, Unit string
	Inputs          []feeInput
}

type feeInput struct {
	Name, Label, Unit string
	Choices           []feeChoice
	Default           string
}

type feeChoice struct{ Value, Label string }

type feePage struct {
	Vals      url.Values
	By        map[string][]string
	Top       []web.Explained
	Schedules []feeSchedule
	Schedule  *feeSchedule // the chosen one, whose inputs the form asks for
	Titles    map[string]string
	Units     map[string]string
	Bills     []*app.FeeBill
	Names     map[string]string
	Months    []int
	Saved     bool
	Deleted   bool
}

// Plain Chinese for the units and choice words the schedules use.
var (
	feeUnits = map[string]string{"kWh": "千瓦时", "kWh/t": "千瓦时/吨", "t": "吨", "m3": "立方米", "t·a": "吨·年",
		"mg/L": "毫克/升", "元/m3": "元/立方米", "pH": "", "%": "%"}
	feeWords = map[string]string{"yes": "是", "no": "否", "cod": "化学需氧量", "nh3n": "氨氮", "so2": "二氧化硫", "nox": "氮氧化物",
		"general_industrial_solid_waste": "一般工业固体废物", "domestic_sewage": "生活污水", "domestic_waste": "生活垃圾",
		"residential_urban": "城镇居民", "residential_town": "建制镇居民", "non_industrial_non_operating": "非工业（非经营性）",
		"non_industrial_operating": "非工业（经营性）", "industry_general": "一般工业", "industry_heavy": "重污染工业"}
	// "用户类别（居民 residential / 非居民 non_residential）": the words in the brackets name the choices.
	choiceNote = regexp.MustCompile(`（([^（）]*[A-Za-z][^（）]*)）`)
	choicePair = regexp.MustCompile(`([^\s/]+)\s+([a-z_]+)`)
)

func unitText(u string) string {
	if t, ok := feeUnits[u]; ok {
		return t
	}
	return u
}

func (s *Server) feeSchedules() []feeSchedule {
	var out []feeSchedule
	at := map[string]int{}
	for _, sc := range s.app.BudgetCalculators().Fees.Schedules() {
		i, ok := at[sc.ID]
		if !ok {
			i, at[sc.ID] = len(out), len(out)
			out = append(out, feeSchedule{ID: sc.ID, Title: sc.Title, Unit: unitText(sc.QuantityUnit)})
		} else {
			out[i].Title = sc.Title // the latest version's title
		}
		f := &out[i]
	inputs:
		for _, in := range sc.Inputs {
			for _, have := range f.Inputs {
				if have.Name == in.Name {
					continue inputs
				}
			}
			fi := feeInput{Name: in.Name, Label: in.Label, Unit: unitText(in.Unit), Default: in.Default}
			words := map[string]string{}
			if m := choiceNote.FindStringSubmatch(in.Label); m != nil {
				for _, p := range choicePair.FindAllStringSubmatch(m[1], -1) {
					words[p[2]] = p[1]
				}
				fi.Label = strings.Replace(fi.Label, m[0], "", 1)
			}
			for _, c := range in.Choices {
				l := words[c]
				if l == "" {
					l = feeWords[c]
				}
				if l == "" {
					l = c
				}
				fi.Choices = append(fi.Choices, feeChoice{Value: c, Label: l})
			}
			f.Inputs = append(f.Inputs, fi)
		}
	}
	return out
}

func (s *Server) webFeeBills(c echo.Context) error {
	vals := url.Values{}
	if sc := c.QueryParam("schedule"); sc != "" {
		vals.Set("schedule", sc)
	}
	return s.renderFee(c, http.StatusOK, &feePage{Vals: vals})
}

func (s *Server) renderFee(c echo.Context, status int, pg *feePage) error {
	p, err := allowed(c, filing.ActFeeBillRecord)
	if err != nil {
		return s.webError(c, err)
	}
	if pg.Bills, err = app.FeeBills.List(ctx(c), s.app, p, app.BudgetFilter{Region: p.Region}); err != nil {
		return s.webError(c, err)
	}
	pg.Schedules = s.feeSchedules()
	pg.Titles, pg.Units = map[string]string{}, map[string]string{}
	for i := range pg.Schedules {
		pg.Titles[pg.Schedules[i].ID] = pg.Schedules[i].Title
		pg.Units[pg.Schedules[i].ID] = pg.Schedules[i].Unit
		if pg.Schedules[i].ID == pg.Vals.Get("schedule") {
			pg.Schedule = &pg.Schedules[i]
		}
	}
	pg.Names = s.regionNames()
	pg.Months = rows(feeMonths)
	pg.Saved = c.QueryParam("saved") != ""
	pg.Deleted = c.QueryParam("done") == "deleted"
	return s.render(c, status, "feebill", s.page(c, "收费清单", pg))
}

func (s *Server) webRecordFeeBill(c echo.Context) error {
	p, err := allowed(c, filing.ActFeeBillRecord)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	var sc *feeSchedule
	for _, f := range s.feeSchedules() {
		if f.ID == vals.Get("schedule") {
			sc = &f
		}
	}
	in, by, read := feeBillInput(vals, sc)
	pg := &feePage{Vals: vals, By: by}
	// A number the form could not read is left out and said beside its
	// input; the rest is still checked, so every error shows in one pass.
	{
		rec, err := budget.CheckFeeBillAfter(in, read, s.app.BudgetCalculators(), s.app.BudgetLimits())
		if err == nil && len(by) == 0 {
			if _, err = s.app.RecordFeeBill(ctx(c), p, app.Idem{}, rec); err == nil {
				return c.Redirect(http.StatusSeeOther, "/app/budget/fee-bills?saved=1&schedule="+url.QueryEscape(vals.Get("schedule")))
			}
		}
		fix := func(e *calc.FieldError, x *web.Explained) {
			switch {
			case e.Path == "months" && e.Code == "required":
				x.Text = "请至少填写一个月的收费量。"
				e.Path = "months[0].quantity"
			case e.Code == "unknown_schedule" || (e.Path == "schedule" && e.Code == "required"):
				x.Text = "请先选择收费项目。"
			case e.Code == "schedule_not_in_force":
				x.Text = "该月份不在所选收费标准的执行期内。"
			case e.Code == "duplicate_month":
				x.Text = "这个月份已经填过一次。"
			default:
				financeExplain(e, x)
			}
		}
		if err := placeErrors(err, vals, pg.By, &pg.Top, fix, func(path string) bool {
			return path == "district" || path == "payer" || strings.HasPrefix(path, "months[") || strings.HasPrefix(path, "inputs.")
		}); err != nil {
			return s.webError(c, err)
		}
	}
	return s.renderFee(c, http.StatusBadRequest, pg)
}
