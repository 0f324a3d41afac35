package api_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// Every page an officer reads is plain Chinese: the reconciliation list
// and a taxpayer's run, the flagged item, the 复核 list and page (open,
// refused, to confirm, answered, applied), the exchange worklist, the
// permit register and the supervisory samples, the taxpayers and the
// declarations. Codes, paths, parameter keys and URLs only in 依据详情.
func TestWebOfficerPagesPlainChinese(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		flaggedWorld(t, e, db)
		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		check := func(b *browser, what, path string, want int) *page {
			t.Helper()
			p := b.get(path)
			if p.status != want {
				t.Errorf("%s (%s): status %d, want %d", what, path, p.status, want)
			}
			plainChinese(t, what, p.body)
			return p
		}
		list := check(o, "reconciliation list", "/app/reconciliation?period=2024-Q1&region=500000", 200)
		check(o, "reconciliation list by flag", "/app/reconciliation?period=2024-Q1&flag=monitored_above_declared", 200)
		check(o, "taxpayer's reconciliation", "/app/reconciliation/"+codeA+"?period=2024-Q1", 200)
		ran := location(t, o.post("/app/reconciliation/run", url.Values{"period": {"2024-Q1"}, "region": {"500000"}}), 303)
		check(o, "reconciliation after a run", ran, 200)
		badRun := o.post("/app/reconciliation/run", url.Values{"period": {"2024-Q5"}, "region": {"500000"}})
		if badRun.status != 400 {
			t.Errorf("a run for 2024-Q5: %d", badRun.status)
		}
		plainChinese(t, "refused run", badRun.body)
		check(o, "reconciliation of a bad period", "/app/reconciliation?period=2024-Q5", 400)
		m := flagLinkRe.FindStringSubmatch(list.body)
		if m == nil {
			t.Fatal("no link to the flagged item")
		}
		link := strings.ReplaceAll(m[1], "&amp;", "&")
		item := check(o, "flagged item", link, 200)
		for _, s := range []string{"千克", "mg/m³"} {
			if !strings.Contains(item.body, s) {
				t.Errorf("the flagged item shows no %s", s)
			}
		}
		check(o, "taxpayers", "/app/taxpayers", 200)
		check(o, "taxpayer", "/app/taxpayers/"+codeA, 200)
		decls := check(o, "declarations", "/app/declarations", 200)
		check(o, "accepted declarations", "/app/declarations?status=accepted", 200)
		if dm := regexp.MustCompile(`href="(/app/declarations/\d+)"`).FindStringSubmatch(decls.body); dm != nil {
			check(o, "declaration (officer)", dm[1], 200)
		} else {
			t.Errorf("the declarations list links no declaration")
		}
		check(o, "worklist", "/app/exchange/worklist", 200)
		check(o, "permits (tax officer)", "/app/permits", 200)
		check(o, "samples (tax officer)", "/app/samples", 200)

		u, _ := url.Parse(link)
		q := u.Query()
		rv := o.post("/app/reviews", url.Values{"credit_code": {codeA}, "period": {q.Get("period")}, "outlet_no": {q.Get("outlet")},
			"pollutant": {q.Get("pollutant")}, "month": {q.Get("month")}, "flag_code": {q.Get("code")}, "reason": {"监测量高于申报量"}})
		revPath := location(t, rv, 303)
		check(o, "review opened", revPath, 200)
		revPath = revPath[:strings.Index(revPath, "?")]
		again := o.post("/app/reviews", url.Values{"credit_code": {codeA}, "period": {q.Get("period")}, "outlet_no": {q.Get("outlet")},
			"pollutant": {q.Get("pollutant")}, "month": {q.Get("month")}, "flag_code": {q.Get("code")}, "reason": {"再次"}})
		plainChinese(t, "second review refused", again.body)
		check(o, "reviews (tax officer)", "/app/reviews", 200)

		env := newBrowser(t, e)
		env.signIn(e.tokens["env_officer"])
		check(env, "reviews waiting", "/app/reviews", 200)
		check(env, "reviews answered", "/app/reviews?status=answered", 200)
		rp := check(env, "review to answer", revPath, 200)
		if !strings.Contains(rp.body, `<svg class="chart"`) {
			t.Errorf("the review page has no chart of the item")
		}
		check(env, "flagged item (env officer)", link, 200)
		check(env, "worklist (env officer)", "/app/exchange/worklist", 200)
		check(env, "permits", "/app/permits", 200)
		check(env, "samples", "/app/samples", 200)
		vm := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(rp.body)
		if vm == nil {
			t.Fatal("no version on the review form")
		}
		bad := env.post(revPath+"/answer", url.Values{"version": {vm[1]}, "opinion": {"corrected"}, "outlet_no": {"DA001"}, "pollutant": {"二氧化硫"},
			"month": {"2024-01"}, "emission_kg": {"-1"}, "note": {"x"}})
		plainChinese(t, "refused answer", bad.body)
		none := env.post(revPath+"/answer", url.Values{"version": {vm[1]}, "opinion": {""}, "emission_kg": {"1,2x"}})
		plainChinese(t, "answer without opinion", none.body)
		answer := url.Values{"version": {vm[1]}, "opinion": {"corrected"}, "outlet_no": {"DA001"}, "pollutant": {"二氧化硫"},
			"month": {"2024-01"}, "emission_kg": {"115.889"}, "note": {"按在线监测数据更正"}}
		plainChinese(t, "answer to confirm", env.post(revPath+"/answer", answer).body)
		answer.Set("confirm", "1")
		location(t, env.post(revPath+"/answer", answer), 303)
		check(env, "review answered (env officer)", revPath, 200)
		ap := check(o, "review to apply", revPath, 200)
		vm = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(ap.body)
		location(t, o.post(revPath+"/apply", url.Values{"version": {vm[1]}}), 303)
		check(o, "review applied", revPath, 200)
	})
}

// The environment officer keeps the permit register and records a
// supervisory measurement on the pages, as plain form posts: errors
// beside their inputs in Chinese with every entry kept, a confirmation
// step, the entry listed with its units; the tax officer reads both.
func TestWebPagePermitsAndSamples(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		env := newBrowser(t, e)
		env.signIn(e.tokens["env_officer"])
		home := env.get("/app/reviews")
		if !strings.Contains(home.body, `href="/app/permits"`) || !strings.Contains(home.body, `href="/app/samples"`) {
			t.Errorf("the environment officer's menu does not reach the permits and samples")
		}
		pg := env.get("/app/permits?taxpayer=" + codeA)
		if pg.status != 200 || !strings.Contains(pg.body, `id="record-permit"`) || !strings.Contains(pg.body, "尚未登记排污许可证") {
			t.Fatalf("permits page: %d", pg.status)
		}
		permitNo := codeA + "001P"
		vals := url.Values{"taxpayer": {codeA}, "permit_no": {codeA + "01P"}, "valid_from": {"2023-01-01"}, "valid_to": {"2022-12-31"},
			"lines[0].outlet_no": {"DA001"}, "lines[0].pollutant": {"二氧化硫"}, "lines[0].standard": {"GB 13271-2014"},
			"lines[0].concentration_limit": {"-5"}, "lines[0].annual_limit_kg": {"12,000"},
			"lines[2].outlet_no": {"DW001"}}
		p := env.post("/app/permits", vals)
		if p.status != 400 || !strings.Contains(p.body, `value="12,000"`) || !strings.Contains(p.body, `value="GB 13271-2014"`) ||
			!strings.Contains(p.body, "排污许可证编号应为 22 位") || !strings.Contains(p.body, "有效期止不能早于有效期起") ||
			!strings.Contains(p.body, "许可排放浓度不能为负数") || !strings.Contains(p.body, `name="lines[2].pollutant" list="pollutant-names" value="" aria-invalid="true"`) {
			t.Errorf("a bad permit: %d %s", p.status, trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "refused permit", p.body)
		vals.Set("permit_no", permitNo)
		vals.Del("valid_to")
		vals.Set("lines[0].concentration_limit", "２00")
		vals.Set("lines[2].pollutant", "化学需氧量")
		p = env.post("/app/permits", vals)
		if p.status != 200 || !strings.Contains(p.body, `id="permit-confirm"`) || !strings.Contains(p.body, "２00 mg/m³") || !strings.Contains(p.body, "长期") {
			t.Fatalf("permit to confirm: %d %s", p.status, trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "permit to confirm", p.body)
		vals.Set("confirm", "1")
		loc := location(t, env.post("/app/permits", vals), 303)
		p = env.get(loc)
		if !strings.Contains(p.body, `id="saved"`) || !strings.Contains(p.body, `data-permit="`+permitNo+`"`) || !strings.Contains(p.body, "200 mg/m³") ||
			!strings.Contains(p.body, "12,000") {
			t.Errorf("the permit is not listed: %s", trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "permits", p.body)
		p = env.post("/app/permits", vals)
		if p.status != 400 || !strings.Contains(p.body, "已经登记过") || !strings.Contains(p.body, `value="`+permitNo+`" autocomplete="off" aria-invalid="true"`) {
			t.Errorf("the same permit twice: %d %s", p.status, trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "permit twice", p.body)

		sv := url.Values{"taxpayer": {codeA}, "outlet_no": {"DA001"}, "pollutant": {"二氧化硫"}, "sampled_on": {"2024-02-30"},
			"concentration": {"abc"}, "flow": {"12,500"}, "agency": {"重庆市生态环境监测中心"}}
		p = env.post("/app/samples", sv)
		if p.status != 400 || !strings.Contains(p.body, `value="abc"`) || !strings.Contains(p.body, `value="重庆市生态环境监测中心"`) ||
			!strings.Contains(p.body, "采样日期请按") || !strings.Contains(p.body, "监测报告编号必须填写") || !strings.Contains(p.body, "流量单位") {
			t.Errorf("a bad sample: %d %s", p.status, trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "refused sample", p.body)
		sv.Set("sampled_on", "2024-02-20")
		sv.Set("concentration", "1,234.5")
		sv.Set("flow_unit", "m³/h")
		sv.Set("report_no", "渝环监（2024）第 0218 号")
		p = env.post("/app/samples", sv)
		if p.status != 200 || !strings.Contains(p.body, `id="sample-confirm"`) || !strings.Contains(p.body, "1,234.5 mg/m³") {
			t.Fatalf("sample to confirm: %d %s", p.status, trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "sample to confirm", p.body)
		sv.Set("confirm", "1")
		loc = location(t, env.post("/app/samples", sv), 303)
		p = env.get(loc)
		if !strings.Contains(p.body, `id="saved"`) || !strings.Contains(p.body, "1,234.5 mg/m³") || !strings.Contains(p.body, "12,500 m³/h") {
			t.Errorf("the sample is not listed (%s): %s", loc, strings.Join(strings.Fields(tagRe.ReplaceAllString(p.body, " ")), " "))
		}
		plainChinese(t, "samples", p.body)

		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		for _, path := range []string{"/app/permits?taxpayer=" + codeA, "/app/samples?taxpayer=" + codeA + "&period=2024-Q1"} {
			p := o.get(path)
			if p.status != 200 || strings.Contains(p.body, `id="record-`) || !(strings.Contains(p.body, permitNo) || strings.Contains(p.body, "1,234.5")) {
				t.Errorf("the tax officer on %s: %d", path, p.status)
			}
			plainChinese(t, "tax officer on "+path, p.body)
		}
		if p := o.post("/app/permits", vals); p.status != 403 {
			t.Errorf("the tax officer registers a permit: %d", p.status)
		}
	})
}

// A 50-outlet declaration reads from the top: the totals first, then one
// summary row per outlet whose month links land on that outlet's section.
func TestWebPageLongResultSummary(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	must(t, e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeA, "name": "示例化工有限公司", "region": "500103"}, nil), 201)
	var figs []obj
	for i := 1; i <= 50; i++ {
		var src struct{ ID int64 }
		must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/sources", obj{"outlet_no": fmt.Sprintf("DA%03d", i), "outlet_name": fmt.Sprintf("%d号排口", i),
			"kind": "air", "pollutant": "二氧化硫", "valid_from": "2023-01-01"}, nil), 201).json(t, &src)
		for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
			figs = append(figs, obj{"source_id": src.ID, "month": m, "emission_kg": fmt.Sprint(100 + i)})
		}
	}
	var d declaration
	must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": figs}, nil), 201).json(t, &d)
	b := newBrowser(t, e)
	b.signIn(e.tokens["enterprise"])
	p := b.get(fmt.Sprintf("/app/declarations/%d", d.ID))
	if p.status != 200 {
		t.Fatalf("declaration page: %d", p.status)
	}
	body := p.body
	sum := strings.Index(body, `id="outlet-summary"`)
	tot := strings.Index(body, `id="total-tax"`)
	first := strings.Index(body, `<section class="outlet" id="outlet-1"`)
	if sum < 0 || tot < 0 || first < 0 || !(tot < sum && sum < first) {
		t.Fatalf("totals %d, summary %d, first outlet %d: not in that order", tot, sum, first)
	}
	table := body[sum:first]
	if n := strings.Count(table, "<tr><th scope=\"row\">"); n != 50 {
		t.Errorf("%d summary rows, want 50", n)
	}
	links := regexp.MustCompile(`<a href="#(outlet-\d+)">`).FindAllStringSubmatch(table, -1)
	if len(links) != 150 {
		t.Errorf("%d jump links, want 150 (50 outlets × 3 months)", len(links))
	}
	for _, l := range links {
		if !strings.Contains(body, `id="`+l[1]+`"`) {
			t.Errorf("the jump link #%s lands nowhere", l[1])
		}
	}
	plainChinese(t, "50-outlet declaration", body)
}

// BenchmarkFlaggedItemPage reads the flagged item's page (its months, the
// declared figures and the source's standard, a month of hourly packets
// drawn as charts) and the taxpayer's reconciliation page (the standing
// items only) alternately in one run, and reports the item page's cost as
// a multiple of the other's: what the charts and their levels add.
func BenchmarkFlaggedItemPage(b *testing.B) {
	db := storetest.OpenSQLite(b)
	e := newEnv(b, db, api.Config{})
	flaggedWorld(b, e, db)
	o := newBrowser(b, e)
	o.signIn(e.tokens["tax_officer"])
	list := o.get("/app/reconciliation?period=2024-Q1&region=500000")
	m := flagLinkRe.FindStringSubmatch(list.body)
	if m == nil {
		b.Fatal("no link to the flagged item")
	}
	item, recon := strings.ReplaceAll(m[1], "&amp;", "&"), "/app/reconciliation/"+codeA+"?period=2024-Q1"
	for _, p := range []string{item, recon} {
		if pg := o.get(p); pg.status != 200 {
			b.Fatalf("%s: %d", p, pg.status)
		}
	}
	var ti, tr time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		o.get(recon)
		t1 := time.Now()
		o.get(item)
		ti += time.Since(t1)
		tr += t1.Sub(t0)
	}
	b.ReportMetric(float64(tr.Nanoseconds())/float64(b.N), "recon-ns/op")
	b.ReportMetric(float64(ti.Nanoseconds())/float64(b.N), "item-ns/op")
	b.ReportMetric(float64(ti)/float64(tr), "item/recon")
}
