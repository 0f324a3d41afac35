package pages

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/sheet"
	"github.com/ecotax/ecotax/web"
)

// Pages of stored data: taxpayers, their sources, their declarations with
// every revision, deadlines and late-payment surcharges. Each loads what
// it shows through allowed(), visibleTaxpayer(), sourceOf() and
// declarationOf(), the checks of the JSON routes, so a page shows a token
// exactly what the API would give it.

type taxpayersPage struct {
	Taxpayers []filing.Taxpayer
	Region    string
	Names     map[string]string // region code → name
	CanCreate bool
	Form      *taxpayerFormPage
	Labels    map[string]string
}

// webTaxpayers lists the taxpayers a token may see (an enterprise goes
// straight to its own page).
func (s *Server) webTaxpayers(c echo.Context) error {
	return s.renderTaxpayers(c, http.StatusOK, nil)
}

func (s *Server) renderTaxpayers(c echo.Context, status int, form *taxpayerFormPage) error {
	p, err := allowed(c, filing.ActTaxpayerRead)
	if err != nil {
		return s.webError(c, err)
	}
	if p.Role == filing.RoleEnterprise {
		return c.Redirect(http.StatusSeeOther, "/app/taxpayers/"+p.CreditCode)
	}
	list, err := s.app.Taxpayers(ctx(c), p, app.Page{Limit: 500})
	if err != nil {
		return s.webError(c, err)
	}
	visible := list[:0]
	for _, t := range list {
		if p.Sees(t.CreditCode, t.Region) {
			visible = append(visible, t)
		}
	}
	if form == nil {
		form = &taxpayerFormPage{Vals: url.Values{"region": {p.Region}}}
	}
	return s.render(c, status, "taxpayers", s.page(c, "纳税人", &taxpayersPage{Taxpayers: visible, Region: p.Region, Names: s.regionNames(),
		CanCreate: p.Can(filing.ActTaxpayerCreate), Form: form, Labels: taxpayerLabel}))
}

// periodRow is one revision of a period's declaration as the taxpayer
// page lists it.
type periodRow struct {
	Period    string
	Revisions []*app.DeclarationView
	Latest    *app.DeclarationView
	DaysLeft  int  // to the deadline; negative: overdue
	Due       bool // something of the period is still unpaid
	// Balance is what the period owes across its revisions and payments.
	Balance *filing.Balance
}

// taxpayerLabel names the inputs of the registration form.
var taxpayerLabel = map[string]string{"credit_code": "统一社会信用代码", "name": "纳税人名称", "region": "生产经营所在区划代码", "industry": "行业"}

type taxpayerPage struct {
	RegionName  string
	Taxpayer    *filing.Taxpayer
	Sources     []*filing.Source
	Periods     []*periodRow
	Today       filing.Date
	CanFile     bool
	CanSource   bool
	CanRecon    bool
	CanMonitor  bool        // may read monitoring data
	CanAudit    bool        // may read the audit log
	Errs        *formErrors // starting a declaration
	StartPeriod string      // the period offered (or typed) to start
	Steps       []step
	CanEdit     bool              // may change the registration (name, region, industry)
	Edit        *taxpayerFormPage // the registration form: as stored, or as sent back
	Labels      map[string]string
	Updated     bool
}

func (s *Server) webTaxpayer(c echo.Context) error {
	return s.renderTaxpayer(c, http.StatusOK, nil, "")
}

// webUpdateTaxpayer changes a taxpayer's registration (name, region,
// industry) at the version the page showed: a company renamed or moved.
// The credit code never changes.
func (s *Server) webUpdateTaxpayer(c echo.Context) error {
	p, err := allowed(c, filing.ActTaxpayerUpdate)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	t := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	name, region, industry := t("name"), t("region"), t("industry")
	in := app.TaxpayerPatch{Name: &name, Region: &region, Industry: &industry}
	version, verr := strconv.Atoi(t("version"))
	if verr == nil {
		_, err = s.app.UpdateTaxpayer(ctx(c), p, c.Param("code"), version, in)
	} else {
		err = app.Fail(calc.KindConflict, "invalid_version", "版本无效", "version must be a whole number")
	}
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/app/taxpayers/"+url.PathEscape(c.Param("code"))+"?updated=1")
	}
	fe, status, ok := invalidOf(err, nil, func(path string) string {
		if path != "version" && vals.Has(path) {
			return path
		}
		return ""
	})
	if !ok {
		return s.webError(c, err)
	}
	edit := &taxpayerFormPage{Vals: vals, Errs: fe}
	if status == http.StatusConflict {
		// Changed by someone else since the page was read: the form shows
		// what is stored now.
		top := web.Explained{Text: "登记信息刚被修改过：表单中是最新的内容，请核对后再改。"}
		var ce *calc.Error
		if errors.As(err, &ce) {
			top.Code, top.Detail = ce.Code, ce.Detail
		}
		edit = &taxpayerFormPage{Errs: &formErrors{Top: []web.Explained{top}}}
	}
	return s.renderTaxpayerPage(c, status, nil, "", edit)
}

func (s *Server) renderTaxpayer(c echo.Context, status int, fe *formErrors, period string) error {
	return s.renderTaxpayerPage(c, status, fe, period, nil)
}

// renderTaxpayerPage is the taxpayer page with the start form's errors and
// period, and the registration form sent back (nil: as stored).
func (s *Server) renderTaxpayerPage(c echo.Context, status int, fe *formErrors, period string, edit *taxpayerFormPage) error {
	p, err := allowed(c, filing.ActTaxpayerRead)
	if err != nil {
		return s.webError(c, err)
	}
	r, err := s.app.TaxpayerRecord(ctx(c), p, c.Param("code"))
	if err != nil {
		return s.webError(c, err)
	}
	pg := &taxpayerPage{Taxpayer: r.Taxpayer, Sources: r.Sources, Today: r.Today}
	byPeriod := map[string]*periodRow{}
	for _, v := range r.Declarations {
		row := byPeriod[v.Period]
		if row == nil {
			row = &periodRow{Period: v.Period}
			byPeriod[v.Period] = row
			pg.Periods = append(pg.Periods, row)
		}
		row.Revisions = append(row.Revisions, v)
	}
	for _, row := range pg.Periods {
		sort.Slice(row.Revisions, func(i, j int) bool { return row.Revisions[i].Revision > row.Revisions[j].Revision })
		row.Latest = row.Revisions[0]
		row.DaysLeft = row.Latest.Deadline.Day().Ordinal() - pg.Today.Day().Ordinal()
		row.Balance = r.Balances[row.Period]
		row.Due = row.Balance != nil && row.Balance.Unpaid.Decimal.Sign() > 0
	}
	sort.Slice(pg.Periods, func(i, j int) bool { return pg.Periods[i].Period > pg.Periods[j].Period })
	pg.CanFile = p.Can(filing.ActDeclarationFile)
	pg.CanSource = p.Can(filing.ActSourceWrite)
	pg.CanRecon = p.Can(filing.ActReconcileRead)
	pg.CanMonitor = p.Can(filing.ActMonitoringRead)
	pg.CanAudit = p.Can(filing.ActAuditRead)
	pg.CanEdit, pg.Labels, pg.Updated = p.Can(filing.ActTaxpayerUpdate), taxpayerLabel, c.QueryParam("updated") == "1"
	if pg.Edit = edit; pg.Edit == nil {
		pg.Edit = &taxpayerFormPage{}
	}
	if pg.Edit.Vals == nil { // as stored, at the stored version
		pg.Edit.Vals = url.Values{"name": {pg.Taxpayer.Name}, "region": {pg.Taxpayer.Region}, "industry": {pg.Taxpayer.Industry},
			"version": {strconv.Itoa(pg.Taxpayer.Version)}}
	}
	pg.Errs, pg.StartPeriod = fe, period
	pg.RegionName = s.regionNames()[pg.Taxpayer.Region]
	if pg.StartPeriod == "" {
		pg.StartPeriod = periodToFile(pg.Today, pg.Periods)
	}
	pg.Steps = taxpayerSteps(pg)
	return s.render(c, status, "taxpayer", s.page(c, pg.Taxpayer.Name, pg))
}

func (s *Server) webSource(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	r, err := s.app.SourceRecord(ctx(c), p, c.Param("code"), id)
	if err != nil {
		return s.webError(c, err)
	}
	return s.renderSource(c, http.StatusOK, r, nil, "")
}

// figureChange is one figure field a correction changed.
type figureChange struct {
	Source string
	Month  string
	Field  string
	Old    string
	New    string
}

// lineChange is one line whose tax a correction changed.
type lineChange struct {
	Month, Source, Pollutant string
	OldTax, NewTax, Diff     string
}

type declarationPage struct {
	Taxpayer  *filing.Taxpayer
	D         *app.DeclarationView
	Sources   map[int64]*filing.Source
	Result    *web.Result
	ResultErr *calc.Error
	Replaced  *filing.Declaration
	Figures   []figureChange
	Lines     []lineChange
	Revisions []filing.Declaration
	Balance   *filing.Balance
	Today     filing.Date
	DaysLeft  int

	Form       *declForm
	Rows       []web.FigureRow // the figures form of a draft
	Steps      []step
	Problems   []web.Explained // why a draft cannot be assessed, in plain Chinese
	Latest     bool            // the latest revision of its period
	CanFile    bool
	CanAccept  bool
	CanPay     bool
	LastPeriod *filing.Declaration // for the summary before submitting
	Done       string
	DoneText   string
	Summary    []summaryRow
	Warnings   []web.Explained
	PayOn      string
	PayAmount  string
}

// declForm is what was posted to a declaration page and refused: the
// figures as typed, the errors, the summary before submitting.
type declForm struct {
	Vals    url.Values
	PayVals url.Values
	Errs    *formErrors
	Confirm bool
}

func (s *Server) webDeclaration(c echo.Context) error {
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	return s.renderDeclaration(c, http.StatusOK, id, nil)
}

func (s *Server) renderDeclaration(c echo.Context, status int, id int64, form *declForm) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return s.webError(c, err)
	}
	r, err := s.app.DeclarationRecord(ctx(c), p, id)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &declarationPage{D: r.View, Taxpayer: r.Taxpayer, Sources: r.Sources, Today: r.Today, ResultErr: r.ResultErr,
		Revisions: r.Revisions, Replaced: r.Replaced, Balance: r.Balance}
	pg.DaysLeft = r.View.Deadline.Day().Ordinal() - pg.Today.Day().Ordinal()
	if pg.Result, err = web.DeclarationResult(r.Assessed, r.Result); err != nil {
		return s.webError(c, err)
	}
	sort.Slice(pg.Revisions, func(i, j int) bool { return pg.Revisions[i].Revision < pg.Revisions[j].Revision })
	if r.Replaced != nil {
		pg.Figures = diffFigures(r.ReplacedFigures, r.View.Figures, r.Sources)
		if len(r.Replaced.Assessment) > 0 && pg.Result != nil {
			old, err := web.ParseResult(r.Replaced.Assessment)
			if err != nil {
				return s.webError(c, err)
			}
			pg.Lines = diffLines(old, pg.Result)
		}
	}
	if err := s.fillDeclarationPage(c, p, pg, r, form); err != nil {
		return s.webError(c, err)
	}
	title := "申报 " + pg.D.Period + " 第" + strconv.Itoa(pg.D.Revision) + "版"
	if pg.Form != nil && pg.Form.Confirm {
		title = "提交前确认 " + pg.D.Period
	}
	return s.render(c, status, "declaration", s.page(c, title, pg))
}

func sourceName(sources map[int64]*filing.Source, id int64) string {
	if src := sources[id]; src != nil {
		return src.Label()
	}
	return "税源 " + strconv.FormatInt(id, 10)
}

// diffFigures lists every figure field that differs between two
// revisions, by source and month; figures added or dropped show as a
// change from or to empty.
func diffFigures(old, cur []filing.Figure, sources map[int64]*filing.Source) []figureChange {
	type key struct {
		id    int64
		month string
	}
	fields := web.FigureValues
	was := map[key]map[string]string{}
	for i := range old {
		was[key{old[i].SourceID, old[i].Month}] = fields(&old[i])
	}
	now := map[key]map[string]string{}
	var keys []key
	for i := range cur {
		k := key{cur[i].SourceID, cur[i].Month}
		now[k] = fields(&cur[i])
		keys = append(keys, k)
	}
	for k := range was {
		if _, ok := now[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].month != keys[j].month {
			return keys[i].month < keys[j].month
		}
		return keys[i].id < keys[j].id
	})
	var out []figureChange
	for _, k := range keys {
		a, b := was[k], now[k]
		names := map[string]bool{}
		for n := range a {
			names[n] = true
		}
		for n := range b {
			names[n] = true
		}
		var sorted []string
		for n := range names {
			sorted = append(sorted, n)
		}
		sort.Strings(sorted)
		for _, n := range sorted {
			if !sameNumber(a[n], b[n]) {
				out = append(out, figureChange{Source: sourceName(sources, k.id), Month: k.month, Field: sheet.FigureLabel(n), Old: a[n], New: b[n]})
			}
		}
	}
	return out
}

// sameNumber compares two figure texts as decimals (1.50 = 1.5).
func sameNumber(a, b string) bool {
	if a == b {
		return true
	}
	da, e1 := decimal.NewFromString(a)
	db, e2 := decimal.NewFromString(b)
	return e1 == nil && e2 == nil && da.Equal(db)
}

// diffLines lists the lines whose tax changed between two assessments.
func diffLines(old, cur *web.Result) []lineChange {
	key := func(l web.ResultLine) string { return l.Month + "\x00" + l.Source + "\x00" + l.Pollutant }
	was := map[string]web.ResultLine{}
	for _, l := range old.Lines {
		was[key(l)] = l
	}
	seen := map[string]bool{}
	var out []lineChange
	add := func(month, source, pol, a, b string) {
		da, _ := decimal.NewFromString(orZero(a))
		db, _ := decimal.NewFromString(orZero(b))
		if da.Equal(db) {
			return
		}
		out = append(out, lineChange{Month: month, Source: source, Pollutant: pol, OldTax: a, NewTax: b, Diff: db.Sub(da).StringFixed(2)})
	}
	for _, l := range cur.Lines {
		k := key(l)
		seen[k] = true
		add(l.Month, l.Source, l.Pollutant, was[k].Tax, l.Tax)
	}
	for _, l := range old.Lines {
		if !seen[key(l)] {
			add(l.Month, l.Source, l.Pollutant, l.Tax, "")
		}
	}
	return out
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// webSourcesXLSX sends the taxpayer's 税源明细表 (as GET
// /v1/taxpayers/{code}/sources/export does).
func (s *Server) webSourcesXLSX(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return s.webError(c, err)
	}
	tp, list, err := s.app.TaxpayerSources(ctx(c), p, c.Param("code"))
	if err != nil {
		return s.webError(c, err)
	}
	sh, name := sheet.Sources(tp, list)
	return s.download(c, sh, name)
}

// webDeclarationXLSX sends a declaration's 申报计算及减免信息 (as GET
// /v1/declarations/{id}/export does).
func (s *Server) webDeclarationXLSX(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return s.webError(c, err)
	}
	id, err := pathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	r, err := s.app.DeclarationRecord(ctx(c), p, id)
	if err != nil {
		return s.webError(c, err)
	}
	sh, name, err := sheet.Declaration(r)
	if err != nil {
		return s.webError(c, err)
	}
	return s.download(c, sh, name)
}

// download sends a form as XLSX, its errors as a page.
func (s *Server) download(c echo.Context, sh *sheet.Sheet, name string) error {
	if err := httpx.Download(c, sh, "xlsx", name); err != nil {
		return s.webError(c, err)
	}
	return nil
}
