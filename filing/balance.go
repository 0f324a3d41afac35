package filing

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Balance is where a period's tax stands across all its revisions and
// payments (欠缴): the tax that counts is that of the latest submitted or
// accepted revision (a correction replaces what it corrects, up or down);
// every payment recorded against any revision of the period counts
// against it. The late-payment surcharge (滞纳金, 征管法 第三十二条) runs
// from the day after the deadline on what was unpaid each day.
type Balance struct {
	Period   string `json:"period"`
	Revision int    `json:"revision"` // the revision whose tax counts; 0 when none is filed
	Tax      Money  `json:"tax"`      // 应缴税额 of that revision
	Paid     Money  `json:"paid"`     // 已缴税额, every payment of the period
	Unpaid   Money  `json:"unpaid"`   // 欠缴税额: tax − paid, never below zero
	Overpaid Money  `json:"overpaid"` // 多缴税额: paid − tax, never below zero (征管法 第五十一条)
	// Settled is the day the last payment brought the unpaid tax to zero;
	// "" while something is unpaid (or nothing was owed).
	Settled   Date            `json:"settled"`
	Surcharge Surcharge       `json:"surcharge"`
	Spans     []SurchargeSpan `json:"spans"` // the late days by amount unpaid
}

// SurchargeSpan is a run of late days on which the same amount was unpaid.
type SurchargeSpan struct {
	From   Date  `json:"from"`
	To     Date  `json:"to"`
	Owed   Money `json:"owed"`
	Days   int   `json:"days"`
	Amount Money `json:"amount"` // rounded for display; the total is rounded once
}

// Payment is one recorded payment (税款入库) of a period.
type Payment struct {
	On       Date
	Amount   decimal.Decimal
	Revision int
}

// Filed tells whether a revision's tax counts (submitted or accepted).
func (d *Declaration) Filed() bool {
	return d.Status == StatusSubmitted || d.Status == StatusAccepted
}

// BalanceOf works out a period's balance as of a day from its revisions
// (all of one period; drafts are ignored). Payments after asOf are not
// counted yet.
func (p *Params) BalanceOf(revs []Declaration, asOf Date) (Balance, error) {
	var latest *Declaration
	var pays []Payment
	for i := range revs {
		d := &revs[i]
		if d.Filed() && (latest == nil || d.Revision > latest.Revision) {
			latest = d
		}
		if d.PaidOn != "" && d.PaidOn <= asOf {
			pays = append(pays, Payment{On: d.PaidOn, Amount: d.PaidAmount.Decimal, Revision: d.Revision})
		}
	}
	if latest == nil {
		zero := MoneyOf(decimal.Zero)
		return Balance{Tax: zero, Paid: zero, Unpaid: zero, Overpaid: zero}, nil
	}
	return p.BalanceOfPayments(latest.Period, latest.Revision, latest.TotalTax.Decimal, latest.Deadline, pays, asOf)
}

// BalanceOfPayments is BalanceOf on the tax that counts and the payments.
// On each late day t the unpaid amount is tax less the payments made
// before t: the day of a payment still counts, as in SurchargeOf (from the
// day after the deadline to the payment day inclusive).
func (p *Params) BalanceOfPayments(period string, revision int, tax decimal.Decimal, deadline Date, pays []Payment, asOf Date) (Balance, error) {
	sort.SliceStable(pays, func(i, j int) bool { return pays[i].On < pays[j].On })
	paid := decimal.Zero
	for _, pm := range pays {
		paid = paid.Add(pm.Amount)
	}
	b := Balance{Period: period, Revision: revision, Tax: MoneyOf(tax), Paid: MoneyOf(paid),
		Unpaid: MoneyOf(decimal.Max(tax.Sub(paid), decimal.Zero)), Overpaid: MoneyOf(decimal.Max(paid.Sub(tax), decimal.Zero)),
		Spans: []SurchargeSpan{}}
	b.Surcharge = Surcharge{Owed: b.Unpaid, Deadline: deadline, Through: asOf, Amount: MoneyOf(decimal.Zero),
		Rules: []string{"税收征收管理法 第三十二条", "税收征收管理法实施细则 第七十五条"}}
	dl, th := deadline.Day(), asOf.Day()
	if dl == 0 || th == 0 {
		return b, fmt.Errorf("a balance needs a deadline and an as-of day")
	}
	// Settled: the first payment day from which nothing is unpaid.
	run := decimal.Zero
	for _, pm := range pays {
		run = run.Add(pm.Amount)
		if tax.Sign() > 0 && run.GreaterThanOrEqual(tax) {
			b.Settled = pm.On
			break
		}
	}
	b.Surcharge.Paid = b.Settled != ""
	if b.Settled != "" {
		th = min(th, b.Settled.Day())
		b.Surcharge.Through = b.Settled
	}
	exact := decimal.Zero
	seen := map[int]bool{}
	day := dl.AddDays(1)
	owed := tax
	i := 0
	for day <= th {
		// Payments made before day lower what is owed on it.
		for i < len(pays) && pays[i].On.Day() < day {
			owed = owed.Sub(pays[i].Amount)
			i++
		}
		end := th
		if i < len(pays) && pays[i].On.Day() < end {
			end = pays[i].On.Day() // the payment day still owes the amount before it
		}
		if owed.Sign() > 0 {
			amt, ws, err := p.surchargeOver(owed, day, end, seen)
			if err != nil {
				return b, err
			}
			b.Surcharge.Warnings = append(b.Surcharge.Warnings, ws...)
			n := end.Ordinal() - day.Ordinal() + 1
			b.Surcharge.Days += n
			exact = exact.Add(amt)
			b.Spans = append(b.Spans, SurchargeSpan{From: DateOf(day), To: DateOf(end), Owed: MoneyOf(owed), Days: n, Amount: MoneyOf(amt.Round(2))})
		}
		day = end.AddDays(1)
	}
	if exact.Sign() > 0 {
		rd, err := p.At(KeySurchargeDP, th)
		if err != nil {
			return b, err
		}
		b.Surcharge.Warnings = append(b.Surcharge.Warnings, unverified(rd)...)
		b.Surcharge.Amount = MoneyOf(exact.Round(int32(rd.Value.IntPart())))
	}
	return b, nil
}

// surchargeOver is owed × the daily rate in force on each day from..to
// (inclusive), unrounded, with the warnings of rate lines not seen yet.
func (p *Params) surchargeOver(owed decimal.Decimal, from, to param.Date, seen map[int]bool) (decimal.Decimal, []Warning, error) {
	exact := decimal.Zero
	var ws []Warning
	for day := from; day <= to; {
		r, err := p.At(KeySurchargeRate, day)
		if err != nil {
			return exact, ws, err
		}
		if !seen[r.Line] {
			seen[r.Line] = true
			ws = append(ws, unverified(r)...)
		}
		end := to
		if r.To != 0 && r.To < end {
			end = r.To
		}
		n := end.Ordinal() - day.Ordinal() + 1
		exact = exact.Add(owed.Mul(r.Value).Mul(decimal.NewFromInt(int64(n))))
		day = end.AddDays(1)
	}
	return exact, ws, nil
}
