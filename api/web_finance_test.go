package api_test

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// financeWorld2023 is setupWorld (2023-Q4 declared, the nine months
// before it without a basis) with a damage case, a fee bill and an
// eco-compensation settlement of 2023 between 渝中区 and 大渡口区.
func financeWorld2023(t *testing.T, e *env) {
	t.Helper()
	setupWorld(t, e)
	must(t, e.do("finance", "POST", "/v1/budget/damage-cases", obj{"district": "500103", "case": "某化工厂渗漏案",
		"settlement": obj{"amount": "1200000", "date": "2023-03-15"},
		"receipts":   []obj{{"month": "2023-06", "amount": "600000", "received": true}, {"month": "2023-12", "amount": "600000"}}}, nil), 201)
	must(t, e.do("finance", "POST", "/v1/budget/fee-bills", obj{"district": "500104", "payer": "示例钢铁 排污权有偿使用", "schedule": "cq-emission-permit-base",
		"inputs": obj{"pollutant": "cod"}, "months": []obj{{"month": "2023-03", "quantity": "10"}, {"month": "2023-09", "quantity": "12.5"}}}, nil), 201)
	var periods []obj
	for m := 1; m <= 12; m++ {
		cls, cmp := "II", "III"
		if m > 9 {
			cls, cmp = "III", "II"
		}
		periods = append(periods, obj{"period": fmt.Sprintf("2023-%02d", m), "class": cls, "compare_class": cmp})
	}
	must(t, e.do("finance", "POST", "/v1/budget/eco-settlements", obj{"settlement": obj{"scheme": "cq_basin_2018", "year": 2023,
		"sections": []obj{{"id": "渝中—大渡口界", "upstream": "渝中区", "downstream": "大渡口区", "target_class": "III", "periods": periods}}},
		"parties": obj{"渝中区": "500103", "大渡口区": "500104"}}, nil), 201)
}

var (
	tableRe   = regexp.MustCompile(`(?s)<table id="([^"]*)" class="vtable[^"]*" data-sheet="([^"]*)">(.*?)</table>`)
	captionRe = regexp.MustCompile(`(?s)<caption>(.*?)</caption>`)
	rowRe     = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRe    = regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`)
	anyTagRe  = regexp.MustCompile(`<[^>]+>`)
	xlsxRe    = regexp.MustCompile(`<a id="budget-xlsx" href="([^"]*)"`)
)

func cellText(s string) string {
	return strings.TrimSpace(html.UnescapeString(anyTagRe.ReplaceAllString(s, "")))
}

// pageSheets reads the budget page's tables as the rows of each sheet:
// a table's caption, its header and its rows, in page order.
func pageSheets(body string) (map[string][][]string, []string) {
	out := map[string][][]string{}
	var order []string
	for _, m := range tableRe.FindAllStringSubmatch(body, -1) {
		sheet := html.UnescapeString(m[2])
		if _, ok := out[sheet]; !ok {
			order = append(order, sheet)
		}
		rows := out[sheet]
		if c := captionRe.FindStringSubmatch(m[3]); c != nil {
			rows = append(rows, []string{cellText(c[1])})
		}
		for _, r := range rowRe.FindAllStringSubmatch(m[3], -1) {
			var row []string
			for _, c := range cellRe.FindAllStringSubmatch(r[1], -1) {
				row = append(row, cellText(c[1]))
			}
			rows = append(rows, row)
		}
		out[sheet] = rows
	}
	return out, order
}

// xlsxSheet reads a sheet's non-blank rows as shown (number formats
// applied), trailing empty cells dropped.
func xlsxSheet(t *testing.T, f *excelize.File, name string) [][]string {
	t.Helper()
	rows, err := f.GetRows(name)
	if err != nil {
		t.Fatalf("sheet %s: %v", name, err)
	}
	var out [][]string
	for _, r := range rows {
		for len(r) > 0 && r[len(r)-1] == "" {
			r = r[:len(r)-1]
		}
		if len(r) > 0 {
			out = append(out, r)
		}
	}
	return out
}

func trimRow(r []string) []string {
	for len(r) > 0 && r[len(r)-1] == "" {
		r = r[:len(r)-1]
	}
	return r
}

// TestWebBudgetXLSXIsTheScreen (issue 12): the budget page with two
// scenarios (one typed with full-width digits) shows the year's tax with
// its coverage beside it, a chart per stream with units and month labels,
// district names; its "下载 XLSX" link carries the same region, year and
// scenarios, and the workbook holds exactly the page's tables, cell by
// cell, sheet by sheet, with the same notes. The page is plain Chinese.
func TestWebBudgetXLSXIsTheScreen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		financeWorld2023(t, e)
		b := newBrowser(t, e)
		b.signIn(e.tokens["finance"])
		q := url.Values{"region": {"500000"}, "year": {"2023"}, "s1.title": {"大气减排10%"}, "s1.trend_air": {"-１0"},
			"s2.title": {"提高税额"}, "s2.air": {"3.5"}, "s2.from": {"2023-07"}, "s2.trend_fees": {"1,0"}}
		p := b.get("/app/budget?" + q.Encode())
		if p.status != 400 {
			t.Fatalf("1,0 is not a percentage: %d", p.status)
		}
		plainChinese(t, "refused budget", p.body)
		if !strings.Contains(p.body, `value="1,0"`) || !strings.Contains(p.body, "收费量增减应为数字") {
			t.Errorf("the refused scenario is not kept with its reason: %s", trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		q.Set("s2.trend_fees", "1,000")
		p = b.get("/app/budget?" + q.Encode())
		if p.status != 200 {
			t.Fatalf("budget page: %d %s", p.status, trim([]byte(tagRe.ReplaceAllString(p.body, " "))))
		}
		plainChinese(t, "budget page", p.body)
		if cov := regexp.MustCompile(`id="tax-coverage">([^<]*)<`).FindStringSubmatch(p.body); cov == nil || !strings.HasPrefix(cov[1], "3 / 12 个月有依据；9 个纳税人月份") {
			t.Errorf("tax coverage beside the tax figure: %v", cov)
		}
		if !strings.Contains(p.body, "环境保护税（仅有依据的月份）") {
			t.Error("the year's tax is shown as a bare total while 9 months have no basis")
		}
		if n := strings.Count(p.body, `<svg class="chart"`); n != 7 {
			t.Errorf("%d charts, want 5 streams + net + districts", n)
		}
		for _, want := range []string{"环境保护税（按月）", "生态环境损害赔偿金（按月）", "生态补偿资金收入（按月）", "生态补偿资金支出（按月）",
			"差别化收费收入（按月）", "单位：万元", "单位：元", ">1 月<", ">12 月<", "渝中区（500103）", "大渡口区（500104）"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		m := xlsxRe.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatal("no XLSX link")
		}
		link, err := url.Parse(html.UnescapeString(m[1]))
		if err != nil || link.Path != "/app/budget.xlsx" {
			t.Fatalf("XLSX link %q: %v", m[1], err)
		}
		for k, v := range q {
			if got := link.Query().Get(k); got != v[0] {
				t.Errorf("the XLSX link carries %s=%q, the screen %q", k, got, v[0])
			}
		}
		x := b.get(link.RequestURI())
		if x.status != 200 || !strings.HasPrefix(x.body, "PK") {
			t.Fatalf("budget XLSX: %d", x.status)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheets, order := pageSheets(p.body)
		if want := []string{"汇总", "按月", "按区县", "税款依据", "明细"}; strings.Join(order, ",") != strings.Join(want, ",") {
			t.Errorf("page sections %v, want %v", order, want)
		}
		if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join(append(order, "提示"), ",") {
			t.Errorf("workbook sheets %v, page sections %v + 提示", got, order)
		}
		title := cellText(regexp.MustCompile(`(?s)<h2 id="budget-h">(.*?)</h2>`).FindStringSubmatch(p.body)[1])
		cells := 0
		for _, name := range order {
			want := sheets[name]
			if name == "汇总" {
				want = append([][]string{{title}}, want...)
			}
			got := xlsxSheet(t, f, name)
			if len(got) != len(want) {
				t.Errorf("sheet %s: %d rows, the page %d", name, len(got), len(want))
			}
			for i := 0; i < min(len(got), len(want)); i++ {
				w := trimRow(want[i])
				if strings.Join(got[i], "|") != strings.Join(w, "|") {
					t.Errorf("sheet %s row %d:\n xlsx %q\n page %q", name, i+1, got[i], w)
				}
				cells += len(w)
			}
		}
		if cells < 200 {
			t.Errorf("only %d cells compared", cells)
		}
		// The notes: the same sentences, in the same order.
		var notes []string
		if nm := regexp.MustCompile(`(?s)<div class="warnings" role="note"><h3>提示[^<]*</h3><ul>(.*?)</ul>`).FindStringSubmatch(p.body); nm != nil {
			for _, li := range regexp.MustCompile(`<li>(.*?)</li>`).FindAllStringSubmatch(nm[1], -1) {
				notes = append(notes, cellText(li[1]))
			}
		}
		got := xlsxSheet(t, f, "提示")
		if len(notes) == 0 || len(got) != len(notes)+1 {
			t.Fatalf("notes: page %v, workbook %v", notes, got)
		}
		for i, n := range notes {
			if got[i+1][0] != n {
				t.Errorf("note %d: workbook %q, page %q", i, got[i+1][0], n)
			}
		}
	})
}
