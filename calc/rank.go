package calc

import (
	"slices"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

// rank applies 法 第九条 to every outlet (and every fugitive source): rank
// by 污染当量数 from largest to smallest and tax the top N of each group,
// after the "only one of" rules of the table notes.
func (a *assessment) rank() {
	lines := a.res.Lines
	idx := make([]int, 0, 16)
	for start := 0; start < len(lines); {
		end := start
		for end < len(lines) && a.srcOf[end] == a.srcOf[start] {
			end++
		}
		for _, g := range [...]string{"air", "water1", "water_other"} {
			idx = idx[:0]
			for i := start; i < end; i++ {
				if lines[i].Group == g {
					idx = append(idx, i)
				}
			}
			if len(idx) > 0 {
				idx = a.rankGroup(g, idx)
			}
		}
		start = end
	}
}

// less orders two lines for ranking: more equivalents first; equal
// equivalents by the order of the statutory table, so the result never
// depends on the order of the input (the law sets no tie-break).
func (a *assessment) cmp(x, y *Line) int {
	var c int
	if a.req.Rounding == Exact {
		// Exact comparison of num/den fractions without division.
		c = x.num.Mul(y.den).Cmp(y.num.Mul(x.den))
	} else {
		c = x.Equivalents.Decimal.Cmp(y.Equivalents.Decimal)
	}
	if c != 0 {
		return -c
	}
	return x.order - y.order
}

func (a *assessment) rankGroup(g string, idx []int) []int {
	lines := a.res.Lines
	mp := a.months[a.req.Sources[a.srcOf[idx[0]]].Month]
	var top int
	var key, rule string
	switch g {
	case "air":
		top, key, rule = mp.topAir, "ranking.air.top", "环境保护税法 第九条第一款"
	case "water1":
		top, key, rule = mp.topWater1, "ranking.water1.top", "环境保护税法 第九条第二款（第一类水污染物）"
	default:
		top, key, rule = mp.topWaterOther, "ranking.water_other.top", "环境保护税法 第九条第二款（其他类水污染物）"
	}
	a.useScalar(mp, key)
	if g == "water_other" {
		idx = a.oneOf(idx)
	}
	slices.SortFunc(idx, func(i, j int) int { return a.cmp(&lines[i], &lines[j]) })
	for r, i := range idx {
		l := &lines[i]
		l.Rank = r + 1
		if r < top {
			l.Taxed = true
			l.Reason = topReason(top)
		} else {
			l.Taxed = false
			l.Reason = "排序第" + itoa(r+1) + "，不在前" + topZh(top) + "项"
		}
	}
	a.step(Step{Kind: StepRanking, L: idx[0], Rule: rule, Note: g, N: top})
	return idx
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
	keep := idx[:0:0]
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
			l.Reason = "化学需氧量、生化需氧量和总有机碳只征收一项：征收 " + b.Pollutant
			a.step(Step{Kind: StepOneOf, L: i, Rule: "环境保护税法 附表二 表二 注（化学需氧量、生化需氧量和总有机碳，只征收一项）", N: best})
		} else {
			l.Reason = "大肠菌群数和余氯量只征收一项：征收 " + b.Pollutant
			a.step(Step{Kind: StepOneOf, L: i, Rule: "环境保护税法 附表二 表三 注（大肠菌群数和余氯量只征收一项）", N: best})
		}
	}
	return keep
}
