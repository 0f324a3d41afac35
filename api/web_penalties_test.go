package api_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// The environment officer records a penalty on the pages: mistakes are
// checked against the taxpayer's sources and the cases in force before
// anything is shown to confirm, each beside its input in Chinese with the
// entries kept; a good record is confirmed, then listed with its case in
// words, its 产生量 and the declarations its period touches; the same
// decision again is sent to 更正; a revision starts from the record and
// supersedes it. The tax officer reads the records; the enterprise records
// none.
func TestWebPenalties(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		flaggedWorld(t, e, db) // codeA, DA001 二氧化硫 and 氮氧化物, 2024-Q1 declared
		env := newBrowser(t, e)
		env.signIn(e.tokens["env_officer"])
		page := env.get("/app/penalties?taxpayer=" + codeA)
		if page.status != 200 || !strings.Contains(page.body, "该纳税人没有处罚记录") || !strings.Contains(page.body, `href="/app/penalties"`) {
			t.Fatalf("penalties page: %d", page.status)
		}
		plainChinese(t, "penalties page", page.body)

		bad := url.Values{"taxpayer": {codeA}, "case_no": {"渝环罚〔2024〕12号"}, "case_code": {""}, "outlet_no": {"DA001"},
			"period_from": {"2024-02-29"}, "period_to": {"2024-01-01"}, "decided_on": {"2024-04-10"}, "pollutants": {"二氧化硫、苯"},
			"generated[0].pollutant": {"二氧化硫"}, "generated[0].month": {"2024-01"}, "generated[0].generated_kg": {"-5"}}
		p := env.post("/app/penalties", bad)
		if p.status != 400 {
			t.Fatalf("a bad record: %d", p.status)
		}
		plainChinese(t, "refused record", p.body)
		for _, want := range []string{"违法情形必须填写", "违法期间止不能早于违法期间起", `value="渝环罚〔2024〕12号"`, `value="二氧化硫、苯"`} {
			if !strings.Contains(p.body, want) {
				t.Errorf("refused record lacks %q", want)
			}
		}
		// Right dates and case, a pollutant the outlet has no source for.
		bad.Set("case_code", "tampered_data")
		bad.Set("period_from", "2024-01-01")
		bad.Set("period_to", "2024-02-29")
		p = env.post("/app/penalties", bad)
		if p.status != 400 || !strings.Contains(p.body, "这个排放口在违法期间没有该污染物的税源") || !strings.Contains(p.body, "产生量不能为负数") {
			t.Errorf("a pollutant without a source: %d", p.status)
		}
		plainChinese(t, "refused pollutant", p.body)

		good := bad
		good.Set("pollutants", "二氧化硫、氮氧化物")
		good.Set("generated[0].generated_kg", "1,200")
		good.Set("generated[1].pollutant", "二氧化硫")
		good.Set("generated[1].month", "2024-02")
		good.Set("generated[1].generated_kg", "1100")
		confirm := env.post("/app/penalties", good)
		if confirm.status != 200 || !strings.Contains(confirm.body, `id="confirm-case-no">渝环罚〔2024〕12号<`) || !strings.Contains(confirm.body, "篡改、伪造污染物监测数据") {
			t.Fatalf("confirm step: %d", confirm.status)
		}
		plainChinese(t, "record to confirm", confirm.body)
		good.Set("confirm", "1")
		listed := env.get(location(t, env.post("/app/penalties", good), 303))
		plainChinese(t, "records", listed.body)
		for _, want := range []string{`id="saved"`, "篡改、伪造污染物监测数据", "2024-01-01 至 2024-02-29", "二氧化硫、氮氧化物", ">1,200<", ">1,100<", "2024-Q1 第 1 版"} {
			if !strings.Contains(listed.body, want) {
				t.Errorf("the record listed lacks %q", want)
			}
		}
		again := env.post("/app/penalties", good)
		if again.status != 409 || !strings.Contains(again.body, "这份处罚决定已就该排放口登记过") {
			t.Errorf("the same decision again: %d", again.status)
		}
		plainChinese(t, "same decision again", again.body)

		// A revision starts from the record and supersedes it.
		m := regexp.MustCompile(`revise=(\d+)`).FindStringSubmatch(listed.body)
		if m == nil {
			t.Fatal("no link to revise the record")
		}
		rev := env.get("/app/penalties?taxpayer=" + codeA + "&revise=" + m[1])
		if !strings.Contains(rev.body, `name="replaces_id" value="`+m[1]+`"`) || !strings.Contains(rev.body, `value="1200"`) || !strings.Contains(rev.body, "更正处罚记录") {
			t.Fatalf("the revision form does not start from the record")
		}
		plainChinese(t, "revision form", rev.body)
		revised := url.Values{"replaces_id": {m[1]}}
		for k, v := range good {
			revised[k] = v
		}
		revised.Set("generated[1].generated_kg", "900")
		revisedPage := env.get(location(t, env.post("/app/penalties", revised), 303))
		if !strings.Contains(revisedPage.body, "第 2 版") || !strings.Contains(revisedPage.body, "已被更正") || !strings.Contains(revisedPage.body, ">900<") {
			t.Errorf("the revision is not listed over the record it supersedes")
		}

		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		read := o.get("/app/penalties?taxpayer=" + codeA)
		if read.status != 200 || !strings.Contains(read.body, "渝环罚〔2024〕12号") || strings.Contains(read.body, `id="record-penalty"`) || strings.Contains(read.body, "更正此记录") {
			t.Errorf("the tax officer's view: %d", read.status)
		}
		ent := newBrowser(t, e)
		ent.signIn(e.tokens["enterprise"])
		ent.get("/app/penalties?taxpayer=" + codeA)
		if p := ent.post("/app/penalties", good); p.status != 403 {
			t.Errorf("the enterprise recording a penalty: %d", p.status)
		}
	})
}
