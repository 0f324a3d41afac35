package pages

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/monitor"
)

// The data quality of an item's monitoring, on the flagged-item page:
// for each month and device, how many periods were valid, which runs of
// hours (days) were missing, why, and what the substitution rules put in
// their place. A tax officer weighing a "monitoring lower than declared"
// flag needs to know how much of the month was missing before asking the
// environment bureau for a review. Substituted emissions are shown beside
// the monitored total, never added to it (monitor.fill).

// gapMonth is one device's month of an item.
type gapMonth struct {
	Month        string
	Device       string // the device (MN), for 依据详情
	Code         string // the factor code, for 依据详情
	Unit         string // 小时 or 天
	Valid, Units int
	ValidDays    string // "28 天" for hour data, "" otherwise
	ShortDays    string // the days short of valid hours, "1月3日、1月9日"
	Gaps         []gapRow
	Substituted  string // kilograms, "" when nothing was substituted
	SubstUnits   int
	DayRule      string
}

// gapRow is one run of missing periods.
type gapRow struct {
	Span       string // "1月3日 05时至07时"
	Length     string // "3 小时"
	Why        string // "无数据 2 小时、故障 1 小时"
	Method     string // how it was filled, in words
	PerUnitKg  string
	TotalKg    string
	Note       string // a plain remark (why nothing could be computed …)
	Standard   string // the standard behind the rule
	Unverified bool
	Detail     string // the rule's row and the engine's note, for 依据详情
}

// gapMonthsOf writes the stored figures' data quality in plain Chinese;
// marks are named from the rules in force on the month's first day.
func gapMonthsOf(figs []app.FigureGaps, quality *monitor.Rules) []gapMonth {
	var out []gapMonth
	for _, f := range figs {
		hourly := f.Basis == string(monitor.Hourly)
		unit := "天"
		if hourly {
			unit = "小时"
		}
		var marks map[string]monitor.Mark
		if d, err := param.ParseDate(f.Month + "-01"); err == nil && quality != nil {
			if q, err := quality.On(d); err == nil {
				marks = q.Marks
			}
		}
		m := gapMonth{Month: f.Month, Device: f.MN, Code: f.Code, Unit: unit, Valid: f.Valid, Units: f.Units, DayRule: f.DayRule}
		if hourly {
			m.ValidDays = strconv.Itoa(f.ValidDays) + " 天"
			days := make([]string, 0, len(f.ShortDays))
			for _, d := range f.ShortDays {
				days = append(days, periodText(d))
			}
			m.ShortDays = strings.Join(days, "、")
		}
		if f.SubstitutedKg.Valid {
			m.Substituted, m.SubstUnits = param.GroupDigits(f.SubstitutedKg.Decimal.String()), f.SubstitutedUnits
		}
		for _, g := range f.Gaps {
			m.Gaps = append(m.Gaps, gapRow{
				Span:       spanText(g.From, g.To),
				Length:     strconv.Itoa(g.Units) + " " + unit,
				Why:        whyText(g.Why, unit, marks),
				Method:     methodText(g.Method, g.Lookback, unit),
				PerUnitKg:  kgText(g.PerUnitKg),
				TotalKg:    kgText(g.TotalKg),
				Note:       gapNote(g, unit),
				Standard:   g.Standard,
				Unverified: g.Unverified,
				Detail:     strings.TrimSpace(strings.Join([]string{g.Rule, g.Note}, " ")),
			})
		}
		out = append(out, m)
	}
	return out
}

func kgText(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return param.GroupDigits(d.Decimal.String())
}

// periodText writes a period YYYYMMDDhh or YYYYMMDD as 1月3日 05时 / 1月3日.
func periodText(p string) string {
	if len(p) < 8 {
		return p
	}
	mo, err1 := strconv.Atoi(p[4:6])
	day, err2 := strconv.Atoi(p[6:8])
	if err1 != nil || err2 != nil {
		return p
	}
	s := fmt.Sprintf("%d月%d日", mo, day)
	if len(p) >= 10 {
		s += " " + p[8:10] + "时"
	}
	return s
}

// spanText writes a run from … to: one period, a run within a day
// (1月3日 05时至07时) or across days.
func spanText(from, to string) string {
	switch {
	case from == to:
		return periodText(from)
	case len(from) >= 10 && len(to) >= 10 && from[:8] == to[:8]:
		return periodText(from) + "至" + to[8:10] + "时"
	}
	return periodText(from) + " 至 " + periodText(to)
}

// whyText writes monitor's reasons ("flag D×2, no record×1") in words,
// naming each mark as the mark table does.
func whyText(why, unit string, marks map[string]monitor.Mark) string {
	var parts []string
	for _, part := range strings.Split(why, ", ") {
		text, count, ok := strings.Cut(part, "×")
		if !ok {
			parts = append(parts, "其他")
			continue
		}
		var name string
		switch {
		case text == "no record":
			name = "没有数据"
		case text == "contradictory records":
			name = "记录相互矛盾"
		case text == "unreadable record":
			name = "记录无法读取"
		case strings.HasPrefix(text, "flag "):
			letter := strings.TrimPrefix(text, "flag ")
			if mk, ok := marks[letter]; ok && mk.Name != "" {
				name = "标记为“" + mk.Name + "”"
			} else {
				name = "标记不在标记表中"
			}
		default:
			name = "其他"
		}
		parts = append(parts, name+" "+count+" "+unit)
	}
	return strings.Join(parts, "、")
}

// methodText says how a run was filled.
func methodText(method string, lookback int, unit string) string {
	switch method {
	case monitor.MethodMeanAdjacent:
		return "取缺失前、后最近的有效" + unit + "的均值替代"
	case monitor.MethodMaxPrevious:
		return fmt.Sprintf("取缺失前 %d 个有效%s中的最大值替代", lookback, unit)
	case monitor.MethodMeanPrevious:
		return fmt.Sprintf("取缺失前 %d 个有效%s的均值替代", lookback, unit)
	case monitor.MethodNone:
		return "只列出，不替代"
	}
	return "没有适用的替代规则，只列出"
}

// gapNote says, in words, why a run got no substitute or one from fewer
// periods than its rule looks back over.
func gapNote(g app.GapKg, unit string) string {
	switch {
	case g.Method == "" || g.Method == monitor.MethodNone:
		return ""
	case g.Cou == nil && g.Avg == nil && g.Method == monitor.MethodMeanAdjacent:
		return "本月缺失前或缺失后没有有效" + unit + "，无法计算替代值"
	case g.Cou == nil && g.Avg == nil:
		return "本月缺失前没有有效" + unit + "，无法计算替代值"
	case g.Cou == nil:
		return "有效" + unit + "没有排放量（仅有浓度），替代排放量无法计算"
	case g.Lookback > 0 && g.Seen > 0 && g.Seen < g.Lookback:
		return fmt.Sprintf("本月缺失前只有 %d 个有效%s（规则取 %d 个），按这 %d 个计算", g.Seen, unit, g.Lookback, g.Seen)
	}
	return ""
}
