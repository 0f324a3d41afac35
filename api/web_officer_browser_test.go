package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// seedAsAdmin is what the officers' flows need that no officer keys in
// on a page: the enterprise's tax source and its two submitted quarters
// (2023-Q4 and 2024-Q1, SO2 declared well below what was monitored), the
// device mapped to the outlet and a quarter of its hourly packets. Only
// the administrator's token and the store are used.
func seedAsAdmin(t *testing.T, e *env, db *store.DB) {
	t.Helper()
	var src struct{ ID int64 }
	must(t, e.do("admin", "POST", "/v1/taxpayers/"+codeA+"/sources", obj{"outlet_no": "DA001", "outlet_name": "锅炉废气排放口", "kind": "air",
		"pollutant": "二氧化硫", "method": "automatic", "standard": "GB 13271-2014", "standard_concentration": "200", "valid_from": "2018-01-01"}, nil), 201).json(t, &src)
	must(t, e.do("admin", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-DA001", "outlet_no": "DA001", "valid_from": "2023-06-01"}, nil), 201)
	dev := reconciletest.Device{MN: "MN-DA001", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 160, AvgTenths: 1200}},
		Gaps: map[int]bool{}, Flags: map[int]string{30: "D", 31: "M"}}
	for h := 100; h < 110; h++ {
		dev.Gaps[h] = true
	}
	ingestMonths(t, db, map[string]reconciletest.Device{"MN-DA001": dev}, []string{"2024-01", "2024-02", "2024-03"})
	for _, q := range []struct {
		period string
		months []string
	}{{"2023-Q4", []string{"2023-10", "2023-11", "2023-12"}}, {"2024-Q1", []string{"2024-01", "2024-02", "2024-03"}}} {
		var figs []obj
		for _, m := range q.months {
			figs = append(figs, obj{"source_id": src.ID, "month": m, "emission_kg": "50", "avg_concentration": "120", "max_concentration": "150"})
		}
		var d declaration
		must(t, e.do("admin", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": q.period, "figures": figs}, nil), 201).json(t, &d)
		must(t, e.do("admin", "POST", fmt.Sprintf("/v1/declarations/%d/submit", d.ID), obj{"version": 1}, nil), 200)
	}
}

// TestBrowserTaxOfficerJob: the tax officer's whole job from a fresh
// database — register the taxpayer on the page, find the region's
// submitted declarations, 受理 one and record its payment, run the
// quarter's reconciliation, open the flagged item (its chart with units,
// the declared level and the standard), send a 复核; the environment
// officer answers it (no default opinion, the monitored figure offered, a
// bad figure refused beside its input with the entries kept, a
// confirmation step) and records a permit and a supervisory measurement;
// the tax officer reads the resulting 应补(退) before applying the
// opinion. At 1366 and 390 px.
func TestBrowserTaxOfficerJob(t *testing.T) {
	db := storetest.OpenSQLite(t)
	e := newEnv(t, db, api.Config{})
	c := newChrome(t, e)
	c.run(chromedp.EmulateViewport(1366, 900))
	c.signIn(e.tokens["tax_officer"], "form.filters")
	c.shot("tax-officer-home")

	// Register the taxpayer: a bad code first, refused beside its input.
	c.open("/app/taxpayers")
	c.click("details.register summary")
	c.fill("#tp-credit_code", "91350100M000100Y4X")
	c.fill("#tp-name", "示例化工有限公司")
	c.fill("#tp-region", "500103")
	c.fill("#tp-industry", "化学原料和化学制品制造业")
	c.click("#register-taxpayer")
	c.wait(`#tp-credit_code[aria-invalid="true"]`)
	if v := c.value("#tp-name"); v != "示例化工有限公司" {
		t.Errorf("the name typed was not kept: %q", v)
	}
	c.shot("tax-officer-register-refused")
	c.fill("#tp-credit_code", codeA)
	c.click("#register-taxpayer")
	c.wait("dl.facts")
	if h := c.text("h1"); h != "示例化工有限公司" {
		t.Errorf("registered taxpayer's page: %q", h)
	}
	c.shot("tax-officer-registered")
	c.narrow("tax-officer-registered")

	seedAsAdmin(t, e, db)

	// The region's declarations by status; 受理 and a payment.
	c.open("/app/declarations?status=submitted")
	c.wait(`tr[data-period="2023-Q4"]`)
	c.shot("tax-officer-declarations")
	c.narrow("tax-officer-declarations")
	c.click(`tr[data-period="2023-Q4"] td a`)
	c.wait("#accept")
	c.click("#accept")
	// The submitted page has a payment form too: wait for the accepted one.
	c.wait("#done")
	if d := c.text("#done"); !strings.Contains(d, "受理") {
		t.Errorf("after 受理: %q", d)
	}
	c.fill("#paid_on", "2024-05-10")
	c.fill("#amount", "1,000.00")
	c.click("#pay")
	// The accepted page had #paid (0.00) already: wait for the payment's page.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var done string // read without failing: the page may be between loads
		if chromedp.Run(c.ctx, chromedp.Evaluate(`(document.querySelector("#done") || {}).innerText || ""`, &done)) == nil &&
			strings.Contains(done, "缴款已登记") {
			break
		}
	}
	if p := c.text("#paid"); !strings.HasPrefix(p, "1,000.00") {
		t.Errorf("paid shown as %q", p)
	}
	c.shot("tax-officer-accepted-paid")
	c.narrow("tax-officer-accepted-paid")

	// The taxpayer's 操作记录: the 受理 and the payment just done come first.
	c.open("/app/taxpayers/" + codeA)
	c.click("#audit-link")
	c.wait("table.audit")
	if txt := c.text("table.audit tbody tr:first-child"); !strings.Contains(txt, "登记缴款") || !strings.Contains(txt, "税务机关") {
		t.Errorf("the newest audit entry: %q", txt)
	}
	c.shot("tax-officer-audit")
	c.narrow("tax-officer-audit")

	// Run the reconciliation; open the flagged item.
	c.open("/app/reconciliation?period=2024-Q1")
	c.click("#run-reconciliation")
	c.wait(`tr[data-code="` + codeA + `"]`)
	c.shot("tax-officer-reconciliation")
	c.narrow("tax-officer-reconciliation")
	c.click("a.flag-link")
	c.wait("svg.chart")
	var refs int
	c.run(chromedp.Evaluate(`document.querySelectorAll("svg.chart line.ref").length`, &refs))
	if refs < 3 { // declared mean and standard on the concentration chart; declared per day on the emission chart
		t.Errorf("%d reference lines on the item's charts", refs)
	}
	if cap := c.text("figure.chart figcaption"); !strings.Contains(cap, "mg/m³") || !strings.Contains(cap, "排放标准限值") || !strings.Contains(cap, "200") {
		t.Errorf("the concentration chart's caption: %q", cap)
	}
	c.shot("tax-officer-flagged-item")
	c.narrow("tax-officer-flagged-item")
	c.click("#open-review")
	c.wait("#review-deadline")
	var review string
	c.run(chromedp.Location(&review))
	review = strings.TrimPrefix(review[:strings.Index(review, "?")], c.base)

	// The environment officer answers.
	env := newChrome(t, e)
	env.run(chromedp.EmulateViewport(1366, 900))
	env.signIn(e.tokens["env_officer"], "table.reviews")
	env.shot("env-officer-home")
	env.click("table.reviews a")
	env.wait("#answer")
	if v := env.value("#opinion"); v != "" {
		t.Errorf("the opinion defaults to %q", v)
	}
	monitored := env.value("#c-em")
	if monitored == "" {
		t.Errorf("the monitored figure is not offered for 更正数据")
	}
	var charts int
	env.run(chromedp.Evaluate(`document.querySelectorAll("svg.chart").length`, &charts))
	if charts == 0 {
		t.Errorf("no chart on the review page")
	}
	env.shot("env-officer-review")
	env.narrow("env-officer-review")
	env.run(chromedp.SetValue("#opinion", "corrected", chromedp.ByQuery))
	env.fill("#c-em", "1,2x")
	env.fill("#note", "按在线监测数据更正")
	env.click("#answer")
	env.wait(`#c-em[aria-invalid="true"]`)
	if v := env.value("#note"); v != "按在线监测数据更正" {
		t.Errorf("the note was not kept: %q", v)
	}
	if v := env.value("#c-em"); v != "1,2x" {
		t.Errorf("the figure typed was not kept: %q", v)
	}
	env.shot("env-officer-review-refused")
	env.narrow("env-officer-review-refused")
	env.fill("#c-em", monitored)
	env.click("#answer")
	env.wait("#answer-confirm")
	env.shot("env-officer-review-confirm")
	env.narrow("env-officer-review-confirm")
	env.click("#answer-confirm")
	env.wait("#review-opinion")
	if op := env.text("#review-opinion"); !strings.HasPrefix(op, "更正数据") {
		t.Errorf("opinion shown as %q", op)
	}

	// The tax officer reads what applying will do, then applies.
	c.open(review)
	c.wait("#preview-diff")
	if d := c.text("#preview-diff"); d == "" || d == "0.00" {
		t.Errorf("应补(退) before applying: %q", d)
	}
	c.shot("tax-officer-review-preview")
	c.narrow("tax-officer-review-preview")
	c.click("#apply")
	c.wait(`a[href^="/app/declarations/"]`)
	if st := c.text("#review-status"); st != "已调整" {
		t.Errorf("after applying, the review is %q", st)
	}
	c.shot("tax-officer-review-applied")

	// The environment officer's registers.
	env.open("/app/permits?taxpayer=" + codeA)
	env.wait("#record-permit")
	env.fill("#pm-no", codeA+"001P")
	env.fill("#pm-from", "2023-01-01")
	env.fill(`input[name="lines[0].outlet_no"]`, "DA001")
	env.fill(`input[name="lines[0].pollutant"]`, "二氧化硫")
	env.fill(`input[name="lines[0].standard"]`, "GB 13271-2014")
	env.fill(`input[name="lines[0].concentration_limit"]`, "-200")
	env.fill(`input[name="lines[0].annual_limit_kg"]`, "12,000")
	env.click("#record-permit")
	env.wait(`input[name="lines[0].concentration_limit"][aria-invalid="true"]`)
	env.shot("env-officer-permit-refused")
	env.narrow("env-officer-permit-refused")
	env.fill(`input[name="lines[0].concentration_limit"]`, "200")
	env.click("#record-permit")
	env.wait("#permit-confirm")
	env.shot("env-officer-permit-confirm")
	env.click("#permit-confirm")
	env.wait("#saved")
	if txt := env.text("table.permits"); !strings.Contains(txt, "200 mg/m³") || !strings.Contains(txt, codeA+"001P") {
		t.Errorf("the permit listed: %q", txt)
	}
	env.shot("env-officer-permits")
	env.narrow("env-officer-permits")
	env.open("/app/samples?taxpayer=" + codeA)
	env.wait("#record-sample")
	env.fill("#sm-outlet", "DA001")
	env.fill("#sm-pollutant", "二氧化硫")
	env.fill("#sm-day", "2024-02-20")
	env.fill("#sm-conc", "135.5")
	env.fill("#sm-agency", "重庆市生态环境监测中心")
	env.fill("#sm-report", "渝环监（2024）第 0218 号")
	env.click("#record-sample")
	env.wait("#sample-confirm")
	env.shot("env-officer-sample-confirm")
	env.narrow("env-officer-sample-confirm")
	env.click("#sample-confirm")
	env.wait("#saved")
	if txt := env.text("table.samples"); !strings.Contains(txt, "135.5 mg/m³") {
		t.Errorf("the sample listed: %q", txt)
	}
	env.shot("env-officer-samples")
	env.narrow("env-officer-samples")

	// The register of monitoring devices: a second device, for the
	// wastewater outlet, with a mistyped MN first; then ended.
	env.click(`nav a[href="/app/devices"]`)
	env.wait("#pick-taxpayer")
	env.open("/app/devices?taxpayer=" + codeA)
	env.wait("#record-device")
	if txt := env.text("table.devices"); !strings.Contains(txt, "MN-DA001") || !strings.Contains(txt, "在用") {
		t.Errorf("the device mapped before is not listed: %q", txt)
	}
	env.fill("#dv-mn", "MN DW001")
	env.fill("#dv-outlet", "DW001")
	env.fill("#dv-from", "2024-01-01")
	env.fill("#dv-note", "总排口在线监测")
	env.click("#record-device")
	env.wait(`#dv-mn[aria-invalid="true"]`)
	if v := env.value("#dv-note"); v != "总排口在线监测" {
		t.Errorf("the note typed was not kept: %q", v)
	}
	env.shot("env-officer-device-refused")
	env.narrow("env-officer-device-refused")
	env.fill("#dv-mn", "MN-DW001")
	env.click("#record-device")
	env.wait("#device-confirm")
	env.click("#device-confirm")
	env.wait("#saved")
	if txt := env.text("table.devices"); !strings.Contains(txt, "MN-DW001") || !strings.Contains(txt, "总排口") {
		t.Errorf("the new device listed: %q", txt)
	}
	env.shot("env-officer-devices")
	env.narrow("env-officer-devices")
	var id string
	env.run(chromedp.Evaluate(`[...document.querySelectorAll("tr[data-device]")].find(r => r.innerText.includes("MN-DW001")).dataset.device`, &id))
	env.fill("#end-"+id, "2024-04-30")
	env.click("#end-device-" + id)
	env.wait("#ended")
	if txt := env.text(`tr[data-device="` + id + `"]`); !strings.Contains(txt, "2024-04-30") || !strings.Contains(txt, "已停用") {
		t.Errorf("the ended device: %q", txt)
	}
	// The data encryption key of a device (HJ 212-2025), from its row:
	// typed differently the second time, refused beside the input; then set,
	// and named by its fingerprint only.
	env.click(`tr[data-device] a[href^="/app/devices/keys?mn=MN-DA001"]`)
	env.wait("#no-key")
	env.fill("#key-new", "k3Y-9a!Qm2#Lp7Zr")
	env.fill("#key-again", "k3Y-9a!Qm2#Lp7Zx")
	env.click("#set-key")
	env.wait(`#key-again[aria-invalid="true"]`)
	if v := env.value("#key-new"); v != "" {
		t.Errorf("the refused form gives the key back")
	}
	env.fill("#key-new", "k3Y-9a!Qm2#Lp7Zr")
	env.fill("#key-again", "k3Y-9a!Qm2#Lp7Zr")
	env.click("#set-key")
	env.wait("#key-set")
	if txt := env.text("table.device-keys"); !strings.Contains(txt, "当前密钥") || strings.Contains(txt, "k3Y") {
		t.Errorf("the key set: %q", txt)
	}
	env.shot("env-officer-device-key")
	env.narrow("env-officer-device-key")
	// The device's refused packets, from the key page.
	env.click(`a[href^="/app/devices/packets?mn=MN-DA001"]`)
	env.wait("#pk-mn")
	if v := env.value("#pk-verdict"); v != "rejected" {
		t.Errorf("the packets page's verdict filter: %q", v)
	}
	env.shot("env-officer-device-packets")
	env.click(`a[href="/app/devices?taxpayer=` + codeA + `"]`)
	env.wait("#record-device")
	// The taxpayer's month of monitoring, from the register.
	env.click(`a[href="/app/taxpayers/` + codeA + `/monitoring"]`)
	env.wait("#mo-month")
	env.fill("#mo-month", "2024-01")
	env.click(`form.filters button[type="submit"]`)
	env.wait("table.monitoring")
	if txt := env.text(`tr[data-outlet="DA001"]`); !strings.Contains(txt, "二氧化硫") || !strings.Contains(txt, "mg/m³") {
		t.Errorf("the month's monitoring row: %q", txt)
	}
	env.shot("env-officer-monitoring")
	env.narrow("env-officer-monitoring")

	// A penalty record: the case chosen by its reason, a month's 产生量.
	env.click(`nav a[href="/app/penalties"]`)
	env.wait("#pick-taxpayer")
	env.open("/app/penalties?taxpayer=" + codeA)
	env.wait("#record-penalty")
	env.fill("#pn-case-no", "渝环罚〔2024〕12号")
	env.run(chromedp.SetValue("#pn-case", "tampered_data", chromedp.ByQuery))
	env.fill("#pn-outlet", "DA001")
	env.fill("#pn-from", "2024-01-01")
	env.fill("#pn-to", "2024-01-31")
	env.fill("#pn-decided", "2024-04-10")
	env.fill("#pn-pollutants", "二氧化硫")
	env.fill(`input[name="generated[0].pollutant"]`, "二氧化硫")
	env.fill(`input[name="generated[0].month"]`, "2024-01")
	env.fill(`input[name="generated[0].generated_kg"]`, "1,2x")
	env.click("#record-penalty")
	env.wait(`input[name="generated[0].generated_kg"][aria-invalid="true"]`)
	env.shot("env-officer-penalty-refused")
	env.fill(`input[name="generated[0].generated_kg"]`, "1,200")
	env.click("#record-penalty")
	env.wait("#penalty-confirm")
	env.shot("env-officer-penalty-confirm")
	env.click("#penalty-confirm")
	env.wait("#saved")
	if txt := env.text("section.penalty"); !strings.Contains(txt, "篡改、伪造污染物监测数据") || !strings.Contains(txt, "1,200") {
		t.Errorf("the penalty listed: %q", txt)
	}
	env.shot("env-officer-penalties")
	env.narrow("env-officer-penalties")
}

// value is what an input or select holds.
func (c *chrome) value(sel string) string {
	c.t.Helper()
	var v string
	c.run(chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.value : "" })()`, sel), &v))
	return v
}
