package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
	"github.com/ecotax/ecotax/web"
)

// browser is a plain HTTP client with cookies, for the page tests that
// need no JavaScript: it gets a page, takes its CSRF token and posts forms
// the way a browser does.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

func newBrowser(t testing.TB, e *env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: e.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	p := &page{status: res.StatusCode, header: res.Header, body: string(body)}
	if m := csrfRe.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

func (b *browser) get(path string) *page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, vals url.Values) *page {
	b.t.Helper()
	if vals.Get("_csrf") == "" && b.csrf != "" {
		vals.Set("_csrf", b.csrf)
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(vals.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) upload(path string, fields map[string]string, file []byte) *page {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fields["_csrf"] = b.csrf
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "预检.xlsx")
	fw.Write(file)
	w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

func (b *browser) signIn(secret string) {
	b.t.Helper()
	b.get("/signin")
	p := b.post("/signin", url.Values{"token": {secret}})
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("sign-in: %d %s", p.status, trim([]byte(p.body)))
	}
}

var dataValueRe = regexp.MustCompile(`id="(total-tax-due|total-reduction|total-tax)" data-value="([^"]+)"`)
var monthRowRe = regexp.MustCompile(`<tr data-month="([^"]+)"><th scope="row">[^<]*</th><td class="num" data-value="([^"]+)">[^<]*</td><td class="num" data-value="([^"]+)">[^<]*</td><td class="num" data-value="([^"]+)">`)

// totalsOf reads the totals and month rows a result page shows.
func totalsOf(html string) map[string]string {
	out := map[string]string{}
	for _, m := range dataValueRe.FindAllStringSubmatch(html, -1) {
		out[m[1]] = m[2]
	}
	for _, m := range monthRowRe.FindAllStringSubmatch(html, -1) {
		out[m[1]] = m[2] + "/" + m[3] + "/" + m[4]
	}
	return out
}

// totalsOfResult is the same from the API's JSON.
func totalsOfResult(t testing.TB, data []byte) map[string]string {
	var r web.Result
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{"total-tax-due": r.TotalTaxDue, "total-reduction": r.TotalReduction, "total-tax": r.TotalTax}
	for _, m := range r.Months {
		out[m.Month] = m.TaxDue + "/" + m.Reduction + "/" + m.Tax
	}
	return out
}

func exampleRequest(t testing.TB) []byte {
	data, err := os.ReadFile("../fixtures/examples/chongqing-chemical-2024Q1.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The pre-check page, posted as a browser posts it, shows the numbers the
// API gives for the same request, and its JSON download is the API's
// answer byte for byte.
func TestWebPrecheckSameAsAPI(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	data := exampleRequest(t)
	apiRes := e.do("", "POST", "/v1/tax/assessments?trace=full", string(data), nil) // the page downloads the full trace
	if apiRes.status != 200 {
		t.Fatalf("API: %d %s", apiRes.status, trim(apiRes.body))
	}
	f, _, err := formFromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e)
	if p := b.get("/precheck"); p.status != 200 || b.csrf == "" {
		t.Fatalf("GET /precheck: %d", p.status)
	}
	vals := f.Values()
	vals.Set("_op", "assess")
	p := b.post("/precheck", vals)
	if p.status != 200 {
		t.Fatalf("POST /precheck: %d %s", p.status, trim([]byte(p.body)))
	}
	got, want := totalsOf(p.body), totalsOfResult(t, apiRes.body)
	if len(got) != len(want) || len(want) != 6 {
		t.Fatalf("page totals %v, API %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: page %s, API %s", k, got[k], v)
		}
	}
	for _, must := range []string{"申报计算及减免信息", "计算过程与法律依据", "环境保护税法"} {
		if !strings.Contains(p.body, must) {
			t.Errorf("result page lacks %q", must)
		}
	}
	dl := b.post("/precheck/download?format=json", f.Values())
	if dl.status != 200 || dl.body != string(apiRes.body) {
		t.Fatalf("JSON download %d differs from the API's answer:\n%s", dl.status, trim([]byte(dl.body)))
	}
	x := b.post("/precheck/download?format=xlsx", f.Values())
	if x.status != 200 || x.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" || !strings.HasPrefix(x.body, "PK") {
		t.Fatalf("XLSX download: %d %s", x.status, x.header.Get("Content-Type"))
	}
}

// A bad figure is reported beside its input, in the summary with a link
// to it, and nothing is computed.
func TestWebPrecheckErrorBesideField(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	b := newBrowser(t, e)
	b.get("/precheck")
	p := b.post("/precheck", url.Values{"region": {"500000"}, "period": {"2024-Q1"},
		"sources[0].kind": {"air"}, "sources[0].id": {"DA001"}, "sources[0].month": {"2024-01"},
		"sources[0].pollutants[0].name": {"二氧化硫"}, "sources[0].pollutants[0].emission_kg": {"-5"},
		"sources[0].pollutants[1].name": {"氮氧化物"}, "sources[0].pollutants[1].emission_kg": {"12,5"}})
	if p.status != 400 {
		t.Fatalf("status %d", p.status)
	}
	for _, id := range []string{"f-sources-0-pollutants-0-emission_kg", "f-sources-0-pollutants-1-emission_kg"} {
		re := regexp.MustCompile(`id="` + id + `"[^>]*aria-invalid="true"`)
		if !re.MatchString(p.body) {
			t.Errorf("%s is not marked invalid", id)
		}
		msg := regexp.MustCompile(`<p class="error" id="` + id + `-err"><span>[^<]+</span>`)
		if !msg.MatchString(p.body) {
			t.Errorf("%s has no message beside it", id)
		}
		if !strings.Contains(p.body, `href="#`+id+`"`) {
			t.Errorf("the summary does not link to %s", id)
		}
	}
	if strings.Contains(p.body, `id="total-tax"`) {
		t.Error("a result was shown for bad input")
	}
	// The values entered come back as they were typed.
	if !strings.Contains(p.body, `value="-5"`) || !strings.Contains(p.body, `value="12,5"`) {
		t.Error("the form lost the entered values")
	}
	// An unknown pollutant (found by the engine, not the decoder) goes beside its name.
	p = b.post("/precheck", url.Values{"region": {"500000"}, "period": {"2024-Q1"},
		"sources[0].kind": {"air"}, "sources[0].id": {"DA001"}, "sources[0].month": {"2024-01"},
		"sources[0].pollutants[0].name": {"不存在的污染物"}, "sources[0].pollutants[0].emission_kg": {"1"}})
	if p.status != 400 || !regexp.MustCompile(`<p class="error" id="f-sources-0-pollutants-0-name-err"><span>未知的应税污染物：`).MatchString(p.body) {
		t.Errorf("unknown pollutant: %d, no message beside the name", p.status)
	}
}

// Without JavaScript the add/remove buttons are carried out by the server.
func TestWebPrecheckButtonsWithoutScript(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	b := newBrowser(t, e)
	b.get("/precheck")
	p := b.post("/precheck", url.Values{"period": {"2024-Q1"}, "sources[0].kind": {"air"}, "sources[0].id": {"DA001"},
		"sources[0].month": {"2024-02"}, "_op": {"add:noise"}})
	if p.status != 200 || !strings.Contains(p.body, `name="sources[1].day.limit_db"`) || !strings.Contains(p.body, `name="sources[1].month" value="2024-02"`) {
		t.Fatalf("add:noise: %d", p.status)
	}
}

func TestWebCSRFAndOrigin(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	b := newBrowser(t, e)
	b.get("/precheck")
	good := b.csrf
	other := newBrowser(t, e)
	other.get("/precheck")
	for name, tc := range map[string]struct {
		token string
		hdr   map[string]string
	}{
		"no token":            {"-", nil},
		"another's token":     {other.csrf, nil},
		"cross-site fetch":    {good, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		"foreign origin":      {good, map[string]string{"Origin": "http://evil.example"}},
		"sign-in, no token":   {"-", nil},
		"sign-out, no token":  {"-", nil},
		"upload, wrong token": {"x", nil},
	} {
		path := "/precheck"
		switch {
		case strings.HasPrefix(name, "sign-in"):
			path = "/signin"
		case strings.HasPrefix(name, "sign-out"):
			path = "/signout"
		case strings.HasPrefix(name, "upload"):
			path = "/precheck/upload"
		}
		vals := url.Values{"period": {"2024-Q1"}, "_csrf": {tc.token}}
		req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(vals.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range tc.hdr {
			req.Header.Set(k, v)
		}
		if p := b.do(req); p.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, p.status)
		}
	}
	if p := b.post("/precheck", url.Values{"period": {"2024-Q1"}, "_csrf": {good}}); p.status != 400 { // no sources: a form error, not a CSRF one
		t.Errorf("with the right token: %d", p.status)
	}
}

func TestWebSignIn(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	b := newBrowser(t, e)
	b.get("/signin")
	if p := b.post("/signin", url.Values{"token": {"etx_wrong"}}); p.status != 401 || !strings.Contains(p.body, "令牌无效") {
		t.Fatalf("wrong token: %d", p.status)
	}
	p := b.post("/signin", url.Values{"token": {e.tokens["tax_officer"]}, "next": {"//evil.example/x"}})
	if p.status != 303 || p.header.Get("Location") != "/app/reconciliation" { // the tax officer's main page
		t.Fatalf("sign-in: %d → %q", p.status, p.header.Get("Location"))
	}
	var sc string
	for _, v := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(v, web.SessionCookie+"=") {
			sc = v
		}
	}
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Strict") || strings.Contains(sc, e.tokens["tax_officer"]) {
		t.Fatalf("session cookie %q", sc)
	}
	if p := b.get("/app/taxpayers"); p.status != 200 {
		t.Fatalf("signed-in page: %d", p.status)
	}
	// A tampered cookie is a signed-out visitor.
	u, _ := url.Parse(e.srv.URL)
	for _, ck := range b.c.Jar.Cookies(u) {
		if ck.Name == web.SessionCookie {
			forged := *ck
			// One character changed in the middle (the format's own,
			// whatever it is: this used to insert "x" before a "." that
			// the securecookie format does not have).
			v := []byte(ck.Value)
			if i := len(v) / 2; v[i] == 'A' {
				v[i] = 'B'
			} else {
				v[i] = 'A'
			}
			forged.Value = string(v)
			b.c.Jar.SetCookies(u, []*http.Cookie{&forged})
		}
	}
	if p := b.get("/app/taxpayers"); p.status != 303 || !strings.HasPrefix(p.header.Get("Location"), "/signin") {
		t.Fatalf("tampered cookie: %d %s", p.status, p.header.Get("Location"))
	}
	// Sign out ends the session.
	b.signIn(e.tokens["tax_officer"])
	b.get("/app/taxpayers")
	if p := b.post("/signout", url.Values{}); p.status != 303 {
		t.Fatalf("sign-out: %d", p.status)
	}
	if p := b.get("/app/taxpayers"); p.status != 303 {
		t.Fatalf("after sign-out: %d", p.status)
	}
}

// Every page is served with a policy that lets the browser load nothing
// from elsewhere, and no page refers to another site.
func TestWebPagesLoadNothingFromElsewhere(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	b := newBrowser(t, e)
	ext := regexp.MustCompile(`(?i)(src|href|action)\s*=\s*"(https?:)?//`)
	for _, path := range []string{"/", "/precheck", "/signin", "/nope-page"} {
		p := b.get(path)
		if path != "/nope-page" && p.status != 200 {
			t.Fatalf("%s: %d", path, p.status)
		}
		if m := ext.FindString(p.body); m != "" {
			t.Errorf("%s refers to another site: %s", path, m)
		}
		if path != "/nope-page" && !strings.Contains(p.header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("%s: CSP %q", path, p.header.Get("Content-Security-Policy"))
		}
	}
	for _, a := range []string{"app.css", "app.js", "favicon.svg"} {
		p := b.get("/static/" + a)
		if p.status != 200 || p.body == "" || p.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: %d", a, p.status)
		}
	}
	if p := b.get("/static/../go.mod"); p.status != 404 {
		t.Errorf("path escape: %d", p.status)
	}
}

// uploadRows fill the pre-check template (by column header): the rows
// web/testdata/precheck-upload.json stands for.
var uploadRows = []map[string]string{
	{"排放口编号": "DA001", "排放口名称或噪声源名称": "锅炉排放口", "污染物类别": "大气污染物", "污染物名称": "二氧化硫", "税款所属月份": "2024-01",
		"污染物排放量计算方法": "自动监测", "标准浓度值": "200", "污染物排放量(千克)": "1000", "月均浓度": "120", "最高浓度": "150"},
	{"排放口编号": "DA001", "排放口名称或噪声源名称": "锅炉排放口", "污染物类别": "大气污染物", "污染物名称": "氮氧化物", "税款所属月份": "2024-01",
		"污染物排放量计算方法": "自动监测", "标准浓度值": "200", "污染物排放量(千克)": "800.5"},
	{"排放口编号": "DW001", "排放口名称或噪声源名称": "总排口", "污染物类别": "水污染物", "污染物名称": "化学需氧量", "税款所属月份": "2024-01",
		"污染物排放量计算方法": "监测机构监测", "标准浓度值": "100", "污染物排放量(千克)": "2880", "废水排放量(吨)": "24000"},
	{"排放口编号": "N1", "排放口名称或噪声源名称": "厂界东", "污染物类别": "噪声", "税款所属月份": "2024-01",
		"标准值昼间(6-22时)": "65", "标准值夜间(22-6时)": "55", "昼间监测分贝数": "71", "昼间超标天数": "16"},
	{"排放口编号": "S1", "排放口名称或噪声源名称": "尾矿库", "污染物类别": "固体废物", "污染物名称": "尾矿", "税款所属月份": "2024-02",
		"本月产生量(吨)": "1000", "本月贮存量(吨)": "200", "本月处置量(吨)": "0", "本月综合利用量(吨)": "300"},
}

// fillTemplate writes rows into the downloaded template under its headers.
func fillTemplate(t testing.TB, tpl []byte, rows []map[string]string) []byte {
	f, err := excelize.OpenReader(bytes.NewReader(tpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetList()[0]
	all, _ := f.GetRows(sheet)
	col := map[string]int{}
	for i, h := range all[0] {
		col[h] = i + 1
	}
	for r, row := range rows {
		for h, v := range row {
			c, ok := col[h]
			if !ok {
				t.Fatalf("the template has no column %s", h)
			}
			cell, _ := excelize.CoordinatesToCellName(c, r+2)
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && h != "排放口编号" {
				f.SetCellInt(sheet, cell, n) // a number cell, as a spreadsheet would store it
			} else {
				f.SetCellStr(sheet, cell, v)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadExpected is what the API answers for the request the rows stand for.
func uploadExpected(t testing.TB, e *env) map[string]string {
	data, err := os.ReadFile("../web/testdata/precheck-upload.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "_comment")
	body, _ := json.Marshal(doc)
	r := e.do("", "POST", "/v1/tax/assessments", string(body), nil)
	if r.status != 200 {
		t.Fatalf("API: %d %s", r.status, trim(r.body))
	}
	return totalsOfResult(t, r.body)
}

// The template downloaded from the page, filled in and uploaded, gives the
// API's totals for the same figures; a bad cell is named by its address
// and nothing is computed.
func TestWebPrecheckUpload(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	want := uploadExpected(t, e)
	b := newBrowser(t, e)
	b.get("/precheck")
	tpl := b.get("/precheck/template.xlsx")
	if tpl.status != 200 || !strings.HasPrefix(tpl.body, "PK") {
		t.Fatalf("template: %d", tpl.status)
	}
	book := fillTemplate(t, []byte(tpl.body), uploadRows)
	p := b.upload("/precheck/upload", map[string]string{"region": "500000", "period": "2024-Q1"}, book)
	if p.status != 200 {
		t.Fatalf("upload: %d %s", p.status, trim([]byte(p.body)))
	}
	if got := totalsOf(p.body); !reflect.DeepEqual(got, want) {
		t.Fatalf("upload totals %v, API %v", got, want)
	}
	// The form is filled in from the workbook.
	if !strings.Contains(p.body, `name="sources[0].pollutants[1].emission_kg" value="800.5"`) {
		t.Error("the form was not filled from the workbook")
	}
	bad := append([]map[string]string{}, uploadRows...)
	bad[1] = map[string]string{"排放口编号": "DA001", "污染物类别": "大气污染物", "污染物名称": "氮氧化物", "税款所属月份": "2024-01", "污染物排放量(千克)": "八百"}
	bad = append(bad, map[string]string{"排放口编号": "X", "污染物类别": "光污染", "税款所属月份": "2024-05"})
	p = b.upload("/precheck/upload", map[string]string{"region": "500000", "period": "2024-Q1"}, fillTemplate(t, []byte(tpl.body), bad))
	if p.status != 400 || strings.Contains(p.body, `id="total-tax"`) {
		t.Fatalf("bad upload: %d", p.status)
	}
	for _, cell := range []string{"预检数据!L3", "预检数据!C7"} {
		if !strings.Contains(p.body, cell) {
			t.Errorf("the errors do not name %s", cell)
		}
	}
}

// flaggedWorld is taxpayer A with an air device whose January SO2 was
// monitored far above what A declared, reconciled by the tax officer:
// one standing monitored_above_declared flag (as in TestScenario).
func flaggedWorld(t testing.TB, e *env, db *store.DB) map[string]int64 {
	t.Helper()
	ids := registerA(t, e)
	must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-DA001", "outlet_no": "DA001", "valid_from": "2023-06-01"}, nil), 201)
	air := reconciletest.Device{MN: "MN-DA001", Factors: []reconciletest.Factor{
		{Code: "a21026", CouMilli: 160, AvgTenths: 1200},
		{Code: "a21002", CouMilli: 105, AvgTenths: 900},
	}, Gaps: map[int]bool{}, Flags: map[int]string{30: "D", 31: "M", 32: "C"}}
	for h := 100; h < 130; h++ {
		air.Gaps[h] = true
	}
	ingestMonths(t, db, map[string]reconciletest.Device{"MN-DA001": air}, []string{"2024-01", "2024-02", "2024-03"})
	var d declaration
	must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": quarter(ids, "50")}, nil), 201).json(t, &d)
	must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", d.ID), obj{"version": 1}, nil), 200)
	must(t, e.do("tax_officer", "POST", "/v1/reconciliations", obj{"period": "2024-Q1", "region": "500000"}, nil), 201)
	return ids
}

var flagLinkRe = regexp.MustCompile(`class="flag-link" href="([^"]+code=monitored_above_declared)"`)

// The officer pages go through the JSON routes' handlers: the tax officer
// filters the reconciliation, opens the flagged item (months, hourly
// chart) and asks for a 复核; the environment officer sees it waiting with
// its days left; an enterprise reaches none of it.
func TestWebOfficerPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testOfficerPages(t, db) })
}

func testOfficerPages(t *testing.T, db *store.DB) {
	e := newEnv(t, db, api.Config{})
	flaggedWorld(t, e, db)
	b := newBrowser(t, e)
	b.signIn(e.tokens["tax_officer"])
	p := b.get("/app/reconciliation?period=2024-Q1&region=500000&flag=monitored_above_declared")
	if p.status != 200 || !strings.Contains(p.body, `data-code="`+codeA+`"`) {
		t.Fatalf("reconciliation list: %d %s", p.status, trim([]byte(p.body)))
	}
	m := flagLinkRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no link to the flagged item")
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	item := b.get(link)
	if item.status != 200 || !strings.Contains(item.body, `<svg class="chart"`) || !strings.Contains(item.body, `id="open-review"`) {
		t.Fatalf("flagged item %s: %d", link, item.status)
	}
	u, _ := url.Parse(link)
	q := u.Query()
	rv := b.post("/app/reviews", url.Values{"credit_code": {codeA}, "period": {q.Get("period")}, "outlet_no": {q.Get("outlet")},
		"pollutant": {q.Get("pollutant")}, "month": {q.Get("month")}, "flag_code": {q.Get("code")}, "reason": {"监测量高于申报量"}})
	if rv.status != 303 || !strings.HasPrefix(rv.header.Get("Location"), "/app/reviews/") {
		t.Fatalf("open review: %d %s", rv.status, trim([]byte(rv.body)))
	}
	page := b.get(rv.header.Get("Location"))
	if page.status != 200 || !strings.Contains(page.body, `id="review-deadline">2024-06-04<`) || !strings.Contains(page.body, `id="review-days-left">15<`) {
		t.Fatalf("review page: %d %s", page.status, trim([]byte(page.body)))
	}
	// The same item again: the route refuses a second open review, shown on the item page.
	again := b.post("/app/reviews", url.Values{"credit_code": {codeA}, "period": {q.Get("period")}, "outlet_no": {q.Get("outlet")},
		"pollutant": {q.Get("pollutant")}, "month": {q.Get("month")}, "flag_code": {q.Get("code")}, "reason": {"再次"}})
	if again.status != 409 || !strings.Contains(again.body, "error-summary") {
		t.Errorf("second review: %d", again.status)
	}
	env := newBrowser(t, e)
	env.signIn(e.tokens["env_officer"])
	list := env.get("/app/reviews")
	if list.status != 200 || !regexp.MustCompile(`class="num days-left">15 天<`).MatchString(list.body) {
		t.Fatalf("env officer's waiting list: %d %s", list.status, trim([]byte(list.body)))
	}
	// The environment officer answers with corrected figures; a bad
	// figure is refused beside the form; the tax officer applies it: a
	// correction of the declaration, linked from the review.
	revPath := rv.header.Get("Location")
	revPath = revPath[:strings.Index(revPath, "?")]
	rp := env.get(revPath)
	vm := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(rp.body)
	if vm == nil || !strings.Contains(rp.body, `id="answer"`) {
		t.Fatalf("no answer form on %s", revPath)
	}
	if p := env.post(revPath+"/answer", url.Values{"version": {vm[1]}, "opinion": {"corrected"}, "outlet_no": {"DA001"}, "pollutant": {"二氧化硫"},
		"month": {"2024-01"}, "emission_kg": {"-1"}, "note": {"x"}}); p.status != 400 || !strings.Contains(p.body, "error-summary") {
		t.Errorf("bad corrected figure: %d", p.status)
	}
	// No opinion is chosen for the officer; the monitored figure of the
	// month is offered for 更正数据; a refused entry keeps what was typed.
	if strings.Contains(rp.body, `" selected>无法确定`) || !strings.Contains(rp.body, `<option value="">请选择</option>`) {
		t.Errorf("the opinion has a default")
	}
	if !regexp.MustCompile(`name="emission_kg" inputmode="decimal" class="num" value="[0-9.]+"`).MatchString(rp.body) {
		t.Errorf("the monitored figure is not offered for 更正数据")
	}
	if !strings.Contains(rp.body, "申报排放量（千克）") || !strings.Contains(rp.body, "监测排放量（千克）") {
		t.Errorf("the review page does not show declared and monitored months")
	}
	if p := env.post(revPath+"/answer", url.Values{"version": {vm[1]}, "opinion": {""}, "emission_kg": {"1,2x"}, "note": {"保留的说明"}}); p.status != 400 ||
		!strings.Contains(p.body, "请选择复核意见") || !strings.Contains(p.body, `value="1,2x"`) || !strings.Contains(p.body, "保留的说明") {
		t.Errorf("no opinion: %d", p.status)
	}
	answer := url.Values{"version": {vm[1]}, "opinion": {"corrected"}, "outlet_no": {"DA001"}, "pollutant": {"二氧化硫"},
		"month": {"2024-01"}, "emission_kg": {"115.889"}, "note": {"按在线监测数据更正"}}
	if p := env.post(revPath+"/answer", answer); p.status != 200 || !strings.Contains(p.body, `id="answer-confirm"`) || !strings.Contains(p.body, "115.889 千克") {
		t.Fatalf("confirmation step: %d", p.status)
	}
	answer.Set("confirm", "1")
	if p := env.post(revPath+"/answer", answer); p.status != 303 {
		t.Fatalf("answer: %d %s", p.status, trim([]byte(p.body)))
	}
	rp = b.get(revPath)
	vm = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(rp.body)
	if vm == nil || !strings.Contains(rp.body, `id="apply"`) {
		t.Fatalf("no apply button for the tax officer")
	}
	// What applying will do, before it is done.
	if !strings.Contains(rp.body, `id="preview-diff"`) || !strings.Contains(rp.body, "应补(退)税额") {
		t.Errorf("no summary of the resulting 应补(退) before applying")
	}
	if p := b.post(revPath+"/apply", url.Values{"version": {vm[1]}}); p.status != 303 {
		t.Fatalf("apply: %d %s", p.status, trim([]byte(p.body)))
	}
	done := b.get(revPath)
	cm := regexp.MustCompile(`<a href="(/app/declarations/\d+)">查看更正后的申报</a>`).FindStringSubmatch(done.body)
	if cm == nil {
		t.Fatalf("applied review does not link its correction")
	}
	if d := b.get(cm[1]); d.status != 200 || !strings.Contains(d.body, "115.889") || !strings.Contains(d.body, `id="tax-difference"`) {
		t.Errorf("the correction page: %d", d.status)
	}
	ent := newBrowser(t, e)
	ent.signIn(e.tokens["enterprise"])
	if p := ent.get("/app/reconciliation?period=2024-Q1"); p.status != 403 {
		t.Errorf("enterprise on the officers' list: %d", p.status)
	}
	if p := ent.get("/app/reconciliation/" + codeA + "?period=2024-Q1"); p.status != 200 {
		t.Errorf("enterprise on its own reconciliation: %d", p.status)
	}
	other := newBrowser(t, e)
	other.signIn(e.tokens["enterprise_b"])
	for _, path := range []string{"/app/reconciliation/" + codeA + "?period=2024-Q1", link, rv.header.Get("Location")} {
		if p := other.get(path); p.status != 404 || strings.Contains(p.body, "示例化工") {
			t.Errorf("enterprise B on %s: %d", path, p.status)
		}
	}
}

// The finance page computes the budget route's answer with a scenario
// beside the base, draws each stream by month (a chart per stream), and
// downloads its XLSX.
func TestWebBudget(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { testBudgetPage(t, db) })
}

func testBudgetPage(t *testing.T, db *store.DB) {
	e := newEnv(t, db, api.Config{})
	setupWorld(t, e)
	b := newBrowser(t, e)
	b.signIn(e.tokens["finance"])
	q := url.Values{"region": {"500000"}, "year": {"2023"}, "s1.title": {"大气减排10%"}, "s1.trend_air": {"-10"}}
	p := b.get("/app/budget?" + q.Encode())
	if p.status != 200 || !strings.Contains(p.body, "大气减排10%") || strings.Count(p.body, `<svg class="chart"`) < 6 {
		t.Fatalf("budget page: %d %s", p.status, trim([]byte(p.body)))
	}
	var want budget.Result
	must(t, e.do("finance", "POST", "/v1/budget/reports", obj{"region": "500000", "year": 2023, "scenarios": []obj{{"id": "s1", "title": "大气减排10%", "trends": obj{"air": "-10"}}}}, nil), 200).json(t, &want)
	for _, o := range want.Outcomes {
		if !strings.Contains(p.body, web.Money(o.Total.Net)) {
			t.Errorf("outcome %s net %s not on the page", o.ID, o.Total.Net)
		}
	}
	x := b.get("/app/budget.xlsx?" + q.Encode())
	if x.status != 200 || !strings.HasPrefix(x.body, "PK") {
		t.Errorf("budget XLSX: %d", x.status)
	}
	bad := b.get("/app/budget?region=500000&year=2023&s1.trend_air=abc")
	if bad.status != 400 || !strings.Contains(bad.body, "scenarios[0].trends.air") {
		t.Errorf("bad trend: %d", bad.status)
	}
	tax := newBrowser(t, e)
	tax.signIn(e.tokens["tax_officer"])
	if p := tax.get("/app/budget?region=500000&year=2023"); p.status != 403 {
		t.Errorf("tax officer on the budget: %d", p.status)
	}
}

// TestWebPrecheckUploadRateLimited (issue 11, item 4): the public upload
// takes its rate-limit token before the workbook is read: past the burst
// an upload is 429 however bad the workbook.
func TestWebPrecheckUploadRateLimited(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{RateLimit: 0.001, RateBurst: 2})
	b := newBrowser(t, e)
	b.get("/precheck")
	statuses := map[int]int{}
	for i := 0; i < 4; i++ {
		statuses[b.upload("/precheck/upload", map[string]string{"region": "500000", "period": "2024-Q1"}, []byte("PK not a workbook")).status]++
	}
	if statuses[400] != 2 || statuses[429] != 2 {
		t.Errorf("statuses %v, want 2×400 then 2×429", statuses)
	}
}

// TestSignOutEndsCopiedCookies (issue 11, item 9): a session cookie
// copied before signing out stops working once the browser signs out;
// the server keeps the sessions.
func TestSignOutEndsCopiedCookies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		b := newBrowser(t, e)
		b.signIn(e.tokens["tax_officer"])
		if p := b.get("/app/taxpayers"); p.status != 200 {
			t.Fatalf("signed in: %d", p.status)
		}
		u, _ := url.Parse(e.srv.URL)
		var copied *http.Cookie
		for _, ck := range b.c.Jar.Cookies(u) {
			if ck.Name == "ecotax_session" {
				copied = ck
			}
		}
		if copied == nil {
			t.Fatal("no session cookie")
		}
		if p := b.post("/signout", url.Values{}); p.status != 303 {
			t.Fatalf("sign-out: %d", p.status)
		}
		req, _ := http.NewRequest("GET", e.srv.URL+"/app/taxpayers", nil)
		req.AddCookie(copied)
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin") {
			t.Errorf("the copied cookie after sign-out: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
