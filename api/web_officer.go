package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/web"
)

// Officer and finance pages: reconciliation (比对) with its risk flags, a
// flagged item's months and hourly monitoring data, 复核 requests, and
// the budget. Where a JSON route already does the work (listing results,
// opening a review, computing a budget) the page runs that route's
// handler itself (apiCall) as the signed-in principal, so its checks, its
// audit entry and its numbers are the route's.

// recorder collects what a handler writes.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if r.status == 0 {
		r.status = s
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// apiCall runs a JSON route's handler for a page: target is the path with
// its query, params the route's path parameters, body the JSON body (nil
// for none). A handler's error comes back as the error.
func (s *Server) apiCall(c echo.Context, h echo.HandlerFunc, method, target string, params map[string]string, body any) (*recorder, error) {
	var rd io.Reader = http.NoBody
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(c.Request().Context(), method, target, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	req.RemoteAddr = c.Request().RemoteAddr
	rec := &recorder{header: http.Header{}}
	ic := s.echo.NewContext(req, rec)
	var names, values []string
	for k, v := range params {
		names = append(names, k)
		values = append(values, v)
	}
	ic.SetParamNames(names...)
	ic.SetParamValues(values...)
	ic.Set(keyPrincipal, c.Get(keyPrincipal))
	ic.Set(keyRequestID, requestID(c))
	if err := h(ic); err != nil {
		return nil, err
	}
	return rec, nil
}

// apiJSON is apiCall decoding a JSON answer into out.
func (s *Server) apiJSON(c echo.Context, h echo.HandlerFunc, method, target string, params map[string]string, body, out any) error {
	rec, err := s.apiCall(c, h, method, target, params, body)
	if err != nil {
		return err
	}
	return json.Unmarshal(rec.body.Bytes(), out)
}

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
	Flags     []store.StoredFlag
	Runs      []runRow
	Statuses  []web.Option
	FlagCodes []web.Option
	CanRun    bool
	Errors    []calc.FieldError
	Labels    map[string]map[string]string
	Periods   []web.Option
}

var webLabels = map[string]map[string]string{
	"flag": flagLabel, "item": itemStatusLabel, "result": resultStatusLabel, "review": reviewStatusLabel,
	"opinion": opinionLabel, "itemStatus": itemLabel,
}

func (s *Server) webReconciliation(c echo.Context) error {
	p, err := officersOnly(c, filing.ActReconcileRead)
	if err != nil {
		return s.webError(c, err)
	}
	f := reconFilter{Period: strings.TrimSpace(c.QueryParam("period")), Region: strings.TrimSpace(c.QueryParam("region")),
		Status: c.QueryParam("status"), Flag: c.QueryParam("flag")}
	if f.Period == "" {
		f.Period = s.defaultPeriod()
	}
	pg := &reconPage{Filter: f, Statuses: options(resultStatusLabel), FlagCodes: options(flagLabel), CanRun: p.Can(filing.ActReconcileRun), Labels: webLabels,
		Periods: s.choicesFor("")["periods"]}
	q := url.Values{"period": {f.Period}, "limit": {"1000"}}
	if f.Region != "" {
		q.Set("region", f.Region)
	}
	var results struct {
		Results []resultRow `json:"results"`
	}
	var flags struct {
		Flags []store.StoredFlag `json:"flags"`
	}
	var runs struct {
		Runs []runRow `json:"runs"`
	}
	err = s.apiJSON(c, s.listResults, "GET", "/v1/reconciliation/results?"+q.Encode(), nil, nil, &results)
	if err == nil {
		fq := url.Values{"period": {f.Period}, "region": {f.Region}, "code": {f.Flag}}
		err = s.apiJSON(c, s.listFlags, "GET", "/v1/reconciliation/flags?"+fq.Encode(), nil, nil, &flags)
	}
	if err == nil {
		err = s.apiJSON(c, s.listRuns, "GET", "/v1/reconciliations?"+url.Values{"period": {f.Period}, "region": {f.Region}, "limit": {"5"}}.Encode(), nil, nil, &runs)
	}
	if ce, ok := err.(*calc.Error); ok && ce.Kind == calc.KindInvalid {
		pg.Errors = ce.Errors
		return s.render(c, http.StatusBadRequest, "reconciliation", s.page(c, "比对与风险疑点", pg))
	}
	if err != nil {
		return s.webError(c, err)
	}
	codes := map[string][]string{}
	for _, fl := range flags.Flags {
		if !containsStr(codes[fl.CreditCode], fl.Code) {
			codes[fl.CreditCode] = append(codes[fl.CreditCode], fl.Code)
		}
	}
	for _, r := range results.Results {
		if f.Status != "" && r.Status != f.Status {
			continue
		}
		if f.Flag != "" && len(codes[r.CreditCode]) == 0 {
			continue
		}
		pg.Rows = append(pg.Rows, reconRow{resultRow: r, FlagCodes: codes[r.CreditCode]})
	}
	pg.Flags, pg.Runs = flags.Flags, runs.Runs
	return s.render(c, http.StatusOK, "reconciliation", s.page(c, "比对与风险疑点", pg))
}

// webRunReconciliation runs a reconciliation (POST /v1/reconciliations)
// from the list page's form.
func (s *Server) webRunReconciliation(c echo.Context) error {
	in := map[string]string{"period": strings.TrimSpace(c.FormValue("period"))}
	if r := strings.TrimSpace(c.FormValue("region")); r != "" {
		in["region"] = r
	}
	if _, err := s.apiCall(c, s.createRun, "POST", "/v1/reconciliations", nil, in); err != nil {
		return s.webError(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/app/reconciliation?"+url.Values{"period": {in["period"]}, "region": {in["region"]}}.Encode())
}

// --- one taxpayer's reconciliation ---

type taxpayerReconPage struct {
	Taxpayer *filing.Taxpayer
	Period   string
	Result   *resultRow
	Items    []itemRow
	Flags    []store.StoredFlag
	Labels   map[string]map[string]string
}

func (s *Server) webTaxpayerReconciliation(c echo.Context) error {
	p, err := allowed(c, filing.ActReconcileRead)
	if err != nil {
		return s.webError(c, err)
	}
	code, period := c.Param("code"), c.QueryParam("period")
	pg := &taxpayerReconPage{Period: period, Labels: webLabels}
	if err := s.view(c, func(tx *store.Tx) error {
		pg.Taxpayer, err = visibleTaxpayer(tx, p, code)
		return err
	}); err != nil {
		return s.webError(c, err)
	}
	var out struct {
		Result *resultRow         `json:"result"`
		Items  []itemRow          `json:"items"`
		Flags  []store.StoredFlag `json:"flags"`
	}
	if err := s.apiJSON(c, s.taxpayerReconciliation, "GET", "/v1/taxpayers/"+url.PathEscape(code)+"/reconciliation?"+url.Values{"period": {period}}.Encode(),
		map[string]string{"code": code}, nil, &out); err != nil {
		return s.webError(c, err)
	}
	pg.Result, pg.Items, pg.Flags = out.Result, out.Items, out.Flags
	return s.render(c, http.StatusOK, "recon_taxpayer", s.page(c, pg.Taxpayer.Name+" · 比对 "+period, pg))
}

// --- a flagged item: its months and hourly data ---

type itemPage struct {
	Taxpayer  *filing.Taxpayer
	Key       reconcile.FlagKey
	Flag      *store.StoredFlag
	Flags     []store.StoredFlag
	Months    []itemRow
	Charts    []*web.Chart
	Devices   []string
	Excluded  []hourMark
	Reviews   []*reviewView
	CanReview bool
	Reason    string
	Errors    []calc.FieldError
	Labels    map[string]map[string]string
}

type hourMark struct {
	DataTime, Code, Flag string
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
	pg := &itemPage{Key: k, Labels: webLabels, CanReview: p.Can(filing.ActReviewOpen), Reason: reason, Errors: errs}
	if pg.Reason == "" && k.Code != "" {
		pg.Reason = flagLabel[k.Code] + "，请核实该排放口该污染物的监测数据与申报数据。"
	}
	var out struct {
		Items []itemRow          `json:"items"`
		Flags []store.StoredFlag `json:"flags"`
	}
	if err := s.apiJSON(c, s.taxpayerReconciliation, "GET", "/v1/taxpayers/"+url.PathEscape(k.CreditCode)+"/reconciliation?"+url.Values{"period": {k.Period}}.Encode(),
		map[string]string{"code": k.CreditCode}, nil, &out); err != nil {
		return s.webError(c, err)
	}
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
		return s.webError(c, apiError(calc.KindNotFound, "flag_not_found", "风险疑点不存在", "no standing flag with this address; a later run may have cleared it"))
	}
	var pollutantID string
	for _, it := range out.Items {
		if it.OutletNo == k.OutletNo && it.Pollutant == k.Pollutant {
			pg.Months = append(pg.Months, it)
			pollutantID = it.PollutantID
		}
	}
	sort.Slice(pg.Months, func(i, j int) bool { return pg.Months[i].Month < pg.Months[j].Month })
	// The hourly data of the month (or of each month of the period when
	// the flag is for the whole period), when monitoring may be read.
	months := []string{k.Month}
	if k.Month == "" {
		if per, err := filing.ParsePeriod(k.Period); err == nil {
			months = per.Months()
		}
	}
	if p.Can(filing.ActMonitoringRead) && pollutantID != "" {
		err = s.view(c, func(tx *store.Tx) error {
			if pg.Taxpayer, err = visibleTaxpayer(tx, p, k.CreditCode); err != nil {
				return err
			}
			devs, err := tx.ListDevices(store.DeviceFilter{CreditCode: k.CreditCode})
			if err != nil {
				return err
			}
			codes := reconcile.NewCodes(s.engine.Tables().HJ212, s.engine.Names())
			for _, m := range months {
				for _, d := range devs {
					if d.OutletNo != k.OutletNo || !deviceActive(d, m) {
						continue
					}
					packets, err := tx.MonthPackets(d.MN, m)
					if err != nil {
						return err
					}
					charts, marks := hourCharts(d.MN, m, packets, codes, pollutantID, k.Pollutant)
					pg.Charts = append(pg.Charts, charts...)
					pg.Excluded = append(pg.Excluded, marks...)
					pg.Devices = append(pg.Devices, d.MN)
				}
			}
			return nil
		})
	} else {
		err = s.view(c, func(tx *store.Tx) error {
			pg.Taxpayer, err = visibleTaxpayer(tx, p, k.CreditCode)
			return err
		})
	}
	if err != nil {
		return s.webError(c, err)
	}
	if p.Can(filing.ActReviewRead) {
		var rv struct {
			Reviews []*reviewView `json:"reviews"`
		}
		q := url.Values{"credit_code": {k.CreditCode}, "period": {k.Period}}
		if err := s.apiJSON(c, s.listReviews, "GET", "/v1/reviews?"+q.Encode(), nil, nil, &rv); err != nil {
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

func deviceActive(d reconcile.Device, month string) bool {
	first, last := month+"-01", month+"-31"
	return string(d.ValidFrom) <= last && (d.ValidTo == "" || string(d.ValidTo) >= first)
}

// hourCharts draws a device's hour data (CN 2061) of one month for the
// factor codes of a pollutant: the hourly emission (-Cou) and mean
// concentration (-Avg), with the hours flagged other than N marked.
func hourCharts(mn, month string, packets []*hj212.Packet, codes *reconcile.Codes, pollutantID, name string) ([]*web.Chart, []hourMark) {
	if !filing.ValidMonth(month) {
		return nil, nil
	}
	days := 31
	for days > 28 {
		if _, err := filing.ParseDate(fmt.Sprintf("%s-%02d", month, days)); err == nil {
			break
		}
		days--
	}
	n := days * 24
	labels := make([]string, n)
	ticks := make([]string, n)
	for h := 0; h < n; h++ {
		labels[h] = fmt.Sprintf("%d日%02d时", h/24+1, h%24)
		if h%24 == 0 {
			ticks[h] = fmt.Sprintf("%d日", h/24+1)
		}
	}
	cou := make([]decimal.NullDecimal, n)
	avg := make([]decimal.NullDecimal, n)
	var marks []hourMark
	var markIdx []int
	for _, pk := range packets {
		if pk.CN != "2061" || len(pk.DataTime) < 10 || pk.DataTime[:4]+"-"+pk.DataTime[4:6] != month {
			continue
		}
		day, e1 := strconv.Atoi(pk.DataTime[6:8])
		hour, e2 := strconv.Atoi(pk.DataTime[8:10])
		if e1 != nil || e2 != nil || day < 1 || day > days || hour < 0 || hour > 23 {
			continue
		}
		h := (day-1)*24 + hour
		flags := map[string]string{}
		for _, pr := range pk.CP {
			if pr.Suffix == "Flag" {
				flags[pr.Code] = pr.Value
			}
		}
		for _, pr := range pk.CP {
			pol, _ := codes.Pollutant(pr.Code)
			if pol == nil || pol.ID != pollutantID || !pr.IsNumber {
				continue
			}
			if f := flags[pr.Code]; f != "" && f != "N" {
				if len(markIdx) == 0 || markIdx[len(markIdx)-1] != h {
					markIdx = append(markIdx, h)
					marks = append(marks, hourMark{DataTime: pk.DataTime, Code: pr.Code, Flag: f})
				}
				continue // left out of the monthly figures: not drawn as data
			}
			switch pr.Suffix {
			case "Cou":
				cou[h] = decimal.NullDecimal{Decimal: pr.Number(), Valid: true}
			case "Avg":
				avg[h] = decimal.NullDecimal{Decimal: pr.Number(), Valid: true}
			}
		}
	}
	var out []*web.Chart
	if hasValue(cou) {
		out = append(out, &web.Chart{Title: mn + " " + month + " " + name + " 小时排放量", Unit: "Cou，按因子单位", Labels: labels, Ticks: ticks,
			Series: []web.Series{{Name: name, Values: cou}}, Marks: markIdx})
	}
	if hasValue(avg) {
		out = append(out, &web.Chart{Title: mn + " " + month + " " + name + " 小时均值浓度", Unit: "Avg", Labels: labels, Ticks: ticks,
			Series: []web.Series{{Name: name, Values: avg}}, Marks: markIdx})
	}
	return out, marks
}

func hasValue(vs []decimal.NullDecimal) bool {
	for _, v := range vs {
		if v.Valid {
			return true
		}
	}
	return false
}

// webOpenReview opens a 复核 request for a flagged item through POST
// /v1/reviews and shows the new request with its deadline.
func (s *Server) webOpenReview(c echo.Context) error {
	k := reconcile.FlagKey{CreditCode: c.FormValue("credit_code"), Period: c.FormValue("period"), OutletNo: c.FormValue("outlet_no"),
		Pollutant: c.FormValue("pollutant"), Month: c.FormValue("month"), Code: c.FormValue("flag_code")}
	reason := strings.TrimSpace(c.FormValue("reason"))
	in := map[string]string{"credit_code": k.CreditCode, "period": k.Period, "outlet_no": k.OutletNo, "pollutant": k.Pollutant,
		"month": k.Month, "flag_code": k.Code, "reason": reason}
	for key, v := range in {
		if v == "" && key != "month" && key != "outlet_no" && key != "pollutant" && key != "reason" {
			delete(in, key)
		}
	}
	if in["month"] == "" {
		delete(in, "month")
	}
	var v reviewView
	err := s.apiJSON(c, s.openReview, "POST", "/v1/reviews", nil, in, &v)
	if ce, ok := err.(*calc.Error); ok && (ce.Kind == calc.KindInvalid || ce.Kind == calc.KindConflict) {
		errs := ce.Errors
		if len(errs) == 0 {
			errs = []calc.FieldError{{Path: "$", Code: ce.Code, Message: ce.Title + "：" + ce.Detail}}
		}
		return s.renderItem(c, k, statusOf[ce.Kind], reason, errs)
	}
	if err != nil {
		return s.webError(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/app/reviews/"+strconv.FormatInt(v.ID, 10)+"?opened=1")
}

// --- reviews ---

type reviewsPage struct {
	Status  string
	Reviews []*reviewView
	Today   string
	Labels  map[string]map[string]string
	Options []web.Option
	Waiting bool // the environment bureau's view: requests to answer
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
	var out struct {
		Reviews []*reviewView `json:"reviews"`
		Today   string        `json:"today"`
	}
	if err := s.apiJSON(c, s.listReviews, "GET", "/v1/reviews?"+url.Values{"status": {status}}.Encode(), nil, nil, &out); err != nil {
		return s.webError(c, err)
	}
	pg := &reviewsPage{Status: status, Reviews: out.Reviews, Today: out.Today, Labels: webLabels, Options: options(reviewStatusLabel),
		Waiting: status == exchange.ReviewOpen}
	return s.render(c, http.StatusOK, "reviews", s.page(c, "复核", pg))
}

type reviewPage struct {
	R         *reviewView
	Today     string
	Left      int
	Opened    bool
	CanAnswer bool
	CanApply  bool
	Errors    []calc.FieldError
	Opinions  []web.Option
	Labels    map[string]map[string]string
}

func (s *Server) webReview(c echo.Context) error {
	return s.renderReview(c, http.StatusOK, nil)
}

func (s *Server) renderReview(c echo.Context, status int, errs []calc.FieldError) error {
	var v reviewView
	if err := s.apiJSON(c, s.getReview, "GET", "/v1/reviews/"+url.PathEscape(c.Param("id")), map[string]string{"id": c.Param("id")}, nil, &v); err != nil {
		return s.webError(c, err)
	}
	p, _ := signedIn(c)
	today := filing.Today(s.now())
	pg := &reviewPage{R: &v, Today: string(today), Left: daysLeft(today, v.Deadline), Opened: c.QueryParam("opened") == "1", Labels: webLabels,
		CanAnswer: p.Can(filing.ActReviewAnswer) && v.Status == exchange.ReviewOpen,
		CanApply:  p.Can(filing.ActReviewApply) && v.Status == exchange.ReviewAnswered,
		Errors:    errs, Opinions: options(opinionLabel)}
	return s.render(c, status, "review", s.page(c, "复核 "+v.Ref, pg))
}

// webAnswerReview gives the environment bureau's opinion (出具复核意见)
// through POST /v1/reviews/{id}/answer: confirmed, corrected (with the
// corrected figures of the item's month) or cannot be determined.
func (s *Server) webAnswerReview(c echo.Context) error {
	id := c.Param("id")
	version, _ := strconv.Atoi(c.FormValue("version"))
	in := map[string]any{"opinion": c.FormValue("opinion"), "note": strings.TrimSpace(c.FormValue("note")), "version": version}
	if in["opinion"] == exchange.OpinionCorrected {
		corr := map[string]any{"outlet_no": c.FormValue("outlet_no"), "pollutant": c.FormValue("pollutant"), "month": c.FormValue("month")}
		for _, k := range []string{"emission_kg", "wastewater_t", "avg_concentration", "max_concentration"} {
			if v := strings.TrimSpace(c.FormValue(k)); v != "" {
				corr[k] = v
			}
		}
		in["corrections"] = []any{corr}
	}
	_, err := s.apiCall(c, s.answerReview, "POST", "/v1/reviews/"+url.PathEscape(id)+"/answer", map[string]string{"id": id}, in)
	return s.afterReviewWrite(c, id, err)
}

// webApplyReview adjusts the tax per the opinion (POST
// /v1/reviews/{id}/apply): corrected figures become a correction of the
// declaration; otherwise the review is closed.
func (s *Server) webApplyReview(c echo.Context) error {
	id := c.Param("id")
	version, _ := strconv.Atoi(c.FormValue("version"))
	_, err := s.apiCall(c, s.applyReview, "POST", "/v1/reviews/"+url.PathEscape(id)+"/apply", map[string]string{"id": id}, map[string]any{"version": version})
	return s.afterReviewWrite(c, id, err)
}

func (s *Server) afterReviewWrite(c echo.Context, id string, err error) error {
	if ce, ok := err.(*calc.Error); ok && (ce.Kind == calc.KindInvalid || ce.Kind == calc.KindConflict) {
		errs := ce.Errors
		if len(errs) == 0 {
			errs = []calc.FieldError{{Path: "$", Code: ce.Code, Message: ce.Title + "：" + ce.Detail}}
		}
		return s.renderReview(c, statusOf[ce.Kind], errs)
	}
	if err != nil {
		return s.webError(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/app/reviews/"+id)
}
