package api_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// The tax officer reads a taxpayer's 操作记录 on the pages: registration,
// sources, the declaration started and submitted, its correction
// submitted and accepted, newest first, each in words with who did it; the log's own
// entry only in 依据详情. The enterprise and the finance staff cannot read
// it; an officer of another region does not find the taxpayer.
func TestWebAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		ids := registerA(t, e)
		var d declaration
		must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": quarter(ids, "100")}, nil), 201).json(t, &d)
		decl := fmt.Sprintf("/v1/declarations/%d", d.ID)
		must(t, e.do("enterprise", "POST", decl+"/submit", obj{"version": 1}, nil), 200)
		var c declaration
		must(t, e.do("enterprise", "POST", decl+"/corrections", obj{"figures": quarter(ids, "300")}, nil), 201).json(t, &c)
		corr := fmt.Sprintf("/v1/declarations/%d", c.ID)
		must(t, e.do("enterprise", "POST", corr+"/submit", nil, hdr{"If-Match": `"1"`}), 200)
		must(t, e.do("tax_officer", "POST", corr+"/accept", nil, hdr{"If-Match": `"2"`}), 200)

		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		if !strings.Contains(o.get("/app/taxpayers/"+codeA).body, `href="/app/taxpayers/`+codeA+`/audit"`) {
			t.Errorf("the taxpayer page has no link to the audit log")
		}
		p := o.get("/app/taxpayers/" + codeA + "/audit")
		if p.status != 200 {
			t.Fatalf("audit page: %d", p.status)
		}
		plainChinese(t, "audit page", p.body)
		var whats []string
		for _, m := range regexp.MustCompile(`<th data-label="操作" scope="row">([^<]+)</th>`).FindAllStringSubmatch(p.body, -1) {
			whats = append(whats, m[1])
		}
		got := strings.Join(whats, " / ")
		want := "受理申报 / 提交申报 / 更正申报（第 2 版） / 提交申报 / 开始申报"
		if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "登记纳税人") || !strings.Contains(got, "新增税源") {
			t.Errorf("audit actions, newest first:\n got %s\nwant %s … 新增税源 … 登记纳税人", got, want)
		}
		for _, s := range []string{`<td data-label="操作人">纳税人</td>`, `<td data-label="操作人">税务机关</td>`,
			fmt.Sprintf(`<a href="/app/declarations/%d">申报 2024-Q1 第 1 版</a>`, d.ID), fmt.Sprintf(`<a href="/app/declarations/%d">申报 2024-Q1 第 2 版</a>`, c.ID)} {
			if !strings.Contains(p.body, s) {
				t.Errorf("audit page lacks %s", s)
			}
		}
		for who, status := range map[string]int{"enterprise": 403, "finance": 403, "tax_officer_bj": 404, "admin": 200} {
			b := newBrowser(t, e)
			b.signIn(e.tokens[who])
			if got := b.get("/app/taxpayers/" + codeA + "/audit"); got.status != status {
				t.Errorf("%s reading the audit log: %d, want %d", who, got.status, status)
			} else {
				plainChinese(t, who+" audit", got.body)
			}
		}
	})
}
