package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

var (
	tagRe     = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<details class="[^"]*basis[^"]*"[^>]*>.*?</details>|<datalist.*?</datalist>|<[^>]+>`)
	latinRe   = regexp.MustCompile(`[A-Za-z]{4,}`)
	codeRe    = regexp.MustCompile(`\b[a-z]+_[a-z_]+\b|\w+\[\d+\]|\.csv:\d+|https?://`)
	redirects = regexp.MustCompile(`^/app/declarations/(\d+)`)
	refRe     = regexp.MustCompile(`\b[0-9A-Z]*[0-9][0-9A-Z]*[A-Z][0-9A-Z]*\b|\b[0-9A-Z]*[A-Z][0-9A-Z]*[0-9][0-9A-Z]*\b`)
)

// plainChinese fails when what a page shows (outside 依据详情, hidden
// inputs and attributes) carries English words or internal codes.
func plainChinese(t *testing.T, what, body string) {
	t.Helper()
	// Reference numbers and credit codes (FHB7CCFC350DA0,
	// 91350100M000100Y43) are what people quote, not English: left out.
	text := refRe.ReplaceAllString(tagRe.ReplaceAllString(body, " "), " ")
	allowed := map[string]bool{"XLSX": true, "JSON": true, "HTTP": true, "ecotax": true, "CODcr": true} // the product; a statutory pollutant name
	for _, w := range latinRe.FindAllString(text, -1) {
		if !allowed[w] {
			i := strings.Index(text, w)
			t.Errorf("%s shows English %q: …%s…", what, w, strings.Join(strings.Fields(text[max(0, i-80):min(len(text), i+80)]), " "))
			return
		}
	}
	if m := codeRe.FindString(text); m != "" {
		t.Errorf("%s shows the code %q", what, m)
	}
}

func location(t *testing.T, p *page, want int) string {
	t.Helper()
	if p.status != want {
		t.Fatalf("status %d, want %d: %s", p.status, want, trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
	}
	return p.header.Get("Location")
}

// The enterprise accountant's whole job on the pages, as plain form posts
// (no JavaScript): register its tax sources (one refused for 颗粒物 with
// one suggestion, numbers typed with separators and full-width digits),
// change one, start the declaration, fill its figures (a bad one kept and
// shown beside its input), pre-check, read the summary, submit, correct it
// downwards, and see 欠缴 and 滞纳金; the tax officer accepts it and
// records a part payment on the declaration page. Every page read is plain Chinese.
func TestWebPageEnterpriseFiling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		must(t, e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeA, "name": "示例化工有限公司", "region": "500103"}, nil), 201)
		b := newBrowser(t, e)
		b.signIn(e.tokens["enterprise"])
		home := b.get("/app/taxpayers/" + codeA)
		if !strings.Contains(home.body, "请先<a") || !strings.Contains(home.body, "新增税源") {
			t.Errorf("a taxpayer without sources is not sent to register them")
		}
		plainChinese(t, "taxpayer page", home.body)

		// 税源信息采集.
		b.get("/app/taxpayers/" + codeA + "/sources/new")
		src := url.Values{"kind": {"air"}, "outlet_no": {"DA001"}, "outlet_name": {"锅炉烟囱"}, "pollutant": {"颗粒物"},
			"method": {"automatic"}, "standard_concentration": {"abc"}, "valid_from": {"2023-01-01"}}
		p := b.post("/app/taxpayers/"+codeA+"/sources", src)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, "请填“烟尘”") || !strings.Contains(p.body, `value="锅炉烟囱"`) ||
			!strings.Contains(p.body, "标准浓度值") {
			t.Errorf("颗粒物 and a bad number: %d %s", p.status, trim([]byte(p.body)))
		}
		plainChinese(t, "refused source form", p.body)
		src.Set("pollutant", "二氧化硫")
		src.Set("standard_concentration", "２００")
		loc := location(t, b.post("/app/taxpayers/"+codeA+"/sources", src), http.StatusSeeOther)
		so2 := strings.TrimSuffix(strings.TrimPrefix(loc, "/app/taxpayers/"+codeA+"/sources/"), "?saved=1")
		p = b.get(loc)
		if !strings.Contains(p.body, "税源已保存") || !strings.Contains(p.body, "200 mg/m³") {
			t.Errorf("saved source page: %s", trim([]byte(p.body)))
		}
		plainChinese(t, "source page", p.body)
		loc = location(t, b.post("/app/taxpayers/"+codeA+"/sources", url.Values{"kind": {"water"}, "outlet_no": {"DW001"}, "outlet_name": {"总排口"},
			"pollutant": {"化学需氧量"}, "method": {"monitoring"}, "standard_concentration": {"100"}, "valid_from": {"2023-01-01"}}), http.StatusSeeOther)
		cod := strings.TrimSuffix(strings.TrimPrefix(loc, "/app/taxpayers/"+codeA+"/sources/"), "?saved=1")
		// 变更: a new name; the history keeps both.
		edit := b.get("/app/taxpayers/" + codeA + "/sources/" + so2 + "/edit")
		if !strings.Contains(edit.body, `value="锅炉烟囱"`) {
			t.Fatalf("the change form is not filled in")
		}
		src.Set("outlet_name", "1号锅炉烟囱")
		src.Set("version", "1")
		location(t, b.post("/app/taxpayers/"+codeA+"/sources/"+so2, src), http.StatusSeeOther)
		p = b.get("/app/taxpayers/" + codeA + "/sources/" + so2)
		if !strings.Contains(p.body, "1号锅炉烟囱") || !strings.Contains(p.body, "变更") {
			t.Errorf("history after a change: %s", trim([]byte(p.body)))
		}

		// Start the declaration, blank.
		home = b.get("/app/taxpayers/" + codeA)
		if !strings.Contains(home.body, `name="period" value="2024-Q1"`) {
			t.Errorf("the quarter to declare is not offered")
		}
		loc = location(t, b.post("/app/taxpayers/"+codeA+"/declarations", url.Values{"period": {"2024-Q1"}, "from": {"blank"}}), http.StatusSeeOther)
		id := redirects.FindStringSubmatch(loc)[1]
		decl := "/app/declarations/" + id
		p = b.get(decl)
		if !strings.Contains(p.body, "缺少 2024-01 的数据") || !strings.Contains(p.body, "fig."+so2+".2024-03.emission_kg") {
			t.Errorf("blank draft: %s", trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "blank draft", p.body)
		figs := url.Values{"version": {"1"}}
		for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
			figs.Set("fig."+so2+"."+m+".emission_kg", "1,820.5")
			figs.Set("fig."+cod+"."+m+".emission_kg", "２８８０")
			figs.Set("fig."+cod+"."+m+".wastewater_t", "24,000")
		}
		figs.Set("fig."+so2+".2024-02.avg_concentration", "十二")
		p = b.post(decl+"/figures", figs)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `value="十二"`) || !strings.Contains(p.body, `value="24,000"`) ||
			!strings.Contains(p.body, `aria-invalid="true"`) {
			t.Errorf("a bad figure: %d", p.status)
		}
		plainChinese(t, "refused figures", p.body)
		figs.Del("fig." + so2 + ".2024-02.avg_concentration")
		location(t, b.post(decl+"/figures", figs), http.StatusSeeOther)
		p = b.get(decl)
		if !strings.Contains(p.body, "预检通过") {
			t.Fatalf("pre-check: %s", trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		conf := b.get(decl + "/confirm")
		for _, s := range []string{"提交前确认", "应纳税额", "减免税额", "本期应缴税额", "与上期相比", "确认提交申报"} {
			if !strings.Contains(conf.body, s) {
				t.Errorf("summary before submitting lacks %s", s)
			}
		}
		plainChinese(t, "summary before submitting", conf.body)
		p = b.get(location(t, b.post(decl+"/submit", url.Values{"version": {"2"}}), http.StatusSeeOther))
		if !strings.Contains(p.body, "申报已提交") || !strings.Contains(p.body, "更正申报") {
			t.Errorf("after submit: %s", trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "submitted declaration", p.body)

		// 更正申报, downwards.
		loc = location(t, b.post(decl+"/correct", url.Values{}), http.StatusSeeOther)
		corr := "/app/declarations/" + redirects.FindStringSubmatch(loc)[1]
		for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
			figs.Set("fig."+so2+"."+m+".emission_kg", "900")
		}
		location(t, b.post(corr+"/figures", figs), http.StatusSeeOther)
		conf = b.get(corr + "/confirm")
		if !strings.Contains(conf.body, "应补(退)税额") || !strings.Contains(conf.body, "应退") {
			t.Errorf("correction summary: %s", trim([]byte(tagRe.ReplaceAllString(conf.body, " "))))
		}
		location(t, b.post(corr+"/submit", url.Values{"version": {"2"}}), http.StatusSeeOther)
		p = b.get(corr)
		if !strings.Contains(p.body, "本次更正的变化") || !strings.Contains(p.body, "本期欠缴与滞纳金") {
			t.Errorf("submitted correction: %s", trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "submitted correction", p.body)
		home = b.get("/app/taxpayers/" + codeA)
		m := regexp.MustCompile(`class="num owed" data-value="([^"]+)"`).FindStringSubmatch(home.body)
		if m == nil || m[1] == "0.00" {
			t.Errorf("欠缴 after a lower correction: %v", m)
		}
		plainChinese(t, "taxpayer page with declarations", home.body)

		// The tax officer accepts it (受理) and records a part payment from
		// the same page (issue 12: 受理 and record a payment from the
		// declaration page).
		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		p = o.get(corr)
		if !strings.Contains(p.body, `id="accept"`) || !strings.Contains(p.body, `id="pay"`) {
			t.Errorf("the officer's actions on a submitted declaration")
		}
		location(t, o.post(corr+"/accept", url.Values{"version": {"3"}}), http.StatusSeeOther)
		p = o.post(corr+"/payment", url.Values{"version": {"4"}, "paid_on": {"2024-05-10"}, "amount": {"１,000.00"}})
		location(t, p, http.StatusSeeOther)
		p = o.get(corr)
		if !strings.Contains(p.body, `id="paid">1,000.00`) || !strings.Contains(p.body, "已受理") {
			t.Errorf("after accept and payment: %s", trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "accepted and part-paid declaration", p.body)
		_ = fmt.Sprint
	})
}

// The tax officer registers a taxpayer on the page (a bad credit code is
// refused beside its input, entries kept), then finds the region's
// submitted declarations waiting for 受理, with what each owes.
func TestWebPageTaxOfficer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		list := o.get("/app/taxpayers")
		if !strings.Contains(list.body, `id="register-taxpayer"`) {
			t.Fatalf("no registration form")
		}
		plainChinese(t, "taxpayer list", list.body)
		bad := url.Values{"credit_code": {"91350100M000100Y4X"}, "name": {"示例化工有限公司"}, "region": {"500103"}, "industry": {"化工"}}
		p := o.post("/app/taxpayers", bad)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `value="示例化工有限公司"`) || !strings.Contains(p.body, `id="tp-credit_code" name="credit_code" value="91350100M000100Y4X" aria-invalid="true"`) {
			t.Errorf("a bad credit code: %d %s", p.status, trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "refused registration", p.body)
		bad.Set("credit_code", codeA)
		loc := location(t, o.post("/app/taxpayers", bad), http.StatusSeeOther)
		if tp := o.get(loc); !strings.Contains(tp.body, "示例化工有限公司") || !strings.Contains(tp.body, "500103") {
			t.Errorf("registered taxpayer page: %d", tp.status)
		}
		// The enterprise declares; the officer's list shows it waiting.
		w := &world{ids: map[string]int64{}}
		for key, src := range map[string]obj{"so2": {"outlet_no": "DA001", "outlet_name": "锅炉", "kind": "air", "pollutant": "二氧化硫", "valid_from": "2018-01-01"}} {
			var out struct{ ID int64 }
			must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/sources", src, nil), 201).json(t, &out)
			w.ids[key] = out.ID
		}
		var d declaration
		must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": []obj{
			{"source_id": w.ids["so2"], "month": "2024-01", "emission_kg": "100"}, {"source_id": w.ids["so2"], "month": "2024-02", "emission_kg": "100"},
			{"source_id": w.ids["so2"], "month": "2024-03", "emission_kg": "100"}}}, nil), 201).json(t, &d)
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", d.ID), nil, hdr{"If-Match": `"1"`}), 200)
		waiting := o.get("/app/declarations")
		if !strings.Contains(waiting.body, `data-code="`+codeA+`" data-period="2024-Q1"`) || !strings.Contains(waiting.body, "示例化工有限公司") {
			t.Errorf("the submitted declaration is not waiting for 受理: %s", trim([]byte(tagRe.ReplaceAllString(waiting.body, " "))))
		}
		plainChinese(t, "declarations waiting", waiting.body)
		if acc := o.get("/app/declarations?status=accepted"); strings.Contains(acc.body, `data-period="2024-Q1"`) {
			t.Errorf("a submitted declaration listed as accepted")
		}
	})
}

// Finance records a damage case on the page: a figure with separators is
// read, a bad one is refused beside its input with the entries kept, and
// the recorded case is listed.
func TestWebPageFinanceDamageCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		f := newBrowser(t, e)
		f.signIn(e.tokens["finance"])
		pg := f.get("/app/budget/damage-cases")
		if pg.status != 200 || !strings.Contains(pg.body, `id="record-damage"`) {
			t.Fatalf("damage case page: %d %s", pg.status, trim([]byte(tagRe.ReplaceAllString(pg.body, " "))))
		}
		plainChinese(t, "damage case page", pg.body)
		vals := url.Values{"district": {"500103"}, "case": {"某化工厂渗漏案"}, "settlement.amount": {"1,2x"}, "settlement.date": {"2024-03-01"},
			"receipts[0].month": {"2024-06"}, "receipts[0].amount": {"６００,000"}, "receipts[0].received": {"1"}}
		p := f.post("/app/budget/damage-cases", vals)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `value="1,2x"`) || !strings.Contains(p.body, `value="某化工厂渗漏案"`) {
			t.Errorf("a bad amount: %d", p.status)
		}
		plainChinese(t, "refused damage case", p.body)
		vals.Set("settlement.amount", "1,200,000")
		location(t, f.post("/app/budget/damage-cases", vals), http.StatusSeeOther)
		pg = f.get("/app/budget/damage-cases?saved=1")
		if !strings.Contains(pg.body, "某化工厂渗漏案") || !strings.Contains(pg.body, "1,200,000.00") || !strings.Contains(pg.body, "600,000.00") {
			t.Errorf("recorded case not listed: %s", trim([]byte(tagRe.ReplaceAllString(pg.body, " "))))
		}
		plainChinese(t, "damage cases", pg.body)
	})
}

// Finance records a fee bill on the page: the schedule is chosen first,
// its inputs asked in Chinese; a bad quantity is refused beside its input
// with the entries kept, and the recorded bill is listed with its fee.
func TestWebPageFinanceFeeBill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		f := newBrowser(t, e)
		f.signIn(e.tokens["finance"])
		budgetPg := f.get("/app/budget")
		if !strings.Contains(budgetPg.body, `href="/app/budget/fee-bills"`) || !strings.Contains(budgetPg.body, `href="/app/budget/eco-settlements"`) {
			t.Errorf("the budget page does not link the fee bills and settlements")
		}
		pg := f.get("/app/budget/fee-bills")
		if pg.status != 200 || !strings.Contains(pg.body, `id="pick-schedule"`) || strings.Contains(pg.body, `id="record-fee"`) {
			t.Fatalf("fee bill page: %d %s", pg.status, trim([]byte(tagRe.ReplaceAllString(pg.body, " "))))
		}
		plainChinese(t, "fee bill page", pg.body)
		pg = f.get("/app/budget/fee-bills?schedule=cq-emission-permit-base")
		if !strings.Contains(pg.body, `id="record-fee"`) || !strings.Contains(pg.body, `name="inputs.pollutant"`) || !strings.Contains(pg.body, "化学需氧量") {
			t.Fatalf("fee bill form: %s", trim([]byte(tagRe.ReplaceAllString(pg.body, " "))))
		}
		plainChinese(t, "fee bill form", pg.body)
		vals := url.Values{"schedule": {"cq-emission-permit-base"}, "district": {"500103"}, "payer": {"示例化工 排污权有偿使用"},
			"inputs.pollutant": {"cod"}, "months[0].month": {"2024-03"}, "months[0].quantity": {"1x"}}
		p := f.post("/app/budget/fee-bills", vals)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `value="1x"`) || !strings.Contains(p.body, `value="示例化工 排污权有偿使用"`) {
			t.Errorf("a bad quantity: %d", p.status)
		}
		plainChinese(t, "refused fee bill", p.body)
		vals.Set("months[0].quantity", "１0")
		vals.Set("months[1].month", "2017-12")
		vals.Set("months[1].quantity", "1")
		p = f.post("/app/budget/fee-bills", vals)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `value="2017-12"`) || !strings.Contains(p.body, `aria-invalid="true"`) {
			t.Errorf("a month out of range: %d", p.status)
		}
		plainChinese(t, "refused fee bill month", p.body)
		vals.Del("months[1].month")
		vals.Del("months[1].quantity")
		location(t, f.post("/app/budget/fee-bills", vals), http.StatusSeeOther)
		pg = f.get("/app/budget/fee-bills?saved=1")
		if !strings.Contains(pg.body, "示例化工 排污权有偿使用") || !strings.Contains(pg.body, "10 吨，13,600") {
			t.Errorf("recorded bill not listed: %s", trim([]byte(tagRe.ReplaceAllString(pg.body, " "))))
		}
		plainChinese(t, "fee bills", pg.body)
	})
}

// Finance records an eco-compensation settlement for one section on the
// page: a bad district code is refused beside its input with the entries
// kept, and the recorded settlement is listed with its amount.
func TestWebPageFinanceEcoSettlement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		f := newBrowser(t, e)
		f.signIn(e.tokens["finance"])
		pg := f.get("/app/budget/eco-settlements")
		if pg.status != 200 || !strings.Contains(pg.body, `id="pick-scheme"`) {
			t.Fatalf("settlement page: %d %s", pg.status, trim([]byte(tagRe.ReplaceAllString(pg.body, " "))))
		}
		plainChinese(t, "settlement page", pg.body)
		pg = f.get("/app/budget/eco-settlements?scheme=cq_basin_2018")
		if pg.status != 200 || !strings.Contains(pg.body, `id="record-eco"`) {
			t.Fatalf("settlement page: %d %s", pg.status, trim([]byte(tagRe.ReplaceAllString(pg.body, " "))))
		}
		plainChinese(t, "settlement page", pg.body)
		const sec = "settlement.sections[0]."
		vals := url.Values{"settlement.scheme": {"cq_basin_2018"}, "settlement.year": {"2024"}, sec + "id": {"渝中—大渡口界"},
			sec + "upstream": {"渝中区"}, "code." + sec + "upstream": {"500103"}, sec + "downstream": {"大渡口区"}, "code." + sec + "downstream": {"990104"},
			sec + "target_class": {"III"}}
		for m := 1; m <= 12; m++ {
			p := fmt.Sprintf(sec+"periods[%d].", m-1)
			vals.Set(p+"period", fmt.Sprintf("2024-%02d", m))
			vals.Set(p+"class", "II")
			vals.Set(p+"compare_class", "III")
		}
		p := f.post("/app/budget/eco-settlements", vals)
		if p.status != http.StatusBadRequest || !strings.Contains(p.body, `value="990104" aria-invalid="true"`) || !strings.Contains(p.body, `value="渝中—大渡口界"`) {
			t.Errorf("a bad district code: %d %s", p.status, tagRe.ReplaceAllString(p.body[strings.Index(p.body, "<h1>"):], " "))
		}
		plainChinese(t, "refused settlement", p.body)
		vals.Set("code."+sec+"downstream", "500104")
		location(t, f.post("/app/budget/eco-settlements", vals), http.StatusSeeOther)
		pg = f.get("/app/budget/eco-settlements?done=saved")
		if !strings.Contains(pg.body, "渝中区") || !strings.Contains(pg.body, "大渡口区") || !strings.Contains(pg.body, "已生效") || !strings.Contains(pg.body, `id="saved"`) {
			t.Errorf("recorded settlement not listed: %s", trim([]byte(tagRe.ReplaceAllString(pg.body, " "))))
		}
		plainChinese(t, "settlements", pg.body)
	})
}
