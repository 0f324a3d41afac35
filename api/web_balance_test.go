package api_test

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// After a lower correction of an unpaid quarter, the taxpayer page still
// shows what is unpaid (the corrected tax) and the surcharge on it from
// the deadline (征管法 第三十二条); a part payment lowers it from its day.
func TestWebPageBalanceAcrossCorrections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		w := setupWorld(t, e)
		var d, corr declaration
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", w.draft), nil, hdr{"If-Match": `"1"`}), 200).json(t, &d)
		figs := quarter(w.ids, "40")
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/corrections", d.ID), obj{"figures": figs}, nil), 201).json(t, &corr)
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", corr.ID), nil, hdr{"If-Match": `"1"`}), 200).json(t, &corr)
		tax1, tax2 := dec(t, d.TotalTax), dec(t, corr.TotalTax)
		if !tax2.LessThan(tax1) || tax2.Sign() <= 0 {
			t.Fatalf("not a lower correction: %s → %s", tax1, tax2)
		}
		b := newBrowser(t, e)
		b.signIn(e.tokens["enterprise"])
		rowRe := regexp.MustCompile(`(?s)<tr data-period="2024-Q1">.*?class="num owed" data-value="([^"]+)".*?class="surcharge" data-value="([^"]+)"`)
		check := func(owed, surcharge decimal.Decimal) {
			t.Helper()
			pg := b.get("/app/taxpayers/" + codeA)
			m := rowRe.FindStringSubmatch(pg.body)
			if m == nil {
				t.Fatalf("no 2024-Q1 row with 欠缴 and 滞纳金")
			}
			if m[1] != money(owed) || m[2] != money(surcharge) {
				t.Errorf("欠缴 %s 滞纳金 %s, want %s and %s", m[1], m[2], money(owed), money(surcharge))
			}
		}
		// Deadline 2024-04-15, today 2024-05-20: 35 days on the corrected tax.
		rate := decimal.RequireFromString("0.0005")
		check(tax2, tax2.Mul(rate).Mul(decimal.NewFromInt(35)).Round(2))

		// Half paid on 2024-05-10 (against revision 1): 25 days on the whole, 10 on the rest.
		half := tax2.Div(decimal.NewFromInt(2)).Round(2)
		must(t, e.do("finance", "POST", fmt.Sprintf("/v1/declarations/%d/payment", d.ID), obj{"paid_on": "2024-05-10", "amount": half.StringFixed(2), "version": d.Version}, nil), 200)
		rest := tax2.Sub(half)
		want := tax2.Mul(rate).Mul(decimal.NewFromInt(25)).Add(rest.Mul(rate).Mul(decimal.NewFromInt(10))).Round(2)
		check(rest, want)
		pg := b.get(fmt.Sprintf("/app/declarations/%d", corr.ID))
		for _, s := range []string{`id="owed">` + money(rest), `id="paid">` + money(half), "按每日欠缴金额分段计算"} {
			if !regexp.MustCompile(regexp.QuoteMeta(s)).MatchString(pg.body) {
				t.Errorf("declaration page lacks %q", s)
			}
		}
	})
}

// money writes an amount as the pages do (two decimals, thousands separators).
func money(d decimal.Decimal) string {
	s := d.StringFixed(2)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	intPart, frac := s[:len(s)-3], s[len(s)-3:]
	for i := len(intPart) - 3; i > 0; i -= 3 {
		intPart = intPart[:i] + "," + intPart[i:]
	}
	if neg {
		return "-" + intPart + frac
	}
	return intPart + frac
}
