package calc

import (
	"slices"
	"strconv"

	"github.com/shopspring/decimal"
)

func itoa(n int) string { return strconv.Itoa(n) }

// rank applies 法 第九条 to every outlet (and every fugitive source): rank
// by 污染当量数 from largest to smallest and tax the top N of each group,
// after the "only one of" rules of the table notes.
func (a *assessment) rank() {
	lines := a.res.Lines
	// One pass per source puts its lines in the three groups' lists (in
	// line order, as three passes by group did); the group is told by
	// its constant text's length, which only pollutantLine sets.
	bufs := &a.rankBufs
	for start := 0; start < len(lines); {
		end := start
		for end < len(lines) && a.srcOf[end] == a.srcOf[start] {
			end++
		}
		for g := range bufs {
			bufs[g] = bufs[g][:0]
		}
		for i := start; i < end; i++ {
			if g := groupIndex(lines[i].Group); g >= 0 {
				bufs[g] = append(bufs[g], i)
			}
		}
		for g := range bufs {
			if len(bufs[g]) > 0 {
				a.rankGroup(groupNames[g], bufs[g])
			}
		}
		start = end
	}
}

// groupNames are the ranking groups in the order rank ranks them.
var groupNames = [3]string{"air", "water1", "water_other"}

// groupIndex is the index of a line's Group in groupNames, or -1.
func groupIndex(g string) int {
	switch g {
	case "air":
		return 0
	case "water1":
		return 1
	case "water_other":
		return 2
	}
	return -1
}

// less orders two lines for ranking: more equivalents first; equal
// equivalents by the order of the statutory table, so the result never
// depends on the order of the input (the law sets no tie-break).
func (a *assessment) cmp(x, y *Line) int {
	var c int
	if a.req.Rounding == Exact {
		// Exact comparison of num/den fractions without division.
		c = cmpCross(x.num, x.den, y.num, y.den)
	} else {
		c = cmp(x.Equivalents.Decimal, y.Equivalents.Decimal)
	}
	if c != 0 {
		return -c
	}
	return x.order - y.order
}

func (a *assessment) rankGroup(g string, idx []int) []int {
	lines := a.res.Lines
	mp := a.month(a.req.Sources[a.srcOf[idx[0]]].Month)
	var top int
	var key scalarKey
	var rule string
	switch g {
	case "air":
		top, key, rule = mp.topAir, scRankAir, "环境保护税法 第九条第一款"
	case "water1":
		top, key, rule = mp.topWater1, scRankWater1, "环境保护税法 第九条第二款（第一类水污染物）"
	default:
		top, key, rule = mp.topWaterOther, scRankWaterOther, "环境保护税法 第九条第二款（其他类水污染物）"
	}
	a.useScalar(mp, key)
	if g == "water_other" {
		idx = a.oneOf(idx)
	}
	a.sortRanked(idx)
	if len(idx) > top && top > 0 && a.sameEquivalents(&lines[idx[top-1]], &lines[idx[top]]) {
		a.tieAtCut(idx, top, mp)
	}
	for r, i := range idx {
		l := &lines[i]
		l.Rank = r + 1
		if r < top {
			l.Taxed = true
			l.Reason = topReason(top)
		} else {
			l.Taxed = false
			l.Reason = notTopReason(r+1, top)
		}
	}
	a.step(Step{Kind: StepRanking, L: idx[0], Rule: rule, Note: g, N: top})
	return idx
}

// rankKey is a line as sortRanked orders it: its 污染当量数 as shown,
// as a coefficient at the group's one exponent, and its table order.
type rankKey struct {
	eq    int64
	order int
	i     int
}

// sortRanked sorts a group's lines as slices.SortFunc with a.cmp does,
// and to the same permutation: the keys compare with the same signs, and
// the sort makes the same comparisons on them. Comparing two int64 keys
// instead of two decimals (read in place, aligned) was most of ranking.
// Exact rounding, a coefficient beyond 64 bits or exponents that differ
// take a.cmp itself.
func (a *assessment) sortRanked(idx []int) {
	lines := a.res.Lines
	keys := a.rankKeys[:0]
	fast := a.req.Rounding != Exact
	for _, i := range idx {
		if !fast {
			break
		}
		eq := lines[i].Equivalents.Decimal
		c, ok := small(eq)
		if !ok || eq.Exponent() != lines[idx[0]].Equivalents.Decimal.Exponent() {
			fast = false
			break
		}
		keys = append(keys, rankKey{eq: c, order: lines[i].order, i: i})
	}
	a.rankKeys = keys
	if !fast {
		slices.SortFunc(idx, func(i, j int) int { return a.cmp(&lines[i], &lines[j]) })
		return
	}
	if len(keys) <= 12 {
		// Most groups hold a few lines: an insertion sort with the
		// comparison inline. The keys are distinct (a pollutant is
		// listed once per source, and its table order is its own), so
		// every sort gives the one order SortFunc gives.
		for k := 1; k < len(keys); k++ {
			x := keys[k]
			j := k
			for ; j > 0 && x.before(&keys[j-1]); j-- {
				keys[j] = keys[j-1]
			}
			keys[j] = x
		}
	} else {
		slices.SortFunc(keys, func(x, y rankKey) int {
			switch {
			case x.eq > y.eq:
				return -1
			case x.eq < y.eq:
				return 1
			}
			return x.order - y.order
		})
	}
	for k := range keys {
		idx[k] = keys[k].i
	}
}

// before reports whether x ranks before y: more equivalents first, then
// the statutory table's order (a.cmp's order).
func (x *rankKey) before(y *rankKey) bool {
	return x.eq > y.eq || x.eq == y.eq && x.order < y.order
}

// notTopReasons[top][rank-1] is notTopReason's text, made once for the
// usual counts: it was the most frequent allocation of a declaration.
var notTopReasons = func() (t [11][]string) {
	for top := range t {
		for rank := 1; rank <= 40; rank++ {
			t[top] = append(t[top], "排序第"+itoa(rank)+"，不在前"+topZh(top)+"项")
		}
	}
	return t
}()

// notTopReason is why the line ranked rank is not taxed under a top-N cut.
func notTopReason(rank, top int) string {
	if top >= 0 && top < len(notTopReasons) && rank >= 1 && rank <= len(notTopReasons[top]) {
		return notTopReasons[top][rank-1]
	}
	return "排序第" + itoa(rank) + "，不在前" + topZh(top) + "项"
}

func topReason(n int) string {
	switch n {
	case 3:
		return "前三项"
	case 5:
		return "前五项"
	}
	return "前" + topZh(n) + "项"
}

func topZh(n int) string {
	if n >= 0 && n <= 10 {
		return [...]string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}[n]
	}
	return itoa(n)
}

// oneOf applies the table notes: of 化学需氧量、生化需氧量和总有机碳, and of
// 大肠菌群数和余氯量, only one is levied per outlet — the one with the most
// 污染当量数. The others leave the ranking before the top-3 cut, so that
// three items are still levied when there are enough (our reading: the note
// removes the item from the levy, not a place from the count).
func (a *assessment) oneOf(idx []int) []int {
	lines := a.res.Lines
	// keep is a's buffer: the lines of one group are ranked before the
	// next group's are filtered.
	keep := a.keep[:0]
	for _, i := range idx {
		l := &lines[i]
		grp := l.pol.OneOf
		if grp == "" {
			keep = append(keep, i)
			continue
		}
		// Is there a better member of the same group?
		best := i
		for _, j := range idx {
			if lines[j].pol.OneOf == grp && a.cmp(&lines[j], &lines[best]) < 0 {
				best = j
			}
		}
		if best == i {
			keep = append(keep, i)
			continue
		}
		b := &lines[best]
		l.Taxed, l.Group, l.Rank = false, "", 0
		if grp == "cod_bod_toc" {
			l.Reason = a.e.oneOfReason(grp, b.pol)
			a.step(Step{Kind: StepOneOf, L: i, Rule: "环境保护税法 附表二 表二 注（化学需氧量、生化需氧量和总有机碳，只征收一项）", N: best})
		} else {
			l.Reason = a.e.oneOfReason(grp, b.pol)
			a.step(Step{Kind: StepOneOf, L: i, Rule: "环境保护税法 附表二 表三 注（大肠菌群数和余氯量只征收一项）", N: best})
		}
	}
	a.keep = keep
	return keep
}

// oneOfReason is why a line of a one-of group is not taxed when p is.
// The texts are made once per engine (oneOfReasons): one was a string
// built for every declaration with water.
func (e *Engine) oneOfReason(grp string, p *Pollutant) string {
	if r, ok := e.oneOfReasons[p]; ok {
		return r
	}
	return makeOneOfReason(grp, p.Name)
}

func makeOneOfReason(grp, name string) string {
	if grp == "cod_bod_toc" {
		return "化学需氧量、生化需氧量和总有机碳只征收一项：征收 " + name
	}
	return "大肠菌群数和余氯量只征收一项：征收 " + name
}

// sameEquivalents reports whether two lines tie on 污染当量数 as ranked.
func (a *assessment) sameEquivalents(x, y *Line) bool {
	if a.req.Rounding == Exact {
		return x.num.Mul(y.den).Equal(y.num.Mul(x.den))
	}
	return cmp(x.Equivalents.Decimal, y.Equivalents.Decimal) == 0
}

// tieAtCut handles items tied on 污染当量数 across the top-N cut (法 第九条
// sets no tie-break). When their applicable amounts differ, which of them
// is taxed changes the tax: the reading is the dated parameter
// ranking.tie_break (table_order: the statutory table's order;
// higher_rate / lower_rate: the tied item with the higher / lower amount
// first), and the result warns with the amount at stake.
func (a *assessment) tieAtCut(idx []int, top int, mp *monthParams) {
	lines := a.res.Lines
	cut := &lines[idx[top-1]]
	lo, hi := top-1, top
	for lo > 0 && a.sameEquivalents(&lines[idx[lo-1]], cut) {
		lo--
	}
	for hi < len(idx) && a.sameEquivalents(&lines[idx[hi]], cut) {
		hi++
	}
	tied := idx[lo:hi]
	s := &a.req.Sources[a.srcOf[tied[0]]]
	rate := func(i int) decimal.Decimal {
		ans := a.rateOf(lines[i].pol, s.Month, s.Facility)
		return ans.value // an error is reported when rates are applied
	}
	rates := make([]decimal.Decimal, len(tied))
	differ := false
	for k, i := range tied {
		rates[k] = rate(i)
		differ = differ || !rates[k].Equal(rates[0])
	}
	if !differ {
		return
	}
	a.useScalar(mp, scTieBreak)
	if mp.tieBreak != "table_order" {
		slices.SortStableFunc(tied, func(i, j int) int {
			c := rate(i).Cmp(rate(j))
			if mp.tieBreak == "higher_rate" {
				c = -c
			}
			if c != 0 {
				return c
			}
			return lines[i].order - lines[j].order
		})
	}
	// The amount at stake: the places of the tie inside the cut taxed at
	// the highest amounts of the tie, against the lowest.
	sorted := slices.Clone(rates)
	slices.SortFunc(sorted, func(x, y decimal.Decimal) int { return y.Cmp(x) })
	k := top - lo
	var hiSum, loSum decimal.Decimal
	for j := 0; j < k; j++ {
		hiSum = hiSum.Add(sorted[j])
		loSum = loSum.Add(sorted[len(sorted)-1-j])
	}
	eq := cut.Equivalents.Decimal
	if a.req.Rounding == Exact {
		eq = cut.num.Div(cut.den)
	}
	stake := eq.Mul(hiSum.Sub(loSum)).Round(2)
	names := ""
	for n, i := range tied {
		if n > 0 {
			names += "、"
		}
		names += lines[i].Pollutant
	}
	msg := names + " 污染当量数相同（" + eq.Round(4).String() + "），在前" + topZh(top) + "项的分界处并列而适用税额不同；按参数 ranking.tie_break = " + mp.tieBreak + " 取舍，取舍不同时应纳税额相差最多 " + stake.StringFixed(2) + " 元"
	a.step(Step{Kind: StepTie, L: tied[0], Rule: "环境保护税法 第九条（未规定并列时的取舍）", Note: msg})
	a.res.Warnings = append(a.res.Warnings, Warning{Code: "ranking_tie", Path: lines[tied[0]].Path,
		Message: s.ID + " " + s.MonthRaw + "：" + msg + "（环境保护税法 第九条未规定并列时的取舍）"})
}
