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

// The enterprise's accountant records the monthly production output on
// the pages: mistakes come back beside their inputs with what was typed
// kept; a month is saved and listed; the same month again is sent to the
// list's 修改, which changes it at the version shown; a change made from a
// page read before another change is refused in words and shows the month
// as it now stands. The tax officer reads the list without the form.
func TestWebOutputs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		b := newBrowser(t, e)
		b.signIn(e.tokens["enterprise"])
		path := "/app/taxpayers/" + codeA + "/outputs"
		if tp := b.get("/app/taxpayers/" + codeA); !strings.Contains(tp.body, `href="`+path+`"`) {
			t.Errorf("the taxpayer page does not link the outputs")
		}
		empty := b.get(path)
		if empty.status != 200 || !strings.Contains(empty.body, "尚未填报产量") {
			t.Fatalf("outputs page: %d", empty.status)
		}
		plainChinese(t, "outputs page", empty.body)

		bad := b.post(path, url.Values{"month": {"2024-13"}, "product": {"聚氯乙烯"}, "quantity": {"-5"}, "unit": {""}})
		if bad.status != 400 {
			t.Fatalf("bad output: %d", bad.status)
		}
		plainChinese(t, "refused output", bad.body)
		for _, want := range []string{"月份请按 2024-01 的格式填写", "产量不能为负数", "计量单位必须填写", `value="聚氯乙烯"`} {
			if !strings.Contains(bad.body, want) {
				t.Errorf("refused output lacks %q", want)
			}
		}
		saved := b.get(location(t, b.post(path, url.Values{"month": {"2024-01"}, "product": {"聚氯乙烯"}, "quantity": {"1,250.5"}, "unit": {"吨"}}), 303))
		row := regexp.MustCompile(`<tr data-month="2024-01"><th data-label="月份" scope="row">2024-01</th><td data-label="主要产品">聚氯乙烯</td><td data-label="产量" class="num">1,250.5</td><td data-label="计量单位">吨</td>`)
		if !strings.Contains(saved.body, `id="saved">2024-01 的产量已保存`) || !row.MatchString(saved.body) {
			t.Fatalf("saved output not listed:\n%s", saved.body)
		}
		again := b.post(path, url.Values{"month": {"2024-01"}, "product": {"聚氯乙烯"}, "quantity": {"9"}, "unit": {"吨"}})
		if again.status != 400 || !strings.Contains(again.body, "这个月的产量已填报过") {
			t.Errorf("the same month again: %d", again.status)
		}
		if !row.MatchString(b.get(path).body) {
			t.Errorf("a refused post changed the month")
		}
		edit := b.get(path + "?month=2024-01")
		vm := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(edit.body)
		if vm == nil || !strings.Contains(edit.body, `value="1250.5"`) || !strings.Contains(edit.body, "修改 2024-01 的产量") {
			t.Fatalf("the form does not show the month to change")
		}
		plainChinese(t, "output to change", edit.body)
		location(t, b.post(path, url.Values{"month": {"2024-01"}, "version": {vm[1]}, "product": {"聚氯乙烯"}, "quantity": {"1300"}, "unit": {"吨"}}), 303)
		stale := b.post(path, url.Values{"month": {"2024-01"}, "version": {vm[1]}, "product": {"聚氯乙烯"}, "quantity": {"1"}, "unit": {"吨"}})
		if stale.status != 409 || !strings.Contains(stale.body, "刚被修改过") || !strings.Contains(stale.body, `value="1300"`) {
			t.Errorf("a change from a stale page: %d", stale.status)
		}
		plainChinese(t, "stale output", stale.body)

		// Another taxpayer's page is not the enterprise's to read.
		if p := b.get("/app/taxpayers/91500000MA5UUUUU1X/outputs"); p.status != 403 && p.status != 404 {
			t.Errorf("another taxpayer's outputs: %d", p.status)
		}

		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		read := o.get(path)
		if read.status != 200 || !strings.Contains(read.body, ">1,300</td>") || strings.Contains(read.body, `id="save-output"`) {
			t.Errorf("the tax officer's view: %d", read.status)
		}
		if p := o.post(path, url.Values{"month": {"2024-02"}, "product": {"x"}, "quantity": {"1"}, "unit": {"吨"}}); p.status != 403 {
			t.Errorf("the tax officer recording an output: %d", p.status)
		}
	})
}
