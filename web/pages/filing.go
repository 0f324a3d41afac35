package pages

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/internal/sheet"
	"github.com/ecotax/ecotax/web"
)

// The enterprise accountant's filing on the pages: 税源信息采集 (add,
// change, end a source), starting a declaration, filling or importing its
// figures, the summary before submitting, submitting, 更正申报; and the
// tax officer's 受理 and 缴款 on the declaration page. Each handler reads
// the form and calls one operation of the application layer.

// formErrors are a form's errors: beside each input (by name) and, for
// what belongs to no input, at the top.
type formErrors struct {
	By  map[string][]string
	Top []web.Explained
}

func (f *formErrors) Any() bool { return f != nil && (len(f.By) > 0 || len(f.Top) > 0) }

// invalidOf takes a domain error apart: field errors by input name (the
// path's last part, or name(path) when given), and the rest at the top.
// ok is false when err is not something a person can fix in the form.
func invalidOf(err error, sources map[int64]*filing.Source, name func(string) string) (*formErrors, int, bool) {
	var ce *calc.Error
	if !errors.As(err, &ce) || (ce.Kind != calc.KindInvalid && ce.Kind != calc.KindConflict) {
		return nil, 0, false
	}
	fe := &formErrors{By: map[string][]string{}}
	if len(ce.Errors) == 0 {
		fe.Top = append(fe.Top, web.Explain(calc.FieldError{Code: ce.Code, Message: ce.Title}, sources))
		if hasChinese(ce.Title) && fe.Top[0].Text == "" {
			fe.Top[0].Text = ce.Title
		}
		fe.Top[0].Detail = ce.Detail
	}
	for _, e := range ce.Errors {
		n := e.Path
		if name != nil {
			n = name(e.Path)
		}
		if n == "" || n == "$" {
			fe.Top = append(fe.Top, web.Explain(e, sources))
			continue
		}
		fe.By[n] = append(fe.By[n], web.Explain(e, sources).Text)
	}
	return fe, httpx.Status(ce.Kind), true
}

func hasChinese(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// --- 税源信息采集 ---

type sourceFormPage struct {
	Taxpayer *filing.Taxpayer
	Source   *filing.Source // nil: a new source
	Vals     url.Values
	Errs     *formErrors
	Kinds    []web.Option
	Methods  []web.Option
	Hint     string // 颗粒物 → 烟尘 / 一般性粉尘
	Labels   map[string]string
	Names    []web.Option // statutory pollutant names offered as one types
}

func sourceVals(s *filing.Source) url.Values {
	v := url.Values{}
	set := func(k, x string) {
		if x != "" {
			v.Set(k, x)
		}
	}
	set("outlet_no", s.OutletNo)
	set("outlet_name", s.OutletName)
	set("location", s.Location)
	set("kind", s.Kind)
	set("pollutant", s.Pollutant)
	set("method", s.Method)
	set("standard", s.Standard)
	set("valid_from", string(s.ValidFrom))
	set("valid_to", string(s.ValidTo))
	for k, d := range map[string]struct {
		ok bool
		s  string
	}{"standard_concentration": {s.StandardConcentration.Valid, s.StandardConcentration.Decimal.String()},
		"day_limit_db": {s.DayLimitDB.Valid, s.DayLimitDB.Decimal.String()}, "night_limit_db": {s.NightLimitDB.Valid, s.NightLimitDB.Decimal.String()}} {
		if d.ok {
			v.Set(k, d.s)
		}
	}
	if s.Fugitive {
		v.Set("fugitive", "1")
	}
	if s.MultiplePoints {
		v.Set("multiple_points", "1")
	}
	return v
}

func (s *Server) renderSourceForm(c echo.Context, status int, pg *sourceFormPage) error {
	for _, k := range web.Kinds {
		pg.Kinds = append(pg.Kinds, web.Option{Value: k, Label: web.KindLabel[k]})
	}
	pg.Methods = append(pg.Methods, web.Option{Value: "", Label: "（不适用）"})
	for _, m := range filing.Methods {
		pg.Methods = append(pg.Methods, web.Option{Value: m, Label: filing.MethodLabel[m]})
	}
	pg.Hint = web.ParticulateHint(pg.Vals.Get("pollutant"), pg.Vals.Get("fugitive") != "")
	pg.Labels = web.SourceLabel
	pg.Names = append(append([]web.Option{}, s.web.choices["names-air"]...), s.web.choices["names-water"]...)
	title := "新增税源"
	if pg.Source != nil {
		title = "变更税源 " + web.SourceName(pg.Source)
	}
	return s.render(c, status, "source_form", s.page(c, title, pg))
}

func (s *Server) webNewSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceWrite)
	if err != nil {
		return s.webError(c, err)
	}
	tp, err := s.app.Taxpayer(ctx(c), p, c.Param("code"))
	if err != nil {
		return s.webError(c, err)
	}
	vals := url.Values{"kind": {"air"}, "valid_from": {string(filing.Today(s.now()))}}
	return s.renderSourceForm(c, http.StatusOK, &sourceFormPage{Taxpayer: tp, Vals: vals})
}

func (s *Server) webEditSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceWrite)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	r, err := s.app.SourceRecord(ctx(c), p, c.Param("code"), id)
	if err != nil {
		return s.webError(c, err)
	}
	return s.renderSourceForm(c, http.StatusOK, &sourceFormPage{Taxpayer: r.Taxpayer, Source: r.Source, Vals: sourceVals(r.Source)})
}

// webSaveSource registers (新增) or, with an id, changes (变更) a source.
func (s *Server) webSaveSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceWrite)
	if err != nil {
		return s.webError(c, err)
	}
	code := c.Param("code")
	tp, err := s.app.Taxpayer(ctx(c), p, code)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	src, perrs := web.ParseSourceForm(vals, code)
	if h := web.ParticulateHint(src.Pollutant, src.Fugitive); h != "" && src.Kind == filing.KindAir {
		// The permit's 颗粒物 is not a name of the tax law: one question
		// now rather than a wall of errors at every assessment.
		perrs = append(perrs, calc.FieldError{Path: "pollutant", Code: "ambiguous_name", Message: h})
	}
	pg := &sourceFormPage{Taxpayer: tp, Vals: vals}
	var id int64
	var version int
	if c.Param("id") != "" {
		if id, err = pathID(c, "id"); err != nil {
			return s.webError(c, err)
		}
		r, err := s.app.SourceRecord(ctx(c), p, code, id)
		if err != nil {
			return s.webError(c, err)
		}
		pg.Source = r.Source
		version, _ = strconv.Atoi(vals.Get("version"))
	}
	// Every fault at once: the numbers that could not be read, and what the
	// domain says of the rest.
	var verr error
	if len(perrs) > 0 {
		// Nothing is stored; the domain's own checks of the rest are shown
		// with the numbers that could not be read, all in one pass.
		if errs := src.Validate(); len(errs) > 0 {
			verr = calc.Invalid(errs)
		}
	} else if id == 0 {
		var created *app.Created[*filing.Source]
		if created, verr = s.app.RegisterSource(ctx(c), p, app.Idem{}, src); verr == nil {
			return c.Redirect(http.StatusSeeOther, "/app/taxpayers/"+code+"/sources/"+strconv.FormatInt(created.Value.ID, 10)+"?saved=1")
		}
	} else {
		if _, verr = s.app.ChangeSource(ctx(c), p, code, id, version, src); verr == nil {
			return c.Redirect(http.StatusSeeOther, "/app/taxpayers/"+code+"/sources/"+strconv.FormatInt(id, 10)+"?saved=1")
		}
	}
	fe := &formErrors{By: map[string][]string{}}
	status := httpx.Status(calc.KindInvalid)
	if verr != nil {
		var ok bool
		if fe, status, ok = invalidOf(verr, nil, nil); !ok {
			return s.webError(c, verr)
		}
	}
	for _, e := range perrs {
		msg := e.Message
		if e.Code == "invalid_number" {
			msg = web.SourceLabel[e.Path] + "：" + msg
		}
		fe.By[e.Path] = []string{msg} // what could not be read, rather than the domain's "required"
	}
	pg.Errs = fe
	if status < 400 {
		status = httpx.Status(calc.KindInvalid)
	}
	return s.renderSourceForm(c, status, pg)
}

// webEndSource ends a source (删除 on the form; its history is kept).
func (s *Server) webEndSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceWrite)
	if err != nil {
		return s.webError(c, err)
	}
	code := c.Param("code")
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	validTo := filing.Date(strings.TrimSpace(c.FormValue("valid_to")))
	if _, err := s.app.EndSource(ctx(c), p, code, id, version, validTo); err != nil {
		fe, status, ok := invalidOf(err, nil, nil)
		if !ok {
			return s.webError(c, err)
		}
		r, rerr := s.app.SourceRecord(ctx(c), p, code, id)
		if rerr != nil {
			return s.webError(c, rerr)
		}
		return s.renderSource(c, status, r, fe, c.FormValue("valid_to"))
	}
	return c.Redirect(http.StatusSeeOther, "/app/taxpayers/"+code+"/sources/"+strconv.FormatInt(id, 10)+"?ended=1")
}

type sourcePage struct {
	*app.SourceRecord
	CanWrite bool
	Errs     *formErrors
	EndOn    string
	Saved    bool
	Ended    bool
}

func (s *Server) renderSource(c echo.Context, status int, r *app.SourceRecord, fe *formErrors, endOn string) error {
	p, _ := signedIn(c)
	pg := &sourcePage{SourceRecord: r, CanWrite: p.Can(filing.ActSourceWrite), Errs: fe, EndOn: endOn,
		Saved: c.QueryParam("saved") != "", Ended: c.QueryParam("ended") != ""}
	if pg.EndOn == "" {
		pg.EndOn = string(filing.Today(s.now()))
	}
	return s.render(c, status, "source", s.page(c, "税源 "+web.SourceName(r.Source), pg))
}

// --- declarations ---

// webStartDeclaration starts a period's declaration: blank, or from the
// last period declared.
func (s *Server) webStartDeclaration(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return s.webError(c, err)
	}
	code := c.Param("code")
	period := strings.TrimSpace(c.FormValue("period"))
	from := c.FormValue("from")
	created, err := s.app.StartDeclaration(ctx(c), p, app.Idem{}, code, period, from)
	if err != nil {
		fe, status, ok := invalidOf(err, nil, func(path string) string {
			if path == "period" {
				return "period"
			}
			return ""
		})
		if !ok {
			return s.webError(c, err)
		}
		return s.renderTaxpayer(c, status, fe, period)
	}
	return c.Redirect(http.StatusSeeOther, "/app/declarations/"+strconv.FormatInt(created.Value.ID, 10)+"#figures")
}

// webSaveFigures replaces a draft's figures with what was typed.
func (s *Server) webSaveFigures(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	version, _ := strconv.Atoi(vals.Get("version"))
	figs, prefixes, byName := web.ParseFigures(vals)
	if len(byName) == 0 {
		if _, err = s.app.ReplaceFigures(ctx(c), p, id, version, figs); err == nil {
			return c.Redirect(http.StatusSeeOther, "/app/declarations/"+strconv.FormatInt(id, 10)+"?saved=1#precheck")
		}
	}
	fe := &formErrors{By: byName}
	status := httpx.Status(calc.KindInvalid)
	if err != nil {
		var ce *calc.Error
		if !errors.As(err, &ce) || (ce.Kind != calc.KindInvalid && ce.Kind != calc.KindConflict) {
			return s.webError(c, err)
		}
		status = httpx.Status(ce.Kind)
		r, rerr := s.app.DeclarationRecord(ctx(c), p, id)
		if rerr != nil {
			return s.webError(c, rerr)
		}
		if len(ce.Errors) == 0 {
			fe.Top = append(fe.Top, web.Explained{Text: ce.Title, Code: ce.Code, Detail: ce.Detail})
		}
		fe.Top = append(fe.Top, web.PlaceFigureErrors(ce.Errors, prefixes, figs, r.Sources, fe.By)...)
	}
	return s.renderDeclaration(c, status, id, &declForm{Vals: vals, Errs: fe})
}

// webImportFigures reads the figures template uploaded (sheet.ReadFigures)
// into the draft.
func (s *Server) webImportFigures(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationFile)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	fail := func(errs []web.Explained) error {
		return s.renderDeclaration(c, httpx.Status(calc.KindInvalid), id, &declForm{Errs: &formErrors{Top: errs}})
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fail([]web.Explained{{Text: "请选择要导入的申报数据文件（XLSX）。", Code: "required", Path: "file"}})
	}
	if fh.Size > s.cfg.ImportLimit {
		return fail([]web.Explained{{Text: "文件太大，请只导入申报数据表。", Code: "too_large", Path: "file"}})
	}
	f, err := fh.Open()
	if err != nil {
		return s.webError(c, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, s.cfg.ImportLimit+1))
	f.Close()
	if err != nil {
		return s.webError(c, err)
	}
	figs, rowOf, cols, errs := sheet.ReadFigures(data)
	if len(errs) > 0 {
		return fail(cellErrors(errs, nil))
	}
	if _, err := s.app.ReplaceFigures(ctx(c), p, id, version, figs); err != nil {
		var ce *calc.Error
		if !errors.As(err, &ce) || (ce.Kind != calc.KindInvalid && ce.Kind != calc.KindConflict) {
			return s.webError(c, err)
		}
		if len(ce.Errors) == 0 {
			return fail([]web.Explained{{Text: ce.Title, Code: ce.Code, Detail: ce.Detail}})
		}
		out := make([]calc.FieldError, len(ce.Errors))
		for i, e := range ce.Errors {
			out[i] = sheet.ToCell(e, rowOf, cols)
		}
		return fail(cellErrors(out, nil))
	}
	return c.Redirect(http.StatusSeeOther, "/app/declarations/"+strconv.FormatInt(id, 10)+"?imported=1#precheck")
}

// cellErrors explains errors placed on workbook cells (申报数据!G3).
func cellErrors(errs []calc.FieldError, sources map[int64]*filing.Source) []web.Explained {
	out := make([]web.Explained, len(errs))
	for i, e := range errs {
		x := web.Explain(e, sources)
		if strings.Contains(e.Path, "!") {
			x.Text = "单元格 " + e.Path + "：" + x.Text
		}
		out[i] = x
	}
	return out
}

// webFiguresTemplate is the workbook to fill in offline.
func (s *Server) webFiguresTemplate(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	r, err := s.app.FigureSheet(ctx(c), p, id)
	if err != nil {
		return s.webError(c, err)
	}
	sh, name := sheet.FigureTemplate(r)
	return s.download(c, sh, name)
}

// webConfirm is the summary before submitting: what the declaration
// declares, the change from the last period, the warnings.
func (s *Server) webConfirm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	return s.renderDeclaration(c, http.StatusOK, id, &declForm{Confirm: true})
}

// declAction runs one action on a declaration and comes back to its page,
// or shows why not on it.
func (s *Server) declAction(c echo.Context, act filing.Action, done string, run func(p filing.Principal, id int64, version int) (int64, error)) error {
	p, err := allowed(c, act)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	next, err := run(p, id, version)
	if err != nil {
		vals, _ := c.FormParams()
		fe, status, ok := invalidOf(err, nil, func(path string) string { return path })
		if !ok {
			return s.webError(c, err)
		}
		return s.renderDeclaration(c, status, id, &declForm{PayVals: vals, Errs: fe})
	}
	return c.Redirect(http.StatusSeeOther, "/app/declarations/"+strconv.FormatInt(next, 10)+"?done="+done)
}

func (s *Server) webSubmit(c echo.Context) error {
	return s.declAction(c, filing.ActDeclarationFile, "submitted", func(p filing.Principal, id int64, version int) (int64, error) {
		_, err := s.app.Submit(ctx(c), p, id, version)
		return id, err
	})
}

func (s *Server) webCorrect(c echo.Context) error {
	return s.declAction(c, filing.ActDeclarationFile, "corrected", func(p filing.Principal, id int64, _ int) (int64, error) {
		created, err := s.app.Correct(ctx(c), p, app.Idem{}, id, nil)
		if err != nil {
			return id, err
		}
		return created.Value.ID, nil
	})
}

func (s *Server) webAccept(c echo.Context) error {
	return s.declAction(c, filing.ActDeclarationAccept, "accepted", func(p filing.Principal, id int64, version int) (int64, error) {
		_, err := s.app.Accept(ctx(c), p, id, version)
		return id, err
	})
}

func (s *Server) webPay(c echo.Context) error {
	return s.declAction(c, filing.ActPaymentRecord, "paid", func(p filing.Principal, id int64, version int) (int64, error) {
		var errs []calc.FieldError
		paidOn := filing.Date(strings.TrimSpace(c.FormValue("paid_on")))
		if paidOn != "" {
			if _, err := filing.ParseDate(string(paidOn)); err != nil {
				errs = append(errs, calc.FieldError{Path: "paid_on", Code: "invalid_value", Message: "YYYY-MM-DD"})
			}
		}
		var amount decimal.NullDecimal
		if v := strings.TrimSpace(c.FormValue("amount")); v != "" {
			d, msg := web.ParseNumber(v)
			if msg != "" {
				errs = append(errs, calc.FieldError{Path: "amount", Code: "invalid_number", Message: msg})
			} else {
				amount.Decimal, amount.Valid = d, true
			}
		}
		if len(errs) > 0 {
			return id, calc.Invalid(errs)
		}
		_, err := s.app.Pay(ctx(c), p, id, version, paidOn, amount)
		return id, err
	})
}

// step is one stage of the filing, as the national portal shows it:
// 税源采集 → 申报 → 更正 → 缴款.
type step struct {
	Label string
	State string // done, current, todo, skip
	Note  string
}

func (s step) StateLabel() string {
	return map[string]string{"done": "已完成", "current": "当前步骤", "todo": "未开始", "skip": "无需办理"}[s.State]
}

func taxpayerSteps(pg *taxpayerPage) []step {
	st := []step{{Label: "税源采集", State: "current"}, {Label: "申报", State: "todo"}, {Label: "更正", State: "todo", Note: "需要时"}, {Label: "缴款", State: "todo"}}
	if len(pg.Sources) > 0 {
		st[0].State, st[1].State = "done", "current"
		st[0].Note = strconv.Itoa(len(pg.Sources)) + " 个税源"
	}
	return st
}

func declarationSteps(pg *declarationPage) []step {
	v := pg.D
	st := []step{{Label: "税源采集", State: "done"}, {Label: "申报", State: "current"}, {Label: "更正", State: "todo", Note: "需要时"}, {Label: "缴款", State: "todo"}}
	corrected := false
	for _, r := range pg.Revisions {
		if r.Revision > 1 {
			corrected = true
		}
	}
	if v.Revision > 1 || v.Status != filing.StatusDraft {
		st[1].State = "done"
		st[2].State = "skip"
		if corrected {
			st[2].State = "done"
			if v.Status == filing.StatusDraft {
				st[2].State = "current"
			}
		}
	}
	if b := pg.Balance; b != nil && (v.Status != filing.StatusDraft || v.Revision > 1) {
		switch {
		case b.Unpaid.Decimal.Sign() == 0:
			st[3].State, st[3].Note = "done", "已缴清"
		default:
			st[3].State, st[3].Note = "current", "欠缴 "+web.Money(b.Unpaid)
		}
		if st[2].State == "current" {
			st[3].State = "todo"
		}
	}
	return st
}

// periodToFile is the quarter to offer when starting a declaration: the
// last one ended before today that has no declaration yet.
func periodToFile(today filing.Date, rows []*periodRow) string {
	has := map[string]bool{}
	for _, r := range rows {
		has[r.Period] = true
	}
	d := today.Day()
	y, q := d.Year(), (d.Month()-1)/3+1
	for i := 0; i < 8; i++ {
		q--
		if q == 0 {
			y, q = y-1, 4
		}
		p := strconv.Itoa(y) + "-Q" + strconv.Itoa(q)
		if !has[p] {
			return p
		}
	}
	return ""
}

// fillDeclarationPage adds what a person can do on a declaration: the
// figures form of a draft, the summary before submitting, 更正, 受理, 缴款.
func (s *Server) fillDeclarationPage(c echo.Context, p filing.Principal, pg *declarationPage, r *app.DeclarationRecord, form *declForm) error {
	v := r.View
	pg.Form = form
	pg.Done = c.QueryParam("done")
	if c.QueryParam("saved") != "" {
		pg.Done = "saved"
	}
	if c.QueryParam("imported") != "" {
		pg.Done = "imported"
	}
	pg.Latest = true
	for _, o := range r.Revisions {
		if o.Revision > v.Revision {
			pg.Latest = false
		}
	}
	pg.CanFile = p.Can(filing.ActDeclarationFile)
	pg.CanAccept = p.Can(filing.ActDeclarationAccept) && v.Status == filing.StatusSubmitted && pg.Latest
	pg.CanPay = p.Can(filing.ActPaymentRecord) && v.Status != filing.StatusDraft && v.PaidOn == ""
	if r.ResultErr != nil {
		pg.Problems = web.ExplainAll(r.ResultErr.Errors, r.Sources)
	}
	if v.Status == filing.StatusDraft {
		per, err := filing.ParsePeriod(v.Period)
		if err != nil {
			return err
		}
		list := make([]*filing.Source, 0, len(r.Sources))
		for _, src := range r.Sources {
			list = append(list, src)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
		var vals url.Values
		by := map[string][]string{}
		if form != nil {
			vals = form.Vals
			if form.Errs != nil && form.Errs.By != nil {
				by = form.Errs.By
			}
		}
		pg.Rows = web.FigureRows(per.Months(), list, v.Figures, vals, by)
	}
	if form != nil && form.Confirm {
		last, err := s.app.LastFiled(ctx(c), p, v.CreditCode, v.Period)
		if err != nil {
			return err
		}
		pg.LastPeriod = last
	}
	pg.DoneText = doneText[pg.Done]
	pg.PayOn, pg.PayAmount = string(pg.Today), ""
	if pg.Balance != nil {
		pg.PayAmount = pg.Balance.Unpaid.Decimal.StringFixed(2)
	}
	if form != nil && form.PayVals != nil && form.PayVals.Get("paid_on") != "" {
		pg.PayOn, pg.PayAmount = form.PayVals.Get("paid_on"), form.PayVals.Get("amount")
	}
	if pg.Result != nil {
		pg.Warnings = plainWarnings(pg.Result)
		pg.Summary = summaryOf(pg)
	}
	pg.Steps = declarationSteps(pg)
	return nil
}

var doneText = map[string]string{
	"saved":     "申报数据已保存，下面是预检结果。",
	"imported":  "申报数据已导入，下面是预检结果。",
	"submitted": "申报已提交。请按期缴款；需要修改时可办理更正申报。",
	"corrected": "已生成更正申报草稿：数据取自被更正的一版，请修改后预检并提交。",
	"accepted":  "申报已受理。",
	"paid":      "缴款已登记。",
}

// summaryRow is one line of the summary before submitting.
type summaryRow struct {
	Label, Value, Note string
	Strong             bool
}

func dec(s string) decimal.Decimal {
	d, _ := decimal.NewFromString(strings.ReplaceAll(s, ",", ""))
	return d
}

// summaryOf is what the accountant checks before submitting: 应纳, 减免,
// 应缴, for a correction the difference with what it corrects, and the
// change from the last period.
func summaryOf(pg *declarationPage) []summaryRow {
	r, v := pg.Result, pg.D
	tax := dec(r.TotalTax)
	rows := []summaryRow{{Label: "应纳税额", Value: web.Money(dec(r.TotalTaxDue))}, {Label: "减免税额", Value: web.Money(dec(r.TotalReduction))},
		{Label: "本期应缴税额", Value: web.Money(tax), Strong: true}}
	if pg.Replaced != nil {
		prev := pg.Replaced.TotalTax.Decimal
		diff := tax.Sub(prev)
		note := "应补缴"
		if diff.Sign() < 0 {
			note = "应退（或抵缴）"
		}
		rows = append(rows, summaryRow{Label: "被更正的第 " + strconv.Itoa(pg.Replaced.Revision) + " 版应缴", Value: web.Money(prev)},
			summaryRow{Label: "应补(退)税额", Value: web.Money(diff), Note: note, Strong: true})
	}
	if last := pg.LastPeriod; last != nil {
		prev := last.TotalTax.Decimal
		diff := tax.Sub(prev)
		note := ""
		if prev.Sign() > 0 {
			note = "比上期 " + diff.Mul(decimal.NewFromInt(100)).Div(prev).StringFixed(1) + "%"
			if diff.Sign() > 0 {
				note = "比上期 +" + diff.Mul(decimal.NewFromInt(100)).Div(prev).StringFixed(1) + "%"
			}
		}
		rows = append(rows, summaryRow{Label: "上期（" + last.Period + "）应缴税额", Value: web.Money(prev)},
			summaryRow{Label: "与上期相比", Value: web.Money(diff), Note: note})
	} else if v.Status == filing.StatusDraft && pg.Form != nil && pg.Form.Confirm {
		rows = append(rows, summaryRow{Label: "与上期相比", Value: "—", Note: "没有上期申报可比"})
	}
	if v.Status == filing.StatusDraft && v.Revision == 1 && pg.DaysLeft < 0 {
		rows = append(rows, summaryRow{Label: "申报期限", Value: string(v.Deadline), Note: "已逾期 " + strconv.Itoa(-pg.DaysLeft) + " 天：欠缴税款自期限次日起按日加收万分之五滞纳金", Strong: true})
	}
	return rows
}

// plainWarnings are the result's warnings a person reads: Chinese text,
// the parameter file and line only in 依据详情.
func plainWarnings(r *web.Result) []web.Explained {
	var out []web.Explained
	unverified := 0
	var detail []string
	for _, w := range r.Warnings {
		if w.Code == "unverified_parameter" {
			unverified++
			detail = append(detail, w.Message)
			continue
		}
		x := web.Explained{Text: w.Message, Code: w.Code, Path: w.Path, Detail: w.Message}
		if hasLatinWords(w.Message) {
			x.Text = "计算中有一项需要核对的提示（见依据详情）。"
		}
		out = append(out, x)
	}
	if unverified > 0 {
		out = append([]web.Explained{{Text: "本次计算用到 " + strconv.Itoa(unverified) + " 个尚未与官方文本核实的参数（税额或当量值），提交前请与主管税务机关确认。",
			Code: "unverified_parameter", Detail: strings.Join(detail, "；")}}, out...)
	}
	return out
}

func hasLatinWords(s string) bool {
	run := 0
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			if run++; run >= 4 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// --- the officers' lists ---

type declarationsPage struct {
	Status  string
	Options []web.Option
	Rows    []app.RegionDeclaration
	Region  string
	Names   map[string]string // region code → name
	Total   map[string]string // unpaid and surcharge of the rows shown
}

// webDeclarations lists the region's declarations by status, for the
// officers (受理 and 缴款 are on each declaration's page).
func (s *Server) webDeclarations(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return s.webError(c, err)
	}
	if p.Role == filing.RoleEnterprise {
		return c.Redirect(http.StatusSeeOther, "/app/taxpayers/"+p.CreditCode+"#declarations")
	}
	status := c.QueryParam("status")
	if _, ok := c.QueryParams()["status"]; !ok && p.Role == filing.RoleTaxOfficer {
		status = string(filing.StatusSubmitted) // what waits for 受理
	}
	if status != "" && filing.StatusLabel[filing.Status(status)] == "" {
		status = ""
	}
	rows, err := s.app.RegionDeclarations(ctx(c), p, filing.Status(status))
	if err != nil {
		return s.webError(c, err)
	}
	pg := &declarationsPage{Status: status, Rows: rows, Region: p.Region, Names: s.regionNames()}
	pg.Options = []web.Option{{Value: "", Label: "全部"}}
	for _, st := range []filing.Status{filing.StatusDraft, filing.StatusSubmitted, filing.StatusAccepted} {
		pg.Options = append(pg.Options, web.Option{Value: string(st), Label: filing.StatusLabel[st]})
	}
	unpaid, sc := decimal.Zero, decimal.Zero
	for _, r := range rows {
		if r.Balance != nil {
			unpaid, sc = unpaid.Add(r.Balance.Unpaid.Decimal), sc.Add(r.Balance.Surcharge.Amount.Decimal)
		}
	}
	pg.Total = map[string]string{"unpaid": web.Money(unpaid), "surcharge": web.Money(sc)}
	return s.render(c, http.StatusOK, "declarations", s.page(c, "申报受理与缴款", pg))
}

// regionNames maps the region codes the forms offer to their names.
func (s *Server) regionNames() map[string]string {
	out := map[string]string{}
	for _, o := range s.web.choices["regions"] {
		out[o.Value] = o.Label
	}
	return out
}

// --- registering a taxpayer (tax officer) ---

type taxpayerFormPage struct {
	Vals url.Values
	Errs *formErrors
}

func (s *Server) webRegisterTaxpayer(c echo.Context) error {
	p, err := allowed(c, filing.ActTaxpayerCreate)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	t := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	tp := filing.Taxpayer{CreditCode: strings.ToUpper(t("credit_code")), Name: t("name"), Region: t("region"), Industry: t("industry")}
	if _, err := s.app.RegisterTaxpayer(ctx(c), p, app.Idem{}, tp); err != nil {
		fe, status, ok := invalidOf(err, nil, func(path string) string {
			if vals.Has(path) {
				return path
			}
			return ""
		})
		if !ok {
			return s.webError(c, err)
		}
		return s.renderTaxpayers(c, status, &taxpayerFormPage{Vals: vals, Errs: fe})
	}
	return c.Redirect(http.StatusSeeOther, "/app/taxpayers/"+tp.CreditCode+"?registered=1")
}
