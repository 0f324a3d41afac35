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
	"github.com/ecotax/ecotax/filing"
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
		if p := b.get("/app/budget?region=990000&year=2023"); p.status != 400 || !strings.Contains(p.body, `value="990000"`) || !strings.Contains(p.body, `aria-invalid="true"><p class="error">区划代码不在`) {
			t.Errorf("an unknown region is not refused beside its input: %d", p.status)
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

var dataIDRe = regexp.MustCompile(`<tr data-id="(\d+)"`)

// ids lists the recorded entries of a finance list page.
func ids(body string) []string {
	var out []string
	for _, m := range dataIDRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestWebPageFinanceSettlements (issue 12): finance of 渝中区 records,
// with plain form posts, a settlement over two sections (a section row
// added without script, a name given two codes refused beside its code
// with the entries kept); finance of 大渡口区 sees it waiting for its
// confirmation in plain words and confirms it; national finance records
// an index settlement (新安江, the published verdict) and a forest quota
// trade typed with full-width digits and separators; then deletes an
// entry of each kind after a confirmation page. Every page is plain
// Chinese.
func TestWebPageFinanceSettlements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		addToken(t, e, "finance_500103", filing.RoleFinance, "500103")
		addToken(t, e, "finance_500104", filing.RoleFinance, "500104")
		yz := newBrowser(t, e)
		yz.signIn(e.tokens["finance_500103"])
		const s0, s1 = "settlement.sections[0].", "settlement.sections[1]."
		vals := url.Values{"settlement.scheme": {"cq_basin_2018"}, "settlement.year": {"２０２４"}, "nsec": {"2"},
			s0 + "id": {"渝中—大渡口界"}, s0 + "upstream": {"渝中区"}, "code." + s0 + "upstream": {"500103"},
			s0 + "downstream": {"大渡口区"}, "code." + s0 + "downstream": {"500104"}, s0 + "target_class": {"III"},
			s1 + "id": {"大渡口—九龙坡界"}, s1 + "upstream": {"大渡口区"}, "code." + s1 + "upstream": {"500107"},
			s1 + "downstream": {"九龙坡区"}, "code." + s1 + "downstream": {"500107"}, s1 + "target_class": {"III"}}
		for m := 1; m <= 12; m++ {
			for _, sec := range []string{s0, s1} {
				p := fmt.Sprintf(sec+"periods[%d].", m-1)
				vals.Set(p+"period", fmt.Sprintf("2024-%02d", m))
				vals.Set(p+"class", "II")
				vals.Set(p+"compare_class", "III")
			}
		}
		vals.Set("_op", "addsec")
		if pg := yz.get("/app/budget/eco-settlements?scheme=cq_basin_2018&year=2024"); !strings.Contains(pg.body, `name="settlement.sections[1].periods[11].period" value="2024-12"`) {
			t.Error("the months of the settlement year are not filled in advance")
		}
		p := yz.post("/app/budget/eco-settlements", vals)
		if p.status != 200 || !strings.Contains(p.body, `name="nsec" value="3"`) || !strings.Contains(p.body, `id="section-2"`) || !strings.Contains(p.body, `value="大渡口—九龙坡界"`) {
			t.Fatalf("adding a section: %d %s", p.status, tagRe.ReplaceAllString(p.body, " "))
		}
		plainChinese(t, "settlement form with three sections", p.body)
		vals.Del("_op")
		vals.Del("_csrf")
		vals.Set("nsec", "3")
		p = yz.post("/app/budget/eco-settlements", vals)
		if p.status != 400 || !strings.Contains(p.body, `value="500107" aria-invalid="true"`) || !strings.Contains(p.body, "同一名称只能对应一个区县") {
			t.Fatalf("大渡口区 given two codes: %d %s", p.status, tagRe.ReplaceAllString(p.body[strings.Index(p.body, "<h1>"):], " "))
		}
		plainChinese(t, "refused settlement", p.body)
		vals.Set("code."+s1+"upstream", "500104")
		vals.Del("_csrf")
		if p := yz.post("/app/budget/eco-settlements", vals); p.status != 303 {
			t.Fatalf("two sections: %d %q", p.status, regexp.MustCompile(`name="[^"]*"[^>]*aria-invalid="true"[^<]*|<p class="error">[^<]*`).FindAllString(p.body, -1))
		}
		list := yz.get("/app/budget/eco-settlements?done=saved")
		if !strings.Contains(list.body, "断面「渝中—大渡口界」渝中区 → 大渡口区（12 期）") || !strings.Contains(list.body, "断面「大渡口—九龙坡界」") ||
			!strings.Contains(list.body, "大渡口区（500104）") || !strings.Contains(list.body, "九龙坡区（500107）") || !strings.Contains(list.body, "确认（确认前不计入其预算）") {
			t.Errorf("the two-section settlement is not listed: %s", tagRe.ReplaceAllString(list.body[strings.Index(list.body, "<h1>"):], " "))
		}
		if strings.Contains(list.body, `id="waiting"`) {
			t.Error("the recorder is asked to confirm its own settlement")
		}
		plainChinese(t, "settlements", list.body)

		ddk := newBrowser(t, e)
		ddk.signIn(e.tokens["finance_500104"])
		w := ddk.get("/app/budget/eco-settlements")
		if !strings.Contains(w.body, `id="waiting"`) || !strings.Contains(w.body, "待本辖区确认的结算（1）") || !strings.Contains(w.body, "确认这项结算") {
			t.Fatalf("大渡口区 does not see the settlement waiting: %s", tagRe.ReplaceAllString(w.body[strings.Index(w.body, "<h1>"):], " "))
		}
		plainChinese(t, "settlement waiting for confirmation", w.body)
		if bp := ddk.get("/app/budget?year=2024"); !strings.Contains(bp.body, `id="budget-waiting"`) {
			t.Error("the budget page does not say a settlement awaits confirmation")
		} else {
			plainChinese(t, "budget page with a settlement waiting", bp.body)
		}
		id := ids(w.body)[0]
		location(t, ddk.post("/app/budget/eco-settlements/"+id+"/confirm", url.Values{}), 303)
		w = ddk.get("/app/budget/eco-settlements?done=confirmed")
		if strings.Contains(w.body, `id="waiting"`) || !strings.Contains(w.body, "已确认") || !strings.Contains(w.body, "待 九龙坡区（500107） 确认") {
			t.Errorf("after confirming: %s", tagRe.ReplaceAllString(w.body[strings.Index(w.body, "<h1>"):], " "))
		}

		nat := newBrowser(t, e)
		nat.signIn(e.tokens["finance"])
		pg := nat.get("/app/budget/eco-settlements?scheme=xinan_river_2012")
		if !strings.Contains(pg.body, "公布的考核结论") || strings.Contains(pg.body, "本期水质") {
			t.Errorf("the index scheme's form asks for water classes")
		}
		plainChinese(t, "index settlement form", pg.body)
		post := func(vals url.Values) {
			t.Helper()
			if p := nat.post("/app/budget/eco-settlements", vals); p.status != 303 {
				t.Fatalf("%s: %d %q", vals.Get("settlement.scheme"), p.status, regexp.MustCompile(`name="[^"]*"[^>]*aria-invalid="true"[^<]*|<p class="error">[^<]*|<li>[^<]*`).FindAllString(p.body, -1))
			}
		}
		// 新安江's rounds ended in 2017, before the tax (and any budget):
		// the page says so beside the year, entries kept.
		p = nat.post("/app/budget/eco-settlements", url.Values{"settlement.scheme": {"xinan_river_2012"}, "settlement.year": {"2016"},
			s0 + "id": {"街口断面"}, s0 + "upstream": {"安徽省"}, "code." + s0 + "upstream": {"340000"}, s0 + "downstream": {"浙江省"},
			"code." + s0 + "downstream": {"330000"}, s0 + "periods[0].period": {"2016"}, s0 + "periods[0].meets_target": {"yes"}})
		if p.status != 400 || !strings.Contains(p.body, `value="2016" aria-invalid="true"`) || !strings.Contains(p.body, "预算只编制 2018 年") ||
			!strings.Contains(p.body, `<option value="yes" selected>达标</option>`) {
			t.Errorf("an index settlement before the tax: %d", p.status)
		}
		plainChinese(t, "refused index settlement", p.body)
		pg = nat.get("/app/budget/eco-settlements?scheme=cq_forest_quota_2018")
		if !strings.Contains(pg.body, "交易量（亩）") {
			t.Errorf("the quota form does not ask the quantity in 亩")
		}
		plainChinese(t, "quota settlement form", pg.body)
		const t0 = "settlement.trades[0]."
		post(url.Values{"settlement.scheme": {"cq_forest_quota_2018"}, "settlement.year": {"2024"},
			t0 + "buyer": {"九龙坡区"}, "code." + t0 + "buyer": {"500107"}, t0 + "seller": {"城口县"}, "code." + t0 + "seller": {"500229"},
			t0 + "date": {"2024-05-10"}, t0 + "quantity": {"１,000"}})
		list = nat.get("/app/budget/eco-settlements")
		if !strings.Contains(list.body, "2,500,000.00") || !strings.Contains(list.body, "九龙坡区 向 城口县 购买 1000 亩") {
			t.Errorf("index and quota settlements: %s", tagRe.ReplaceAllString(list.body[strings.Index(list.body, "<h1>"):], " "))
		}
		plainChinese(t, "settlements of every scheme", list.body)

		// Deleting asks first; only the confirmation's button deletes.
		before := ids(list.body)
		ask := nat.get("/app/budget/eco-settlements/" + before[0] + "/delete")
		if ask.status != 200 || !strings.Contains(ask.body, `id="confirm-delete"`) || !strings.Contains(ask.body, "确定删除下面这一项吗") {
			t.Fatalf("delete confirmation: %d", ask.status)
		}
		plainChinese(t, "delete confirmation", ask.body)
		if after := ids(nat.get("/app/budget/eco-settlements").body); len(after) != len(before) {
			t.Fatal("opening the confirmation deleted the settlement")
		}
		location(t, nat.post("/app/budget/eco-settlements/"+before[0]+"/delete", url.Values{}), 303)
		gone := nat.get("/app/budget/eco-settlements?done=deleted")
		if after := ids(gone.body); len(after) != len(before)-1 || !strings.Contains(gone.body, "已删除") {
			t.Errorf("after deleting: %v (before %v)", after, before)
		}
		must(t, e.do("finance", "POST", "/v1/budget/damage-cases", obj{"district": "500103", "case": "某化工厂渗漏案",
			"settlement": obj{"amount": "1200000", "date": "2024-03-15"}, "receipts": []obj{{"month": "2024-06", "amount": "600000"}}}, nil), 201)
		must(t, e.do("finance", "POST", "/v1/budget/fee-bills", feeBill, nil), 201)
		for _, kind := range []string{"damage-cases", "fee-bills"} {
			before := ids(nat.get("/app/budget/" + kind).body)
			if len(before) != 1 {
				t.Fatalf("%s: %v", kind, before)
			}
			ask := nat.get("/app/budget/" + kind + "/" + before[0] + "/delete")
			if ask.status != 200 || !strings.Contains(ask.body, `id="confirm-delete"`) {
				t.Fatalf("%s delete confirmation: %d", kind, ask.status)
			}
			plainChinese(t, kind+" delete confirmation", ask.body)
			location(t, nat.post("/app/budget/"+kind+"/"+before[0]+"/delete", url.Values{}), 303)
			gone := nat.get("/app/budget/" + kind + "?done=deleted")
			if len(ids(gone.body)) != 0 || !strings.Contains(gone.body, `id="deleted"`) {
				t.Errorf("%s not deleted", kind)
			}
			plainChinese(t, kind+" after deleting", gone.body)
		}
	})
}

// TestWebFinancePagesPlainChinese (issue 12): every finance page — the
// budget (empty, computed with scenarios, refused), the damage case, fee
// bill (every schedule) and settlement (every scheme) forms, empty and
// refused, the lists, the delete confirmations and the pages of a refused
// act — shows no English engine message, internal code, file path,
// parameter key or URL outside 依据详情.
func TestWebFinancePagesPlainChinese(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{})
	financeWorld2023(t, e)
	b := newBrowser(t, e)
	b.signIn(e.tokens["finance"])
	seen := 0
	check := func(what string, p *page) {
		t.Helper()
		if p.status >= 500 {
			t.Errorf("%s: %d", what, p.status)
		}
		plainChinese(t, what, p.body)
		seen++
	}
	for _, path := range []string{"/app/budget", "/app/budget?region=500000&year=2023",
		"/app/budget?region=500000&year=2023&s1.title=减排&s1.trend_air=-10&s2.air=4.8&s2.water=5.6&s2.from=2023-07&s2.trend_fees=５",
		"/app/budget?region=999999&year=2023", "/app/budget?region=500000&year=1999", "/app/budget?region=500000&year=abc",
		"/app/budget?region=500000&year=2023&s1.trend_air=abc&s1.air=-1&s1.from=07&s2.water=x",
		"/app/budget/damage-cases", "/app/budget/fee-bills", "/app/budget/eco-settlements",
		"/app/budget/damage-cases/99999/delete", "/app/budget/fee-bills/abc/delete"} {
		check(path, b.get(path))
	}
	check("damage case, nothing typed", b.post("/app/budget/damage-cases", url.Values{}))
	check("damage case, wrong everywhere", b.post("/app/budget/damage-cases", url.Values{"district": {"abc"}, "settlement.amount": {"-5"},
		"settlement.date": {"2023-13-01"}, "receipts[0].month": {"2023/06"}, "receipts[0].amount": {"x"}, "receipts[1].amount": {"1"}}))
	fees := b.get("/app/budget/fee-bills").body
	for _, m := range regexp.MustCompile(`<option value="([^"]+)"`).FindAllStringSubmatch(fees, -1) {
		check("fee bill form "+m[1], b.get("/app/budget/fee-bills?schedule="+url.QueryEscape(m[1])))
		check("fee bill refused "+m[1], b.post("/app/budget/fee-bills", url.Values{"schedule": {m[1]}, "district": {"500103"},
			"months[0].month": {"2023-03"}, "months[0].quantity": {"-1"}, "months[1].month": {"1999-01"}, "months[1].quantity": {"1"}}))
	}
	for _, sc := range []string{"cq_basin_2018", "beijing_water_2015", "xinan_river_2012", "cq_forest_quota_2018"} {
		check("settlement form "+sc, b.get("/app/budget/eco-settlements?scheme="+sc))
		check("settlement, nothing typed "+sc, b.post("/app/budget/eco-settlements", url.Values{"settlement.scheme": {sc}}))
		check("settlement refused "+sc, b.post("/app/budget/eco-settlements", url.Values{"settlement.scheme": {sc}, "settlement.year": {"2023"},
			"settlement.sections[0].id": {"甲断面"}, "settlement.sections[0].upstream": {"甲区"}, "code.settlement.sections[0].upstream": {"500103"},
			"settlement.sections[0].downstream": {"甲区"}, "settlement.sections[0].periods[0].period": {"2023-13"},
			"settlement.sections[0].periods[0].index": {"-1"}, "settlement.sections[0].periods[0].meets_target": {"yes"},
			"settlement.trades[0].buyer": {"甲区"}, "settlement.trades[0].seller": {"乙区"}, "code.settlement.trades[0].seller": {"990000"},
			"settlement.trades[0].date": {"2023-02-30"}, "settlement.trades[0].quantity": {"0"}}))
	}
	check("settlement of an unknown scheme", b.post("/app/budget/eco-settlements", url.Values{"settlement.scheme": {"nope"}}))
	for _, kind := range []string{"damage-cases", "fee-bills", "eco-settlements"} {
		list := b.get("/app/budget/" + kind)
		check(kind, list)
		for _, id := range ids(list.body) {
			check(kind+" delete "+id, b.get("/app/budget/"+kind+"/"+id+"/delete"))
		}
	}
	check("nothing to confirm", b.post("/app/budget/eco-settlements/"+ids(b.get("/app/budget/eco-settlements").body)[0]+"/confirm", url.Values{}))
	if seen < 40 {
		t.Errorf("only %d pages read", seen)
	}
}
