package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store/storetest"
)

// fill types into an input found by selector, replacing what it holds.
func (c *chrome) fill(sel, value string) {
	c.t.Helper()
	var ok bool
	c.run(chromedp.Evaluate(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.value = %q; return true })()`, sel, value), &ok))
	if !ok {
		c.t.Fatalf("no input %s", sel)
	}
}

// narrow checks at 390 px that the page is no wider than the screen (the
// tables scroll inside their own boxes) and takes the phone screenshot.
func (c *chrome) narrow(name string) {
	c.t.Helper()
	c.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	var wide bool
	c.run(chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &wide))
	if wide {
		c.t.Errorf("%s is wider than a phone's screen", name)
	}
	c.shot(name + "-390")
	c.run(chromedp.EmulateViewport(1366, 900))
}

// TestBrowserAccountantFiling: the accountant signs in, registers a tax
// source through the form, starts the quarter's declaration, types its
// figures (with thousands separators), reads the summary and submits; at
// 1366 and 390 px.
func TestBrowserAccountantFiling(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	must(t, e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeA, "name": "示例化工有限公司", "region": "500103"}, nil), 201)
	c := newChrome(t, e)
	c.run(chromedp.EmulateViewport(1366, 900))
	c.signIn(e.tokens["enterprise"], "table, .start")
	c.shot("accountant-home")
	c.click(`a[href$="/sources/new"]`)
	c.wait("#outlet_no")
	c.fill("#outlet_no", "DA001")
	c.fill("#outlet_name", "锅炉烟囱")
	c.fill("#pollutant", "颗粒物")
	c.fill("#standard_concentration", "30")
	c.fill("#valid_from", "2023-01-01")
	c.click(`form.source-form button[type=submit]`)
	c.wait("#pollutant-hint")
	c.shot("accountant-source-particulate")
	c.fill("#pollutant", "烟尘")
	c.click(`form.source-form button[type=submit]`)
	c.wait(".notice")
	c.shot("accountant-source-saved")
	c.open("/app/taxpayers/" + codeA)
	c.click(`form.start-form button[type=submit]`)
	c.wait("form.figures-form")
	c.shot("accountant-draft-blank")
	c.narrow("accountant-draft-blank")
	var names []string
	c.run(chromedp.Evaluate(`[...document.querySelectorAll('form.figures-form input[name$=".emission_kg"]')].map(e => e.id)`, &names))
	if len(names) != 3 {
		t.Fatalf("figure inputs %v", names)
	}
	for _, id := range names {
		c.fill("#"+id, "1,250.5")
	}
	c.click("#save-figures")
	c.wait("#done") // the blank draft has a #precheck of its own: wait for the saved page
	c.wait("#precheck")
	if txt := c.text("#precheck"); !strings.Contains(txt, "预检通过") {
		t.Fatalf("pre-check: %q", txt)
	}
	c.shot("accountant-precheck")
	c.click(`#precheck a`)
	c.wait("#submit-declaration")
	c.shot("accountant-confirm")
	c.narrow("accountant-confirm")
	c.click("#submit-declaration")
	c.wait("#done")
	if txt := c.text("#done"); !strings.Contains(txt, "已提交") {
		t.Errorf("after submitting: %q", txt)
	}
	c.shot("accountant-submitted")
	c.narrow("accountant-submitted")
	c.open("/app/taxpayers/" + codeA)
	c.wait("table.periods")
	c.shot("accountant-taxpayer")
	c.narrow("accountant-taxpayer")

	// The month's production output, from the taxpayer page.
	c.click("#outputs-link")
	c.wait("#save-output")
	c.fill("#op-month", "2024-01")
	c.fill("#op-product", "聚氯乙烯")
	c.fill("#op-quantity", "1,250.5")
	c.click("#save-output")
	c.wait(`#op-unit[aria-invalid="true"]`)
	if v := c.value("#op-quantity"); v != "1,250.5" {
		t.Errorf("the quantity typed was not kept: %q", v)
	}
	c.fill("#op-unit", "吨")
	c.click("#save-output")
	c.wait("#saved")
	if txt := c.text(`tr[data-month="2024-01"]`); !strings.Contains(txt, "1,250.5") || !strings.Contains(txt, "吨") {
		t.Errorf("the output listed: %q", txt)
	}
	c.shot("accountant-outputs")
	c.narrow("accountant-outputs")
}
