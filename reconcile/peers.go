package reconcile

import (
	"fmt"
	"sort"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

// Peers compares each taxpayer's declared emission per unit of output with
// the median of the other taxpayers of the same industry and output unit
// among results (实施条例 第二十二条 (二): 单位产品污染物排放量与同类型纳税
// 人相比明显偏低), pollutant by pollutant, and adds an
// intensity_below_peers flag where it is below set.PeerRatio × the
// median. Fewer than set.PeerMin peers: no comparison. Taxpayers without
// an industry are not compared. The comparison is exact (cross
// multiplication); the values shown are rounded to 6 places.
func Peers(results []*Result, set *Set, asOf param.Date) {
	type member struct {
		res *Result
		in  *Intensity
	}
	groups := map[string][]member{}
	var order []string
	for _, r := range results {
		if r.Industry == "" {
			continue
		}
		for i := range r.Intensities {
			in := &r.Intensities[i]
			if in.Output.Sign() <= 0 {
				continue
			}
			k := r.Industry + "\x00" + in.Unit + "\x00" + in.PollutantID
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], member{r, in})
		}
	}
	sort.Strings(order)
	minPeers := int(set.PeerMin.Value.IntPart())
	ratio := set.PeerRatio.Value
	two := decimal.NewFromInt(2)
	for _, k := range order {
		g := groups[k]
		if len(g)-1 < minPeers {
			for _, m := range g {
				m.in.Peers = len(g) - 1
			}
			continue
		}
		// a/b < c/d  ⇔  a·d < c·b (outputs are positive).
		less := func(x, y *Intensity) bool {
			return cmpProducts(x.DeclaredKg, y.Output, y.DeclaredKg, x.Output) < 0
		}
		sort.SliceStable(g, func(i, j int) bool { return less(g[i].in, g[j].in) })
		n := len(g) - 1                   // peers of each member
		at := func(j, k int) *Intensity { // k-th of the others when member j is left out
			if k >= j {
				k++
			}
			return g[k].in
		}
		for j, m := range g {
			// Median of the others as num/den.
			var num, den decimal.Decimal
			if n%2 == 1 {
				x := at(j, n/2)
				num, den = x.DeclaredKg, x.Output
			} else {
				x, y := at(j, n/2-1), at(j, n/2)
				num = x.DeclaredKg.Mul(y.Output).Add(y.DeclaredKg.Mul(x.Output))
				den = two.Mul(x.Output).Mul(y.Output)
			}
			in := m.in
			in.Peers = n
			in.PeerMedian = decimal.NullDecimal{Decimal: num.DivRound(den, 6), Valid: true}
			// kg/out < ratio × num/den  ⇔  kg·den < ratio·num·out.
			if in.DeclaredKg.Mul(den).LessThan(ratio.Mul(num).Mul(in.Output)) {
				f := Flag{CreditCode: m.res.CreditCode, Period: m.res.Period, Pollutant: in.Pollutant, Code: FlagPeers,
					Rule: FlagRules[FlagPeers], Parameter: set.PeerRatio.Cite(),
					Threshold: fmt.Sprintf("%s × 同行业中位数 %s kg/%s", pct(ratio), in.PeerMedian.Decimal, in.Unit),
					Observed:  fmt.Sprintf("%s kg/%s", in.Value.Decimal, in.Unit),
					Message: fmt.Sprintf("%s：产量 %s %s，申报 %s kg（%s kg/%s），同行业（%s）%d 户纳税人的中位数为 %s kg/%s",
						in.Pollutant, in.Output, in.Unit, in.DeclaredKg, in.Value.Decimal, in.Unit, m.res.Industry, n, in.PeerMedian.Decimal, in.Unit)}
				f.RaisedOn = filing.DateOf(asOf)
				m.res.Flags = append(m.res.Flags, f)
				SortFlags(m.res.Flags)
				if m.res.Status == ResultClear {
					m.res.Status = ResultFlagged
				}
			}
		}
	}
}
