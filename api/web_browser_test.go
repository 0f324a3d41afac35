package api_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store/storetest"
	"github.com/ecotax/ecotax/web"
)

// Browser tests: Debian's chromium driven by chromedp. They skip when
// there is no browser, unless ECOTAX_REQUIRE_BROWSER=1 (CI), where that
// fails. With ECOTAX_SCREENSHOTS=DIR every page visited is also written
// there as a PNG. Every request any page makes is recorded, and a test
// fails if one goes anywhere but the test server on 127.0.0.1.

func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("ECOTAX_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("ECOTAX_REQUIRE_BROWSER") == "1" {
			t.Fatalf("ECOTAX_REQUIRE_BROWSER=1 but no browser at %s (set ECOTAX_CHROMIUM)", p)
		}
		t.Skipf("no browser at %s; set ECOTAX_CHROMIUM (browser tests skipped)", p)
	}
	return p
}

// chrome is one headless browser for a test, with a fresh profile.
type chrome struct {
	t     *testing.T
	ctx   context.Context
	base  string
	mu    sync.Mutex
	away  []string // requests that left the machine
	seen  int
	shots string
}

func newChrome(t *testing.T, e *env) *chrome {
	path := chromiumPath(t)
	// A fresh profile; removed by us after the browser is gone (t.TempDir's
	// own removal can race the browser's last writes).
	profile, err := os.MkdirTemp("", "ecotax-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	c := &chrome{t: t, base: e.srv.URL, shots: os.Getenv("ECOTAX_SCREENSHOTS")}
	// This chromedp's protocol tables predate some event fields of the
	// browser (e.g. IPAddressSpace "Loopback" on *ExtraInfo events); those
	// events are not used here, so their decoding errors are dropped.
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "IPAddressSpace") {
			t.Logf("chromedp: %s", msg)
		}
	}))
	ctx, cancelT := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() {
		cancelT()
		cancelC()
		cancelA()
		for i := 0; i < 20 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	c.ctx = ctx
	// Every request of every page pauses here (Fetch domain) until it is
	// let through — only to this machine — or failed: none can leave
	// unseen, and one that would leave is blocked and makes the test fail.
	chromedp.ListenTarget(ctx, func(ev any) {
		r, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go func() {
			ectx := cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Target)
			if c.request(r.Request.URL) {
				fetch.ContinueRequest(r.RequestID).Do(ectx)
			} else {
				fetch.FailRequest(r.RequestID, network.ErrorReasonBlockedByClient).Do(ectx)
			}
		}()
	})
	if err := chromedp.Run(ctx, fetch.Enable()); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	t.Cleanup(c.checkLocal)
	return c
}

// request records where a page's request goes and reports whether it
// stays on this machine.
func (c *chrome) request(raw string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen++
	u, err := url.Parse(raw)
	if err != nil {
		c.away = append(c.away, raw)
		return false
	}
	switch u.Scheme {
	case "data", "blob", "about":
		return true
	}
	if h := u.Hostname(); h != "127.0.0.1" && h != "localhost" && h != "::1" {
		c.away = append(c.away, raw)
		return false
	}
	return true
}

func (c *chrome) checkLocal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.away) > 0 {
		c.t.Errorf("pages made requests that leave the machine: %v", c.away)
	}
	if c.seen == 0 && !c.t.Skipped() {
		c.t.Error("no request was recorded: the network check saw nothing")
	}
}

func (c *chrome) run(actions ...chromedp.Action) {
	c.t.Helper()
	if err := chromedp.Run(c.ctx, actions...); err != nil {
		c.t.Fatal(err)
	}
}

// shot writes a PNG of the whole page when ECOTAX_SCREENSHOTS is set.
func (c *chrome) shot(name string) {
	c.t.Helper()
	if c.shots == "" {
		return
	}
	var png []byte
	c.run(chromedp.FullScreenshot(&png, 100))
	if err := os.MkdirAll(c.shots, 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(c.shots, name+".png"), png, 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// wait waits for an element to show, failing with what the page shows
// instead when it does not come within 20 seconds.
func (c *chrome) wait(sel string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
		var loc, main string
		chromedp.Run(c.ctx, chromedp.Location(&loc), chromedp.Evaluate(`document.body ? document.body.innerText.slice(0, 1500) : ""`, &main))
		c.shot("failed-" + strings.ReplaceAll(c.t.Name(), "/", "-"))
		c.t.Fatalf("waiting for %s at %s: %v\n%s", sel, loc, err, main)
	}
}

// click scrolls an element to the middle of the window (clear of the
// sticky action bar) and clicks it with the mouse.
func (c *chrome) click(sel string) {
	c.t.Helper()
	c.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center"})`, sel), nil),
		chromedp.Click(sel, chromedp.ByQuery))
}

func (c *chrome) open(path string) {
	c.t.Helper()
	c.run(chromedp.Navigate(c.base+path), chromedp.WaitReady("body", chromedp.ByQuery))
}

func (c *chrome) text(sel string) string {
	c.t.Helper()
	var s string
	c.run(chromedp.Text(sel, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

// pageTotals reads the totals and month rows of a result on screen.
func (c *chrome) pageTotals() map[string]string {
	c.t.Helper()
	var out map[string]string
	c.wait("#total-tax")
	c.run(chromedp.Evaluate(`(() => {
		const o = {};
		for (const id of ["total-tax-due", "total-reduction", "total-tax"]) o[id] = document.getElementById(id).dataset.value;
		for (const tr of document.querySelectorAll("table.months tbody tr")) {
			const v = [...tr.querySelectorAll("td")].map(td => td.dataset.value);
			o[tr.dataset.month] = v.join("/");
		}
		return o;
	})()`, &out))
	return out
}

// setField types into an input or picks a select option, as a user does:
// focus, clear, type; a checkbox is clicked when it should be ticked.
func (c *chrome) setField(name, value string) {
	c.t.Helper()
	sel := fmt.Sprintf(`#precheck-form [name=%q]`, name)
	var kind string
	c.run(chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? (e.type || e.tagName) : "" })()`, sel), &kind))
	switch kind {
	case "":
		c.t.Fatalf("the page has no input %s", name)
	case "checkbox":
		if value == "true" {
			c.run(chromedp.Click(sel, chromedp.ByQuery))
		}
	case "select-one":
		c.run(chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("change", {bubbles: true})); return e.value })()`, sel, value), nil))
	default:
		c.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel), nil),
			chromedp.Focus(sel, chromedp.ByQuery))
		if value != "" {
			c.run(chromedp.SendKeys(sel, value, chromedp.ByQuery))
		}
	}
}

// putField sets an input's value directly (and fires its events): for
// the bulk of a long form, where typing key by key adds only minutes.
func (c *chrome) putField(name, value string) {
	c.t.Helper()
	var ok bool
	c.run(chromedp.Evaluate(fmt.Sprintf(`(() => {
		const e = document.querySelector(%q);
		if (!e) return false;
		if (e.type === "checkbox") e.checked = %q === "true"; else e.value = %q;
		e.dispatchEvent(new Event("input", {bubbles: true}));
		e.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`, fmt.Sprintf(`#precheck-form [name=%q]`, name), value, value), &ok))
	if !ok {
		c.t.Fatalf("the page has no input %s", name)
	}
}

// fillPrecheck enters a contract request through the page's controls:
// the region picker or code, the period, then for every source the
// "add" button of its kind, its fields, and "add pollutant" per row.
func (c *chrome) fillPrecheck(f *web.Form) {
	c.t.Helper()
	// The page starts with one empty air outlet: remove it with its button.
	c.click(`#f-sources-0 button[data-op=del]`)
	for _, k := range []string{"taxpayer.name", "taxpayer.credit_code", "region", "period"} {
		if v := f.Top[k]; v != "" {
			c.setField(k, v)
		}
	}
	for i, s := range f.Sources {
		c.click(fmt.Sprintf(`button[data-op=add][data-kind=%q]`, s.Kind()))
		c.wait(fmt.Sprintf(`#f-sources-%d`, i))
		// The first source is typed key by key, the others set directly.
		set := c.putField
		if i == 0 {
			set = c.setField
		}
		p := fmt.Sprintf("sources[%d].", i)
		for _, d := range web.SourceFields {
			if v, ok := s.F[d.Key]; ok && d.Key != "kind" {
				set(p+d.Key, v)
			}
		}
		for j, row := range s.Pollutants {
			if j > 0 {
				c.click(fmt.Sprintf(`#f-sources-%d > button[data-op=addp]`, i))
			}
			for _, d := range web.PollutantFields {
				if v, ok := row[d.Key]; ok {
					set(fmt.Sprintf("%spollutants[%d].%s", p, j, d.Key), v)
				}
			}
		}
	}
}

func apiTotals(t *testing.T, e *env, body []byte) map[string]string {
	r := e.do("", "POST", "/v1/tax/assessments", string(body), nil)
	if r.status != 200 {
		t.Fatalf("API: %d %s", r.status, trim(r.body))
	}
	return totalsOfResult(t, r.body)
}

func sameTotals(t *testing.T, got, want map[string]string) {
	t.Helper()
	if len(want) < 4 || len(got) != len(want) {
		t.Fatalf("page %v, API %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: page %s, API %s", k, got[k], v)
		}
	}
}

// TestBrowserPrecheckExample fills the pre-check form for the Chongqing
// chemical plant's first quarter by clicking and typing, and finds the
// API's totals on the page; then the phone layout of the result.
func TestBrowserPrecheckExample(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	data := exampleRequest(t)
	want := apiTotals(t, e, data)
	f, _, err := formFromJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	c := newChrome(t, e)
	c.open("/precheck")
	c.shot("precheck-empty")
	c.fillPrecheck(f)
	c.shot("precheck-filled")
	c.click("#assess")
	sameTotals(t, c.pageTotals(), want)
	if n := c.text(`#result h2`); n != "计算结果" {
		t.Errorf("result heading %q", n)
	}
	c.shot("precheck-result")
	c.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	c.shot("precheck-result-phone")
}

// TestBrowserPrecheckErrors: a negative figure and a missing month are
// shown beside their inputs, the summary takes the focus, and fixing
// them gives a result.
func TestBrowserPrecheckErrors(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	c := newChrome(t, e)
	c.open("/precheck")
	c.setField("region", "500000")
	c.setField("period", "2024-Q1")
	c.setField("sources[0].id", "DA001")
	c.setField("sources[0].month", "")
	c.setField("sources[0].pollutants[0].name", "二氧化硫")
	c.setField("sources[0].pollutants[0].emission_kg", "-3")
	c.click("#assess")
	c.wait("#error-summary")
	for _, id := range []string{"f-sources-0-pollutants-0-emission_kg", "f-sources-0-month"} {
		if msg := c.text("#" + id + "-err"); msg == "" {
			t.Errorf("no message beside %s", id)
		}
		var inv string
		c.run(chromedp.AttributeValue("#"+id, "aria-invalid", &inv, nil, chromedp.ByQuery))
		if inv != "true" {
			t.Errorf("%s is not aria-invalid", id)
		}
	}
	var focused string
	c.run(chromedp.Evaluate(`document.activeElement.id`, &focused))
	if focused != "error-summary" {
		t.Errorf("focus on %q, want the error summary", focused)
	}
	c.shot("precheck-errors")
	// Follow the summary's link to the field, as a keyboard user would.
	c.click(`#error-summary a[href="#f-sources-0-pollutants-0-emission_kg"]`)
	c.setField("sources[0].pollutants[0].emission_kg", "3")
	c.setField("sources[0].month", "2024-01")
	c.click("#assess")
	if v := c.pageTotals()["total-tax-due"]; v == "" {
		t.Error("no result after fixing the errors")
	}
	// The form on a phone: two columns, nothing wider than the screen.
	c.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	c.open("/precheck")
	var wide bool
	c.run(chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &wide))
	if wide {
		t.Error("the pre-check form is wider than a phone's screen")
	}
	c.shot("precheck-phone")
}

// TestBrowserPrecheckUpload uploads the filled template through the file
// input and finds the API's totals for the same figures.
func TestBrowserPrecheckUpload(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	want := uploadExpected(t, e)
	b := newBrowser(t, e)
	b.get("/precheck")
	tpl := b.get("/precheck/template.xlsx")
	file := filepath.Join(t.TempDir(), "预检.xlsx")
	if err := os.WriteFile(file, fillTemplate(t, []byte(tpl.body), uploadRows), 0o644); err != nil {
		t.Fatal(err)
	}
	c := newChrome(t, e)
	c.open("/precheck")
	c.setField("region", "500000") // the upload form's own inputs are u-region/u-period
	c.run(chromedp.Evaluate(`document.getElementById("u-region").value = ""; document.getElementById("u-period").value = ""`, nil),
		chromedp.SendKeys("#u-region", "500000", chromedp.ByQuery), chromedp.SendKeys("#u-period", "2024-Q1", chromedp.ByQuery),
		chromedp.SetUploadFiles("#u-file", []string{file}, chromedp.ByQuery),
		chromedp.Click(`form.upload-form button[type=submit]`, chromedp.ByQuery))
	sameTotals(t, c.pageTotals(), want)
	c.shot("precheck-upload")
}

// TestBrowserEnterprise signs in as taxpayer A through the sign-in page,
// sees its declarations, deadlines and surcharge, opens a correction with
// what it changed, and cannot reach taxpayer B's pages.
func TestBrowserEnterprise(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	w := setupWorld(t, e)
	// A correction of the submitted 2023-Q4 declaration with one figure changed.
	var corr declaration
	figs := quarterOf("2023", []string{"10", "11", "12"}, w.ids)
	figs[0]["emission_kg"] = "150"
	must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/corrections", w.submitted), obj{"figures": figs}, nil), 201).json(t, &corr)
	must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", corr.ID), nil, hdr{"If-Match": `"1"`}), 200)
	// Taxpayer B, with a declaration of its own.
	must(t, e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeB, "name": "乙公司", "region": "440300"}, nil), 201)
	var srcB struct{ ID int64 }
	must(t, e.do("enterprise_b", "POST", "/v1/taxpayers/"+codeB+"/sources", obj{"outlet_no": "DA9", "outlet_name": "乙排口", "kind": "air",
		"pollutant": "二氧化硫", "valid_from": "2020-01-01"}, nil), 201).json(t, &srcB)
	var declB declaration
	must(t, e.do("enterprise_b", "POST", "/v1/taxpayers/"+codeB+"/declarations", obj{"period": "2024-Q1", "figures": []obj{
		{"source_id": srcB.ID, "month": "2024-01", "emission_kg": "5"}}}, nil), 201).json(t, &declB)

	c := newChrome(t, e)
	c.open("/app/taxpayers/" + codeA)
	c.wait("#token") // sent to sign in first
	c.shot("signin")
	c.run(chromedp.SendKeys("#token", e.tokens["enterprise"], chromedp.ByQuery), chromedp.Submit("#token", chromedp.ByQuery),
		chromedp.WaitVisible("table.periods", chromedp.ByQuery))
	var loc string
	c.run(chromedp.Location(&loc))
	if !strings.HasSuffix(loc, "/app/taxpayers/"+codeA) {
		t.Fatalf("after sign-in at %s", loc)
	}
	if h := c.text("h1"); h != "示例化工有限公司" {
		t.Errorf("heading %q", h)
	}
	// 2023-Q4's deadline passed; the clock is 2024-05-20: a surcharge runs.
	if s := c.text(`tr[data-period="2023-Q4"] .surcharge`); s == "" || s == "0.00" {
		t.Errorf("2023-Q4 surcharge %q", s)
	}
	c.shot("enterprise-taxpayer")
	c.run(chromedp.Click(`tr[data-period="2023-Q4"] a`, chromedp.ByQuery), chromedp.WaitVisible("#diff-h", chromedp.ByQuery))
	if txt := c.text("table.figure-diff tbody"); !strings.Contains(txt, "150") {
		t.Errorf("the correction's changes do not show the new figure: %q", txt)
	}
	if d := c.text("#tax-difference"); d == "" {
		t.Error("no 应补(退)税额")
	}
	c.shot("enterprise-correction")
	// Another taxpayer's pages answer as if they did not exist.
	for _, path := range []string{"/app/taxpayers/" + codeB, fmt.Sprintf("/app/declarations/%d", declB.ID),
		fmt.Sprintf("/app/taxpayers/%s/sources/%d", codeB, srcB.ID)} {
		c.open(path)
		body := c.text("main")
		if !strings.Contains(body, "不存在") || strings.Contains(body, "乙公司") || strings.Contains(body, "乙排口") {
			t.Errorf("%s as taxpayer A: %q", path, body)
		}
	}
	c.shot("enterprise-other-taxpayer")
}

// signIn goes through the sign-in page with a token and waits for the
// landing page.
func (c *chrome) signIn(secret, landing string) {
	c.t.Helper()
	c.open("/signin")
	c.run(chromedp.SendKeys("#token", secret, chromedp.ByQuery), chromedp.Submit("#token", chromedp.ByQuery))
	c.wait(landing)
}

// TestBrowserOfficers: the tax officer filters the reconciliation by risk
// flag, opens the flagged item (its months and the hourly chart) and asks
// for a 复核, whose deadline shows; the environment officer finds it
// waiting with its days left; finance compares a scenario with the base.
func TestBrowserOfficers(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := newEnv(t, db, api.Config{})
	flaggedWorld(t, e, db)

	c := newChrome(t, e)
	c.signIn(e.tokens["tax_officer"], "form.filters")
	c.run(chromedp.SetValue("#flag", "monitored_above_declared", chromedp.ByQuery))
	c.click("form.filters button[type=submit]")
	c.wait(`tr[data-code="` + codeA + `"]`)
	c.shot("officer-reconciliation")
	c.click("a.flag-link")
	c.wait("svg.chart")
	if obs := c.text("#flag-observed"); !strings.HasSuffix(obs, "kg") {
		t.Errorf("observed %q", obs)
	}
	var months int
	c.run(chromedp.Evaluate(`document.querySelectorAll("table.item-months tbody tr").length`, &months))
	if months != 3 {
		t.Errorf("%d months shown for the item, want the quarter's 3", months)
	}
	c.shot("officer-flagged-item")
	c.click("#open-review")
	c.wait("#review-deadline")
	if d := c.text("#review-deadline"); d != "2024-06-04" {
		t.Errorf("review deadline %q", d)
	}
	c.shot("officer-review-opened")

	env := newChrome(t, e)
	env.signIn(e.tokens["env_officer"], "table.reviews")
	if left := env.text("td.days-left"); left != "15 天" {
		t.Errorf("days left %q", left)
	}
	env.shot("env-reviews-waiting")
	env.click("table.reviews a")
	env.wait("#answer")
	env.run(chromedp.SetValue("#opinion", "confirmed", chromedp.ByQuery), chromedp.SendKeys("#note", "在线监测数据有效，维持申报数据以外的处理由税务机关决定", chromedp.ByQuery))
	env.shot("env-review-answer")
	env.click("#answer")
	env.wait("#answer-confirm")
	env.shot("env-review-confirm")
	env.click("#answer-confirm")
	env.wait("#review-opinion")
	if op := env.text("#review-opinion"); !strings.HasPrefix(op, "维持申报数据") {
		t.Errorf("opinion shown as %q", op)
	}

	fin := newChrome(t, e)
	fin.signIn(e.tokens["finance"], "form.budget-form")
	fin.run(chromedp.SendKeys("#b-region", "500000", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById("b-year").value = ""`, nil), chromedp.SendKeys("#b-year", "2024", chromedp.ByQuery),
		chromedp.SendKeys("#s1-title", "大气减排10%", chromedp.ByQuery), chromedp.SendKeys("#s1-ta", "-10", chromedp.ByQuery))
	fin.click("#budget-go")
	fin.wait("#budget-summary")
	var cols int
	fin.run(chromedp.Evaluate(`document.querySelectorAll("#budget-summary thead th").length`, &cols))
	if cols != 4 {
		t.Errorf("scenario table has %d columns, want item + base + scenario + basis", cols)
	}
	fin.shot("finance-budget")
}
