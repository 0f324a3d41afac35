package pages

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/monitor"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/web"
)

// Officer pages: reconciliation (比对) with its risk flags, a flagged
// item's months and hourly monitoring data, and 复核 requests. Each calls
// the operations of the JSON routes (app/) as the signed-in principal, so
// its checks, its audit entry and its numbers are the route's.

var (
	flagLabel = map[string]string{
		reconcile.FlagMonitoredAbove: "监测量高于申报量", reconcile.FlagYoYDrop: "排放量同比大幅下降",
		reconcile.FlagPeers: "单位产品排放量远低于同行业", reconcile.FlagMissing: "缺少监测数据",
		reconcile.FlagIncomplete: "监测数据不完整", reconcile.FlagNoDeclaration: "未按期申报",
	}
	itemStatusLabel = map[string]string{
		reconcile.StatusMatch: "一致", reconcile.StatusMonitoredHigher: "监测高于申报", reconcile.StatusDeclaredHigher: "申报高于监测",
		reconcile.StatusNotDeclared: "有监测无申报", reconcile.StatusNotMonitored: "有申报无监测", reconcile.StatusNoData: "无数据",
	}
	resultStatusLabel = map[string]string{
		reconcile.ResultClear: "无疑点", reconcile.ResultFlagged: "有风险疑点", reconcile.ResultNoDeclaration: "未申报",
	}
	reviewStatusLabel = map[string]string{
		exchange.ReviewOpen: "待复核", exchange.ReviewAnswered: "已出具意见", exchange.ReviewApplied: "已调整", exchange.ReviewClosed: "已关闭",
	}
	opinionLabel = map[string]string{
		exchange.OpinionConfirmed: "维持申报数据", exchange.OpinionCorrected: "更正数据", exchange.OpinionCannotDetermine: "无法确定",
	}
	itemLabel = map[string]string{
		exchange.ItemDeclared: "已申报该项", exchange.ItemNotDeclared: "申报中无该项", exchange.ItemNoDeclaration: "该期未申报",
	}
)

func options(m map[string]string) []web.Option {
	var out []web.Option
	for k, v := range m {
		out = append(out, web.Option{Value: k, Label: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

// --- reconciliation list ---

type reconFilter struct {
	Period, Region, Status, Flag string
}

// The pages read the routes' JSON into these (store's types keep their
// detail as filing.RawJSON, which only writes JSON).
type resultRow struct {
	CreditCode    string  `json:"credit_code"`
	Name          string  `json:"name"`
	Region        string  `json:"region"`
	Period        string  `json:"period"`
	Status        string  `json:"status"`
	Revision      *int    `json:"revision"`
	DeclaredTax   *string `json:"declared_tax"`
	MonitoredTax  *string `json:"monitored_tax"`
	TaxDifference *string `json:"tax_difference"`
	Items         int     `json:"items"`
	Flags         int     `json:"flags"`
}

type itemRow struct {
	CreditCode   string  `json:"credit_code"`
	Period       string  `json:"period"`
	Month        string  `json:"month"`
	OutletNo     string  `json:"outlet_no"`
	Pollutant    string  `json:"pollutant"`
	PollutantID  string  `json:"pollutant_id"`
	Status       string  `json:"status"`
	DeclaredKg   *string `json:"declared_kg"`
	MonitoredKg  *string `json:"monitored_kg"`
	DifferenceKg *string `json:"difference_kg"`
	DeclaredTax  *string `json:"declared_tax"`
	MonitoredTax *string `json:"monitored_tax"`
	Completeness *string `json:"completeness"`
	ValidUnits   int     `json:"valid_units"`
	Units        int     `json:"units"`
	Excluded     int     `json:"excluded"`
}

type runRow struct {
	CreatedAt time.Time `json:"created_at"`
	Taxpayers int       `json:"taxpayers"`
	Flags     int       `json:"flags"`
}

type reconRow struct {
	resultRow
	FlagCodes []string
}

type reconPage struct {
	Filter    reconFilter
	Rows      []reconRow
	Flags     []app.Flag
	Runs      []runRow
	Statuses  []web.Option
	FlagCodes []web.Option
	CanRun    bool
	Errors    []web.Explained
	Labels    map[string]map[string]string
	Periods   []web.Option
	Names     map[string]string // credit code → taxpayer name
}

var webLabels = map[string]map[string]string{
	"flag": flagLabel, "item": itemStatusLabel, "result": resultStatusLabel, "review": reviewStatusLabel,
	"opinion": opinionLabel, "itemStatus": itemLabel,
}

func (s *Server) webReconciliation(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRead)
	if err != nil {
		return s.webError(c, err)
	}
	f := reconFilter{Period: strings.TrimSpace(c.QueryParam("period")), Region: strings.TrimSpace(c.QueryParam("region")),
		Status: c.QueryParam("status"), Flag: c.QueryParam("flag")}
	if f.Period == "" {
		f.Period = s.defaultPeriod()
	}
	pg := &reconPage{Filter: f, Statuses: options(resultStatusLabel), FlagCodes: options(flagLabel), CanRun: p.Can(filing.ActReconcileRun), Labels: webLabels,
		Periods: s.choicesFor("")["periods"], Names: map[string]string{}}
	results, err := s.app.Results(ctx(c), p, app.ResultFilter{Period: f.Period, Limit: 1000}, f.Region)
	var (
		flags []app.Flag
		runs  []app.Run
	)
	if err == nil {
		flags, err = s.app.Flags(ctx(c), p, app.FlagFilter{Period: f.Period, Code: f.Flag}, f.Region)
	}
	if err == nil {
		runs, err = s.app.Runs(ctx(c), p, app.RunFilter{Period: f.Period, Limit: 5}, f.Region)
	}
	if ce, ok := err.(*calc.Error); ok && ce.Kind == calc.KindInvalid {
		pg.Errors = problemsOf(ce.Errors)
		return s.render(c, http.StatusBadRequest, "reconciliation", s.page(c, "比对与风险疑点", pg))
	}
	if err != nil {
		return s.webError(c, err)
	}
	codes := map[string][]string{}
	for _, fl := range flags {
		if !containsStr(codes[fl.CreditCode], fl.Code) {
			codes[fl.CreditCode] = append(codes[fl.CreditCode], fl.Code)
		}
	}
	for i := range results {
		r := resultRowOf(&results[i])
		pg.Names[r.CreditCode] = r.Name
		if f.Status != "" && r.Status != f.Status {
			continue
		}
		if f.Flag != "" && len(codes[r.CreditCode]) == 0 {
			continue
		}
		pg.Rows = append(pg.Rows, reconRow{resultRow: r, FlagCodes: codes[r.CreditCode]})
	}
	pg.Flags = flags
	for _, r := range runs {
		pg.Runs = append(pg.Runs, runRow{CreatedAt: r.CreatedAt, Taxpayers: r.Taxpayers, Flags: r.Flags})
	}
	return s.render(c, http.StatusOK, "reconciliation", s.page(c, "比对与风险疑点", pg))
}

// webRunReconciliation starts a reconciliation from the list page's form
// as a background job (app.StartReconciliation) and waits up to
// Config.JobWait for it: a run that ends by then goes straight to the
// results, a longer one to its progress page, so that a large region
// never holds the request (or a proxy's timeout) for the whole run.
func (s *Server) webRunReconciliation(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRun)
	if err != nil {
		return s.webError(c, err)
	}
	in := app.RunRequest{Period: strings.TrimSpace(c.FormValue("period")), Region: strings.TrimSpace(c.FormValue("region"))}
	j, err := s.app.StartReconciliation(ctx(c), p, app.Idem{}, in)
	if err != nil {
		return s.webError(c, err)
	}
	if s.cfg.JobWait > 0 {
		if w, err := s.app.WaitReconciliationJob(ctx(c), p, j.ID, s.cfg.JobWait); err == nil {
			j = w
		}
	}
	if j.Status == "done" {
		return c.Redirect(http.StatusSeeOther, reconListURL(j))
	}
	return c.Redirect(http.StatusSeeOther, "/app/reconciliation/jobs/"+url.PathEscape(j.ID))
}

// reconListURL is the results of a job's period and region.
func reconListURL(j *app.Job) string {
	return "/app/reconciliation?" + url.Values{"period": {j.Period}, "region": {j.Region}}.Encode()
}

// jobPage is a reconciliation job's progress as its page shows it.
type jobPage struct {
	Job     *app.Job
	Status  string // in words
	Percent int
	Started string
	Back    string
}

func jobPageOf(j *app.Job) *jobPage {
	pg := &jobPage{Job: j, Status: jobStatusLabel[j.Status], Back: reconListURL(j), Started: j.CreatedAt.In(beijing).Format("2006-01-02 15:04:05")}
	if j.Total > 0 {
		pg.Percent = j.Done * 100 / j.Total
	}
	return pg
}

var jobStatusLabel = map[string]string{
	"queued":  "排队等候（同时最多进行两项比对）",
	"running": "正在比对",
	"failed":  "比对未完成",
}

// webReconciliationJob follows a job: its progress while it runs (the
// page reloads itself), the results once it is done, why not if it failed.
func (s *Server) webReconciliationJob(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRun)
	if err != nil {
		return s.webError(c, err)
	}
	j, err := s.app.ReconciliationJob(ctx(c), p, c.Param("id"))
	if err != nil {
		return s.webError(c, err)
	}
	if j.Status == "done" {
		return c.Redirect(http.StatusSeeOther, reconListURL(j))
	}
	pg := jobPageOf(j)
	title := "比对进行中"
	if j.Status == "failed" {
		title = "比对未完成"
	}
	page := s.page(c, title, pg)
	if !j.Finished() {
		page.Refresh = 2
	}
	return s.render(c, http.StatusOK, "recon_job", page)
}

// --- one taxpayer's reconciliation ---

type taxpayerReconPage struct {
	Taxpayer *filing.Taxpayer
	Period   string
	Result   *resultRow
	Items    []itemRow
	Flags    []app.Flag
	Labels   map[string]map[string]string
}

func (s *Server) webTaxpayerReconciliation(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRead)
	if err != nil {
		return s.webError(c, err)
	}
	code, period := c.Param("code"), c.QueryParam("period")
	pg := &taxpayerReconPage{Period: period, Labels: webLabels}
	out, err := s.app.Reconciliation(ctx(c), p, code, period)
	if err != nil {
		return s.webError(c, err)
	}
	r := resultRowOf(out.Result)
	pg.Taxpayer, pg.Result, pg.Items, pg.Flags = out.Taxpayer, &r, itemRowsOf(out.Items), out.Flags
	return s.render(c, http.StatusOK, "recon_taxpayer", s.page(c, pg.Taxpayer.Name+" · 比对 "+period, pg))
}

// --- a flagged item: its months and hourly data ---

type itemPage struct {
	Taxpayer  *filing.Taxpayer
	Key       reconcile.FlagKey
	Flag      *app.Flag
	Flags     []app.Flag
	Months    []itemRow
	Charts    []*web.Chart
	Devices   []string
	Excluded  []hourMark
	Quality   []gapMonth
	Reviews   []*app.ReviewView
	CanReview bool
	Reason    string
	Errors    []web.Explained
	Labels    map[string]map[string]string
}

type hourMark struct {
	DataTime, Code, Flag string
	When, Name           string // the hour and the mark in words (named)
}

// named writes each excluded hour and its mark in words: the mark's name
// from the rules in force on its day, the hour as 1月2日 06时.
func named(marks []hourMark, quality *monitor.Rules) []hourMark {
	for i := range marks {
		m := &marks[i]
		m.When, m.Name = periodText(m.DataTime), "标记不在标记表中"
		if len(m.DataTime) >= 10 {
			m.When = periodText(m.DataTime[:10])
		}
		if quality == nil || len(m.DataTime) < 8 {
			continue
		}
		d, err := param.ParseDate(m.DataTime[:4] + "-" + m.DataTime[4:6] + "-" + m.DataTime[6:8])
		if err != nil {
			continue
		}
		if q, err := quality.On(d); err == nil {
			if mk, ok := q.Marks[m.Flag]; ok && mk.Name != "" {
				m.Name = mk.Name
			}
		}
	}
	return marks
}

// itemKey reads a flagged item's address from the query.
func itemKey(c echo.Context) reconcile.FlagKey {
	return reconcile.FlagKey{CreditCode: c.Param("code"), Period: c.QueryParam("period"), OutletNo: c.QueryParam("outlet"),
		Pollutant: c.QueryParam("pollutant"), Month: c.QueryParam("month"), Code: c.QueryParam("code")}
}

func (s *Server) webReconItem(c echo.Context) error {
	return s.renderItem(c, itemKey(c), http.StatusOK, "", nil)
}

func (s *Server) renderItem(c echo.Context, k reconcile.FlagKey, status int, reason string, errs []calc.FieldError) error {
	p, err := allowed(c, filing.ActReconcileRead)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &itemPage{Key: k, Labels: webLabels, CanReview: p.Can(filing.ActReviewOpen), Reason: reason, Errors: problemsOf(errs)}
	if pg.Reason == "" && k.Code != "" {
		pg.Reason = flagLabel[k.Code] + "，请核实该排放口该污染物的监测数据与申报数据。"
	}
	out, err := s.app.Reconciliation(ctx(c), p, k.CreditCode, k.Period)
	if err != nil {
		return s.webError(c, err)
	}
	pg.Taxpayer = out.Taxpayer
	for i := range out.Flags {
		fl := &out.Flags[i]
		if fl.OutletNo == k.OutletNo && fl.Pollutant == k.Pollutant {
			pg.Flags = append(pg.Flags, *fl)
			if fl.Key() == k {
				pg.Flag = fl
			}
		}
	}
	if pg.Flag == nil && k.Code != "" {
		return s.webError(c, app.Fail(calc.KindNotFound, "flag_not_found", "风险疑点不存在", "no standing flag with this address; a later run may have cleared it"))
	}
	var pollutantID string
	for _, it := range itemRowsOf(out.Items) {
		if it.OutletNo == k.OutletNo && it.Pollutant == k.Pollutant {
			pg.Months = append(pg.Months, it)
			pollutantID = it.PollutantID
		}
	}
	sort.Slice(pg.Months, func(i, j int) bool { return pg.Months[i].Month < pg.Months[j].Month })
	// The monitoring data of the month (or of each month of the period
	// when the flag is for the whole period), when it may be read.
	months := []string{k.Month}
	if k.Month == "" {
		if per, err := filing.ParsePeriod(k.Period); err == nil {
			months = per.Months()
		}
	}
	var revision *int
	if out.Result != nil {
		revision = out.Result.Revision
	}
	ch, err := s.chartsOf(c, p, k.CreditCode, k.Period, k.OutletNo, k.Pollutant, pollutantID, revision, months)
	if err != nil {
		return s.webError(c, err)
	}
	pg.Charts, pg.Excluded, pg.Devices = ch.Charts, ch.Excluded, ch.Devices
	pg.Quality = ch.Quality
	if p.Can(filing.ActReviewRead) {
		rv, err := s.app.Reviews(ctx(c), p, app.ReviewFilter{CreditCode: k.CreditCode, Period: k.Period})
		if err != nil {
			return s.webError(c, err)
		}
		for _, r := range rv.Reviews {
			if r.OutletNo == k.OutletNo && r.Pollutant == k.Pollutant {
				pg.Reviews = append(pg.Reviews, r)
			}
		}
	}
	title := "疑点 " + k.OutletNo + " " + k.Pollutant + " " + k.Month
	return s.render(c, status, "recon_item", s.page(c, title, pg))
}

// problemsOf writes errors in plain Chinese. An error of the whole
// request ("$", written "标题：detail" by the handlers here) shows its
// Chinese title; the English detail goes to 依据详情.
func problemsOf(errs []calc.FieldError) []web.Explained {
	var out []web.Explained
	for _, e := range errs {
		if title, _, ok := strings.Cut(e.Message, "："); ok && e.Path == "$" && !latinRun.MatchString(title) {
			out = append(out, web.Explained{Text: title + "。", Path: e.Path, Code: e.Code, Detail: e.Message})
			continue
		}
		out = append(out, web.Explain(e, nil))
	}
	return out
}

var latinRun = regexp.MustCompile(`[A-Za-z]{4,}`)

// resultRowOf is a standing result as the pages show it (the amounts as
// their JSON writes them).
func resultRowOf(r *app.Result) resultRow {
	return resultRow{CreditCode: r.CreditCode, Name: r.Name, Region: r.Region, Period: r.Period, Status: r.Status, Revision: r.Revision,
		DeclaredTax: moneyText(r.DeclaredTax), MonitoredTax: moneyText(r.MonitoredTax), TaxDifference: moneyText(r.TaxDifference), Items: r.Items, Flags: r.Flags}
}

// itemRowsOf are standing items as the pages show them.
func itemRowsOf(items []app.Item) []itemRow {
	out := make([]itemRow, len(items))
	for i := range items {
		it := &items[i]
		out[i] = itemRow{CreditCode: it.CreditCode, Period: it.Period, Month: it.Month, OutletNo: it.OutletNo, Pollutant: it.Pollutant,
			PollutantID: it.PollutantID, Status: it.Status, DeclaredKg: decText(it.DeclaredKg), MonitoredKg: decText(it.MonitoredKg),
			DifferenceKg: decText(it.DifferenceKg), DeclaredTax: moneyText(it.DeclaredTax), MonitoredTax: moneyText(it.MonitoredTax),
			Completeness: decText(it.Completeness), ValidUnits: it.ValidUnits, Units: it.Units, Excluded: it.Excluded}
	}
	return out
}

// decText is a figure as its JSON writes it; nil when absent.
func decText(d decimal.NullDecimal) *string {
	if !d.Valid {
		return nil
	}
	t := d.Decimal.String()
	return &t
}

// moneyText is an amount as its JSON writes it (two decimals); nil when
// absent.
func moneyText(m filing.Money) *string {
	if !m.Valid {
		return nil
	}
	t := m.String()
	return &t
}

func hasValue(vs []decimal.NullDecimal) bool {
	for _, v := range vs {
		if v.Valid {
			return true
		}
	}
	return false
}

// webOpenReview opens a 复核 request for a flagged item (the operation of
// POST /v1/reviews) and shows the new request with its deadline.
func (s *Server) webOpenReview(c echo.Context) error {
	k := reconcile.FlagKey{CreditCode: c.FormValue("credit_code"), Period: c.FormValue("period"), OutletNo: c.FormValue("outlet_no"),
		Pollutant: c.FormValue("pollutant"), Month: c.FormValue("month"), Code: c.FormValue("flag_code")}
	reason := strings.TrimSpace(c.FormValue("reason"))
	p, _ := signedIn(c)
	r, err := s.app.OpenReview(ctx(c), p, app.Idem{}, app.ReviewRequest{CreditCode: k.CreditCode, Period: k.Period, OutletNo: k.OutletNo,
		Pollutant: k.Pollutant, Month: k.Month, FlagCode: k.Code, Reason: reason})
	if ce, ok := err.(*calc.Error); ok && (ce.Kind == calc.KindInvalid || ce.Kind == calc.KindConflict) {
		errs := ce.Errors
		if len(errs) == 0 {
			errs = []calc.FieldError{{Path: "$", Code: ce.Code, Message: ce.Title + "：" + ce.Detail}}
		}
		return s.renderItem(c, k, httpx.Status(ce.Kind), reason, errs)
	}
	if err != nil {
		return s.webError(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/app/reviews/"+strconv.FormatInt(r.Value.ID, 10)+"?opened=1")
}

// --- reviews ---

type reviewsPage struct {
	Status  string
	Reviews []*app.ReviewView
	Today   string
	Labels  map[string]map[string]string
	Options []web.Option
	Waiting bool              // the environment bureau's view: requests to answer
	Names   map[string]string // credit code → taxpayer name
}

// daysLeft is what the list shows: days to the last day (negative: late).
func daysLeft(today, last filing.Date) int { return last.Day().Ordinal() - today.Day().Ordinal() }

func (s *Server) webReviews(c echo.Context) error {
	p, err := allowed(c, filing.ActReviewRead)
	if err != nil {
		return s.webError(c, err)
	}
	status := c.QueryParam("status")
	if _, ok := c.QueryParams()["status"]; !ok && p.Role == filing.RoleEnvOfficer {
		status = exchange.ReviewOpen // what waits for an answer
	}
	list, err := s.app.Reviews(ctx(c), p, app.ReviewFilter{Status: status, Limit: 200})
	if err != nil {
		return s.webError(c, err)
	}
	pg := &reviewsPage{Status: status, Reviews: list.Reviews, Today: string(list.Today), Labels: webLabels, Options: options(reviewStatusLabel),
		Waiting: status == exchange.ReviewOpen, Names: map[string]string{}}
	for _, r := range list.Reviews {
		if _, ok := pg.Names[r.CreditCode]; !ok {
			pg.Names[r.CreditCode] = ""
			if tp, err := s.app.Taxpayer(ctx(c), p, r.CreditCode); err == nil {
				pg.Names[r.CreditCode] = tp.Name
			}
		}
	}
	return s.render(c, http.StatusOK, "reviews", s.page(c, "复核", pg))
}

type reviewPage struct {
	R         *app.ReviewView
	Today     string
	Left      int
	Opened    bool
	CanAnswer bool
	CanApply  bool
	Errors    []calc.FieldError
	Opinions  []web.Option
	Labels    map[string]map[string]string

	Months   []itemRow         // declared vs monitored, month by month, of the item
	Answer   *answerForm       // the opinion as entered (kept when refused, shown to confirm)
	Preview  *app.ApplyPreview // what applying corrected figures would file
	Problems []web.Explained   // the errors, in plain Chinese
	Name     string            // the taxpayer's name
	Chart    *itemCharts       // the item's monitoring data, drawn as on the flagged-item page
	Unit     string            // the pollutant's concentration unit
}

// answerForm is an opinion being given: the values typed, the errors
// beside each input, and whether it is shown for confirmation.
type answerForm struct {
	Vals    url.Values
	By      map[string][]string
	Confirm bool
}

func (a *answerForm) Get(k string) string {
	if a == nil {
		return ""
	}
	return a.Vals.Get(k)
}

func (a *answerForm) Err(k string) []string {
	if a == nil {
		return nil
	}
	return a.By[k]
}

func (s *Server) webReview(c echo.Context) error {
	return s.renderReview(c, http.StatusOK, nil)
}

func (s *Server) renderReview(c echo.Context, status int, errs []calc.FieldError) error {
	return s.renderReviewForm(c, status, errs, nil)
}

func (s *Server) renderReviewForm(c echo.Context, status int, errs []calc.FieldError, form *answerForm) error {
	p, _ := signedIn(c)
	id, err := httpx.PathID(c, "id")
	if err != nil {
		return s.webError(c, err)
	}
	v, err := s.app.Review(ctx(c), p, id)
	if err != nil {
		return s.webError(c, err)
	}
	today := filing.Today(s.now())
	pg := &reviewPage{R: v, Today: string(today), Left: daysLeft(today, v.Deadline), Opened: c.QueryParam("opened") == "1", Labels: webLabels,
		CanAnswer: p.Can(filing.ActReviewAnswer) && v.Status == exchange.ReviewOpen,
		CanApply:  p.Can(filing.ActReviewApply) && v.Status == exchange.ReviewAnswered,
		Errors:    errs, Opinions: options(opinionLabel), Answer: form, Unit: s.concUnit(v.Pollutant)}
	pg.Problems = problemsOf(errs)
	if tp, err := s.app.Taxpayer(ctx(c), p, v.CreditCode); err == nil {
		pg.Name = tp.Name
	}
	if p.Can(filing.ActReconcileRead) {
		// Declared and monitored, month by month, for the item under review.
		if out, err := s.app.Reconciliation(ctx(c), p, v.CreditCode, v.Period); err == nil {
			var pollutantID string
			for _, it := range itemRowsOf(out.Items) {
				if it.OutletNo == v.OutletNo && it.Pollutant == v.Pollutant {
					pg.Months = append(pg.Months, it)
					pollutantID = it.PollutantID
				}
			}
			sort.Slice(pg.Months, func(i, j int) bool { return pg.Months[i].Month < pg.Months[j].Month })
			// The chart of the item beside its months: the month under
			// review, or every month of the period for a whole-period flag.
			months := []string{v.Month}
			if v.Month == "" {
				if per, err := filing.ParsePeriod(v.Period); err == nil {
					months = per.Months()
				}
			}
			var revision *int
			if out.Result != nil {
				revision = out.Result.Revision
			}
			if pg.Chart, err = s.chartsOf(c, p, v.CreditCode, v.Period, v.OutletNo, v.Pollutant, pollutantID, revision, months); err != nil {
				return s.webError(c, err)
			}
		}
	}
	if pg.CanAnswer && pg.Answer == nil {
		// Monitored figures of the month, offered for 更正数据; no opinion chosen.
		pg.Answer = &answerForm{Vals: url.Values{}}
		for _, m := range pg.Months {
			if m.Month == v.Month && m.MonitoredKg != nil {
				pg.Answer.Vals.Set("emission_kg", *m.MonitoredKg)
			}
		}
	}
	if pg.CanApply {
		if pg.Preview, err = s.app.PreviewApply(ctx(c), p, v.ID); err != nil {
			return s.webError(c, err)
		}
	}
	return s.render(c, status, "review", s.page(c, "复核 "+v.Ref, pg))
}

// answerLabel names the opinion's figures, for their errors.
var answerLabel = map[string]string{"avg_concentration": "更正后月均浓度", "emission_kg": "更正后排放量",
	"max_concentration": "更正后最高浓度", "wastewater_t": "更正后废水量"}

// webAnswerReview gives the environment bureau's opinion (出具复核意见, the
// operation of POST /v1/reviews/{id}/answer): confirmed, corrected (with
// the corrected figures of the item's month) or cannot be determined.
func (s *Server) webAnswerReview(c echo.Context) error {
	vals, _ := c.FormParams()
	form := &answerForm{Vals: vals, By: map[string][]string{}}
	a := exchange.Answer{Opinion: vals.Get("opinion"), Note: strings.TrimSpace(vals.Get("note"))}
	if _, ok := opinionLabel[a.Opinion]; !ok {
		form.By["opinion"] = []string{"请选择复核意见。"}
	}
	if a.Opinion == exchange.OpinionCorrected {
		k := exchange.FigureInput{OutletNo: vals.Get("outlet_no"), Pollutant: vals.Get("pollutant"), Month: vals.Get("month")}
		given := false
		for _, f := range []struct {
			name string
			dst  *decimal.NullDecimal
		}{{"avg_concentration", &k.AvgConcentration}, {"emission_kg", &k.EmissionKg}, {"max_concentration", &k.MaxConcentration}, {"wastewater_t", &k.WastewaterT}} {
			if v := strings.TrimSpace(vals.Get(f.name)); v != "" {
				d, msg := web.ParseNumber(v)
				if msg != "" {
					form.By[f.name] = append(form.By[f.name], answerLabel[f.name]+msg)
					continue
				}
				*f.dst, given = decimal.NullDecimal{Decimal: d, Valid: true}, true
			}
		}
		if !given && len(form.By) == 0 {
			form.By["emission_kg"] = []string{"“更正数据”需要填写更正后的排放量或浓度。"}
		}
		a.Corrections = []exchange.FigureInput{k}
	}
	if len(form.By) > 0 {
		return s.renderReviewForm(c, httpx.Status(calc.KindInvalid), nil, form)
	}
	if vals.Get("confirm") != "1" {
		// A confirmation step: the opinion as it will be given, to check once more.
		form.Confirm = true
		return s.renderReviewForm(c, http.StatusOK, nil, form)
	}
	form2, _ := strconv.Atoi(vals.Get("version"))
	version, err := httpx.IfMatch(c, form2)
	if err == nil {
		var id int64
		if id, err = httpx.PathID(c, "id"); err == nil {
			p, _ := signedIn(c)
			_, err = s.app.AnswerReview(ctx(c), p, id, version, a)
		}
	}
	if ce, ok := err.(*calc.Error); ok && (ce.Kind == calc.KindInvalid || ce.Kind == calc.KindConflict) {
		var top []calc.FieldError
		for _, e := range ce.Errors {
			name := e.Path
			if i := strings.LastIndex(name, "."); i >= 0 {
				name = name[i+1:]
			}
			if vals.Has(name) {
				form.By[name] = append(form.By[name], web.Explain(e, nil).Text)
			} else {
				top = append(top, e)
			}
		}
		if len(ce.Errors) == 0 {
			top = append(top, calc.FieldError{Path: "$", Code: ce.Code, Message: ce.Title})
		}
		return s.renderReviewForm(c, httpx.Status(ce.Kind), top, form)
	}
	if err != nil {
		return s.webError(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/app/reviews/"+c.Param("id"))
}

// webApplyReview adjusts the tax per the opinion (the operation of POST
// /v1/reviews/{id}/apply): corrected figures become a correction of the
// declaration; otherwise the review is closed.
func (s *Server) webApplyReview(c echo.Context) error {
	return s.writeReviewPage(c, func(p filing.Principal, id int64, version int) error {
		_, err := s.app.ApplyReview(ctx(c), p, id, version)
		return err
	})
}

// writeReviewPage runs a change of the review of the page at the version
// the form was drawn with, and shows the review again.
func (s *Server) writeReviewPage(c echo.Context, write func(p filing.Principal, id int64, version int) error) error {
	form, _ := strconv.Atoi(c.FormValue("version"))
	version, err := httpx.IfMatch(c, form)
	if err == nil {
		var id int64
		if id, err = httpx.PathID(c, "id"); err == nil {
			p, _ := signedIn(c)
			err = write(p, id, version)
		}
	}
	return s.afterReviewWrite(c, c.Param("id"), err)
}

func (s *Server) afterReviewWrite(c echo.Context, id string, err error) error {
	if ce, ok := err.(*calc.Error); ok && (ce.Kind == calc.KindInvalid || ce.Kind == calc.KindConflict) {
		errs := ce.Errors
		if len(errs) == 0 {
			errs = []calc.FieldError{{Path: "$", Code: ce.Code, Message: ce.Title + "：" + ce.Detail}}
		}
		return s.renderReview(c, httpx.Status(ce.Kind), errs)
	}
	if err != nil {
		return s.webError(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/app/reviews/"+id)
}
