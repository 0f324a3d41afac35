package api_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// The flagged item shows the month's missing data as a tax officer needs
// it before asking for a review: each run of missing hours with its span,
// length, reasons (marks by their names), how the rules filled it and the
// substitute in kilograms; the substituted total beside, not inside, the
// monitored figure. flaggedWorld's device has hours 30–32 marked 故障,
// 维护, 校准 (a short run: the mean of the hours either side) and hours
// 100–129 with no packet (a long run: the highest of the hours before).
func TestWebItemShowsMissingData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		flaggedWorld(t, e, db)
		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		m := flagLinkRe.FindStringSubmatch(o.get("/app/reconciliation?period=2024-Q1&region=500000").body)
		if m == nil {
			t.Fatal("no link to the flagged item")
		}
		item := o.get(strings.ReplaceAll(m[1], "&amp;", "&"))
		if item.status != 200 {
			t.Fatalf("flagged item: %d", item.status)
		}
		plainChinese(t, "flagged item with missing data", item.body)
		rows := regexp.MustCompile(`(?s)<tr><th data-label="缺失时段" scope="row">(.*?)</th><td data-label="时长">(.*?)</td><td data-label="原因">(.*?)</td>\s*<td data-label="处理方法">(.*?)</td>\s*<td [^>]*class="num">(.*?)</td><td [^>]*class="num">(.*?)</td><td data-label="说明">(.*?)</td></tr>`).
			FindAllStringSubmatch(item.body, -1)
		if len(rows) != 2 {
			t.Fatalf("missing runs shown: %d, want 2\n%s", len(rows), item.body)
		}
		want := []struct{ span, length, why, method string }{
			{"1月2日 06时至08时", "3 小时", "标记为“校准” 1 小时、标记为“故障” 1 小时、标记为“维护” 1 小时", "取缺失前、后最近的有效小时的均值替代"},
			{"1月5日 04时 至 1月6日 09时", "30 小时", "没有数据 30 小时", "取缺失前 720 个有效小时中的最大值替代"},
		}
		sum := decimal.Zero
		for i, w := range want {
			r := rows[i]
			if r[1] != w.span || r[2] != w.length || r[3] != w.why || !strings.HasPrefix(r[4], w.method+"，依据 HJ 75-2017") {
				t.Errorf("run %d: %q %q %q %q, want %+v", i, r[1], r[2], r[3], r[4], w)
			}
			if !strings.Contains(r[4], "规则未经核实") {
				t.Errorf("run %d: the unverified rule is not said", i)
			}
			// The run's total is its hourly substitute times its hours.
			per, total := decimal.RequireFromString(r[5]), decimal.RequireFromString(r[6])
			hours := decimal.RequireFromString(strings.Fields(r[2])[0])
			if !per.Mul(hours).Equal(total) || !per.IsPositive() {
				t.Errorf("run %d: %s × %s ≠ %s", i, per, hours, total)
			}
			sum = sum.Add(total)
		}
		// 97 valid hours lie before the long run, not the rule's 720.
		if rows[1][7] != "本月缺失前只有 97 个有效小时（规则取 720 个），按这 97 个计算" {
			t.Errorf("the long run does not say it looked back over fewer hours: %q", rows[1][7])
		}
		sm := regexp.MustCompile(`<dd class="quality-substituted">([0-9.,]+)（(\d+) 小时）</dd>`).FindStringSubmatch(item.body)
		if sm == nil || !decimal.RequireFromString(strings.ReplaceAll(sm[1], ",", "")).Equal(sum) || sm[2] != "33" {
			t.Errorf("substituted total %v, want %s over 33 hours", sm, sum)
		}
		for _, s := range []string{"有效/应有小时</dt><dd>711 / 744", "有效小时不足的日期</dt><dd>1月5日、1月6日"} {
			if !strings.Contains(item.body, s) {
				t.Errorf("the month's quality lacks %q", s)
			}
		}
		// The month's packets, refused ones included, one link away.
		pk := regexp.MustCompile(`<a href="(/app/devices/packets\?mn=[^"]+&amp;month=2024-01)" class="quality-packets">`).FindStringSubmatch(item.body)
		if pk == nil {
			t.Errorf("the missing data do not link to the device's packets")
		} else if p := o.get(strings.ReplaceAll(pk[1], "&amp;", "&")); p.status != 200 || !strings.Contains(p.body, "data-packet=") {
			t.Errorf("the device's packets of the month: %d", p.status)
		}
		link := strings.ReplaceAll(m[1], "&amp;", "&")
		u, _ := url.Parse(link)
		q := u.Query()
		// The excluded hours are named by their marks, not their letters.
		if !strings.Contains(item.body, "<li>1月2日 06时 故障</li>") || strings.Contains(item.body, "标记 D<") {
			t.Errorf("excluded hours not named in words")
		}
		// A month that is not one is refused in words, naming nothing else.
		bad, _ := url.ParseQuery(q.Encode())
		bad.Set("month", "2024-13")
		bad.Del("code")
		if p := o.get(u.Path + "?" + bad.Encode()); p.status != 400 {
			t.Errorf("item of month 2024-13: %d", p.status)
		} else {
			plainChinese(t, "item of a month that is not one", p.body)
		}
		// The environment officer answering the 复核 reads the same.
		rv := o.post("/app/reviews", url.Values{"credit_code": {codeA}, "period": {q.Get("period")}, "outlet_no": {q.Get("outlet")},
			"pollutant": {q.Get("pollutant")}, "month": {q.Get("month")}, "flag_code": {q.Get("code")}, "reason": {"监测量高于申报量"}})
		rp := location(t, rv, 303)
		env := newBrowser(t, e)
		env.signIn(e.tokens["env_officer"])
		p := env.get(rp)
		if p.status != 200 || !strings.Contains(p.body, "数据缺失与替代") || !strings.Contains(p.body, "没有数据 30 小时") || !strings.Contains(p.body, "1月2日 07时 维护") {
			t.Errorf("review page (environment officer): %d, missing data not shown", p.status)
		}
		plainChinese(t, "review page with missing data", p.body)
	})
}
