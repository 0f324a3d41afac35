package api_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store/storetest"
)

// wide takes the desktop screenshot at 1366 px.
func (c *chrome) wide(name string) {
	c.t.Helper()
	c.run(chromedp.EmulateViewport(1366, 900))
	c.shot(name)
}

// TestBrowserFinance: finance's whole job from a fresh database (only the
// tokens are seeded): record a damage case (figures typed with separators
// and full-width digits), a settlement over two monitored sections (the
// second added with "再加一个断面"), and a fee bill; see the budget with
// the tax coverage beside the tax and a chart per stream; add a scenario;
// download the XLSX through the page's link and find in it exactly the
// page's tables; delete the fee bill after its confirmation page. At 1366
// and 390 px (no page wider than a phone's screen).
func TestBrowserFinance(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	c := newChrome(t, e)
	c.run(chromedp.EmulateViewport(1366, 900))
	c.signIn(e.tokens["finance"], "form.budget-form")
	c.shot("finance-budget-empty")

	// A damage case.
	c.click(`a[href="/app/budget/damage-cases"]`)
	c.wait("#record-damage")
	c.fill("#dc-district", "500103")
	c.fill("#dc-case", "某化工厂渗漏案")
	c.fill("#dc-amount", "1,200,000")
	c.fill("#dc-date", "2024-03-15")
	c.fill(`[name="receipts[0].month"]`, "2024-06")
	c.fill(`[name="receipts[0].amount"]`, "６００,000")
	c.run(chromedp.Evaluate(`document.querySelector('[name="receipts[0].received"]').checked = true`, nil))
	c.fill(`[name="receipts[1].month"]`, "2024-12")
	c.fill(`[name="receipts[1].amount"]`, "600000")
	c.click("#record-damage")
	c.wait("#saved")
	if txt := c.text("table.entries tbody"); !strings.Contains(txt, "渝中区（500103）") || !strings.Contains(txt, "1,200,000.00") {
		t.Errorf("damage case listed as %q", txt)
	}
	c.wide("finance-damage-case")
	c.narrow("finance-damage-case")

	// A settlement over two sections.
	c.open("/app/budget/eco-settlements")
	c.run(chromedp.SetValue("#es-scheme-pick", "cq_basin_2018", chromedp.ByQuery))
	c.click("#pick-scheme")
	c.wait("#record-eco")
	c.fill("#es-year", "2024")
	section := func(i int, id, up, upCode, down, downCode string) {
		p := fmt.Sprintf("settlement.sections[%d].", i)
		c.fill(fmt.Sprintf("#es-%d-id", i), id)
		c.fill(fmt.Sprintf("#es-%d-up", i), up)
		c.fill(fmt.Sprintf("#es-%d-up-code", i), upCode)
		c.fill(fmt.Sprintf("#es-%d-down", i), down)
		c.fill(fmt.Sprintf("#es-%d-down-code", i), downCode)
		c.run(chromedp.SetValue(fmt.Sprintf("#es-%d-target", i), "III", chromedp.ByQuery))
		for m := 0; m < 12; m++ {
			cls, cmp := "II", "III"
			if m >= 9 {
				cls, cmp = "III", "II"
			}
			q := fmt.Sprintf("%speriods[%d].", p, m)
			c.fill(fmt.Sprintf(`[name="%speriod"]`, q), fmt.Sprintf("2024-%02d", m+1))
			c.run(chromedp.SetValue(fmt.Sprintf(`[name="%sclass"]`, q), cls, chromedp.ByQuery),
				chromedp.SetValue(fmt.Sprintf(`[name="%scompare_class"]`, q), cmp, chromedp.ByQuery))
		}
	}
	section(0, "渝中—大渡口界", "渝中区", "500103", "大渡口区", "500104")
	c.click("#add-section")
	c.wait("#section-2")
	if v := c.value("#es-0-id"); v != "渝中—大渡口界" {
		t.Errorf("adding a section lost the first: %q", v)
	}
	section(1, "大渡口—九龙坡界", "大渡口区", "500104", "九龙坡区", "500107")
	c.wide("finance-settlement-form")
	c.narrow("finance-settlement-form")
	c.click("#record-eco")
	c.wait("#saved")
	if txt := c.text("table.entries tbody"); !strings.Contains(txt, "断面「大渡口—九龙坡界」") || !strings.Contains(txt, "已生效") {
		t.Errorf("settlement listed as %q", txt)
	}
	c.wide("finance-settlements")
	c.narrow("finance-settlements")

	// A fee bill.
	c.open("/app/budget/fee-bills")
	c.run(chromedp.SetValue("#fb-schedule-pick", "cq-emission-permit-base", chromedp.ByQuery))
	c.click("#pick-schedule")
	c.wait("#record-fee")
	c.fill("#fb-district", "500104")
	c.fill("#fb-payer", "示例钢铁 排污权有偿使用")
	c.run(chromedp.SetValue(`[name="inputs.pollutant"]`, "cod", chromedp.ByQuery))
	c.fill(`[name="months[0].month"]`, "2024-03")
	c.fill(`[name="months[0].quantity"]`, "１0")
	c.click("#record-fee")
	c.wait("#saved")
	c.wide("finance-fee-bill")
	c.narrow("finance-fee-bill")

	// The budget, then with a scenario.
	c.open("/app/budget")
	c.fill("#b-region", "500000")
	c.fill("#b-year", "2024")
	c.click("#budget-go")
	c.wait("#budget-summary")
	if cov := c.text("#tax-coverage"); !strings.Contains(cov, "个月有依据") && !strings.Contains(cov, "没有登记了应税税源的纳税人") {
		t.Errorf("tax coverage beside the tax: %q", cov)
	}
	var charts int
	c.run(chromedp.Evaluate(`document.querySelectorAll("svg.chart").length`, &charts))
	if charts < 6 {
		t.Errorf("%d charts, want one per stream and the net", charts)
	}
	c.wide("finance-budget")
	c.narrow("finance-budget")
	c.fill("#s1-title", "收费量增加10%")
	c.fill("#s1-tf", "１0")
	c.click("#budget-go")
	c.wait("#budget-summary thead th:nth-child(4)") // the new page, with the scenario's column
	var cols int
	c.run(chromedp.Evaluate(`document.querySelectorAll("#budget-summary thead th").length`, &cols))
	if cols != 4 {
		t.Errorf("summary has %d columns, want item, basis, base and scenario", cols)
	}
	c.wide("finance-budget-scenario")
	c.narrow("finance-budget-scenario")

	// The XLSX through the page's own link holds the page's tables.
	var b64 string
	c.run(chromedp.Evaluate(`(async () => {
		const r = await fetch(document.getElementById("budget-xlsx").href);
		const b = new Uint8Array(await r.arrayBuffer());
		let s = ""; for (const x of b) s += String.fromCharCode(x);
		return btoa(s);
	})()`, &b64, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the downloaded XLSX: %v", err)
	}
	defer f.Close()
	var screen map[string][][]string
	c.run(chromedp.Evaluate(`(() => {
		const o = {};
		for (const t of document.querySelectorAll("table.vtable")) {
			const rows = o[t.dataset.sheet] || (o[t.dataset.sheet] = []);
			rows.push([t.caption.textContent.trim()]);
			for (const tr of t.rows) rows.push([...tr.cells].map(td => td.textContent.trim()));
		}
		return o;
	})()`, &screen))
	screen["汇总"] = append([][]string{{c.text("#budget-h")}}, screen["汇总"]...)
	for _, name := range []string{"汇总", "按月", "按区县", "税款依据", "明细"} {
		got := xlsxSheet(t, f, name)
		want := screen[name]
		if len(got) != len(want) {
			t.Errorf("sheet %s: %d rows, the screen %d", name, len(got), len(want))
			continue
		}
		for i := range got {
			if w := trimRow(want[i]); strings.Join(got[i], "|") != strings.Join(w, "|") {
				t.Errorf("sheet %s row %d:\n xlsx   %q\n screen %q", name, i+1, got[i], w)
			}
		}
	}

	// Deleting the fee bill asks first.
	c.open("/app/budget/fee-bills")
	c.click("a.delete-link")
	c.wait("#confirm-delete")
	c.wide("finance-delete-confirm")
	c.narrow("finance-delete-confirm")
	c.click("#confirm-delete")
	c.wait("#deleted")
	var left int
	c.run(chromedp.Evaluate(`document.querySelectorAll("table.entries tbody tr").length`, &left))
	if left != 0 {
		t.Errorf("%d fee bills left after deleting the only one", left)
	}
	c.wide("finance-fee-bill-deleted")
}
