package pages

import (
	"fmt"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/web"
)

// The charts of one item (an outlet's pollutant over the months of a
// period), drawn the same on the tax officer's flagged-item page and on
// the environment officer's 复核 page: the hourly mean concentration with
// the declared monthly mean and the emission standard's limit across it,
// and the daily emission with the declared month spread over its days.
// Nothing is drawn that is not recorded: a source without a standard
// concentration gets a sentence saying so, not a line.

// itemCharts is what the pages show of an item's monitoring data.
type itemCharts struct {
	Charts   []*web.Chart
	Excluded []hourMark
	Devices  []string
	Quality  []gapMonth // missing data and substitutes, by month and device
}

// itemLevels are the recorded levels an item's charts are read against.
type itemLevels struct {
	declared map[string]filing.Figure // by month, of the reconciled revision
	source   *filing.Source           // the tax source of the outlet and pollutant
}

// levelsOf finds the declared figures (the revision the reconciliation
// used, else the latest filed) and the tax source of an item. What cannot
// be read (no declaration, no such source) is simply not drawn.
func (s *Server) levelsOf(c echo.Context, p filing.Principal, code, period, outletNo, pollutant string, revision *int, months []string) itemLevels {
	lv := itemLevels{declared: map[string]filing.Figure{}}
	for _, m := range months {
		srcs, err := s.app.Sources(ctx(c), p, code, m)
		if err != nil {
			break
		}
		for _, src := range srcs {
			if src.OutletNo == outletNo && src.Pollutant == pollutant {
				lv.source = src
			}
		}
		if lv.source != nil {
			break
		}
	}
	if lv.source == nil {
		return lv
	}
	list, err := s.app.Declarations(ctx(c), p, code)
	if err != nil {
		return lv
	}
	var pick *filing.Declaration
	for i := range list {
		d := &list[i]
		if d.Period != period || d.Status == filing.StatusDraft {
			continue
		}
		if revision != nil && d.Revision == *revision {
			pick = d
			break
		}
		if pick == nil || d.Revision > pick.Revision {
			pick = d
		}
	}
	if pick == nil {
		return lv
	}
	v, err := s.app.Declaration(ctx(c), p, pick.ID)
	if err != nil {
		return lv
	}
	for _, f := range v.Figures {
		if f.SourceID == lv.source.ID {
			lv.declared[f.Month] = f
		}
	}
	return lv
}

// chartsOf draws the item's charts for each device mapped to the outlet
// and each month, when the principal may read monitoring data.
func (s *Server) chartsOf(c echo.Context, p filing.Principal, code, period, outletNo, pollutant, pollutantID string, revision *int, months []string) (*itemCharts, error) {
	out := &itemCharts{}
	if !p.Can(filing.ActMonitoringRead) || pollutantID == "" {
		return out, nil
	}
	data, err := s.app.OutletPackets(ctx(c), p, code, outletNo, months)
	if err != nil {
		return nil, err
	}
	gaps, err := s.app.OutletGaps(ctx(c), p, code, outletNo, pollutantID, months)
	if err != nil {
		return nil, err
	}
	out.Quality = gapMonthsOf(gaps, s.app.Tables().Quality)
	if len(data) == 0 {
		return out, nil
	}
	lv := s.levelsOf(c, p, code, period, outletNo, pollutant, revision, months)
	t := s.app.Tables()
	codes := reconcile.NewCodes(t.Engine.Tables().HJ212, t.Engine.Names())
	for _, d := range data {
		couKg := decimal.NewFromInt(1)
		if first, err := param.ParseDate(d.Month + "-01"); err == nil && t.Reconcile != nil {
			if set, err := t.Reconcile.On(first); err == nil {
				couKg = set.CouKg.Value
			}
		}
		charts, marks := monthCharts(d.MN, d.Month, d.Packets, codes, pollutantID, pollutant, lv, couKg)
		out.Charts = append(out.Charts, charts...)
		out.Excluded = append(out.Excluded, named(marks, t.Quality)...)
		if !containsStr(out.Devices, d.MN) {
			out.Devices = append(out.Devices, d.MN)
		}
	}
	return out, nil
}

// daysIn is the number of days of a month "YYYY-MM" (0 when not a month).
func daysIn(month string) int {
	if !filing.ValidMonth(month) {
		return 0
	}
	days := 31
	for days > 28 {
		if _, err := filing.ParseDate(fmt.Sprintf("%s-%02d", month, days)); err == nil {
			break
		}
		days--
	}
	return days
}

// monthCharts draws a device's hour data (CN 2061) of one month for the
// factor codes of a pollutant: the hourly mean concentration (-Avg) and
// the daily emission (Σ hourly -Cou, in kilograms), with the hours
// flagged other than N marked and left out, as the monthly figures leave
// them out.
func monthCharts(mn, month string, packets []*hj212.Packet, codes *reconcile.Codes, pollutantID, name string, lv itemLevels, couKg decimal.Decimal) ([]*web.Chart, []hourMark) {
	days := daysIn(month)
	if days == 0 {
		return nil, nil
	}
	n := days * 24
	labels := make([]string, n)
	ticks := make([]string, n)
	for h := 0; h < n; h++ {
		labels[h] = fmt.Sprintf("%d日%02d时", h/24+1, h%24)
		if h%24 == 0 {
			ticks[h] = fmt.Sprintf("%d日", h/24+1)
		}
	}
	dayLabels := make([]string, days)
	for d := range dayLabels {
		dayLabels[d] = fmt.Sprintf("%d日", d+1)
	}
	daily := make([]decimal.NullDecimal, days)
	avg := make([]decimal.NullDecimal, n)
	// Daily packets (CN 2031), for a device that sends no hour data
	// (a water outlet often reports once a day): drawn by day instead.
	dayCou := make([]decimal.NullDecimal, days)
	dayAvg := make([]decimal.NullDecimal, days)
	var (
		marks   []hourMark
		markIdx []int
		unit    string
		mass    bool
	)
	for _, pk := range packets {
		if (pk.CN != "2061" && pk.CN != "2031") || len(pk.DataTime) < 10 || pk.DataTime[:4]+"-"+pk.DataTime[4:6] != month {
			continue
		}
		day, e1 := strconv.Atoi(pk.DataTime[6:8])
		hour, e2 := strconv.Atoi(pk.DataTime[8:10])
		if e1 != nil || e2 != nil || day < 1 || day > days || hour < 0 || hour > 23 {
			continue
		}
		if pk.CN == "2031" {
			dayValues(pk, codes, pollutantID, couKg, dayCou, dayAvg, day, &unit, &mass)
			continue
		}
		h := (day-1)*24 + hour
		flags := map[string]string{}
		for _, pr := range pk.CP {
			if pr.Suffix == "Flag" {
				flags[pr.Code] = pr.Value
			}
		}
		for _, pr := range pk.CP {
			pol, _ := codes.Pollutant(pr.Code)
			if pol == nil || pol.ID != pollutantID || !pr.IsNumber {
				continue
			}
			if f := flags[pr.Code]; f != "" && f != "N" {
				if len(markIdx) == 0 || markIdx[len(markIdx)-1] != h {
					markIdx = append(markIdx, h)
					marks = append(marks, hourMark{DataTime: pk.DataTime, Code: pr.Code, Flag: f})
				}
				continue // left out of the monthly figures: not drawn as data
			}
			switch pr.Suffix {
			case "Cou":
				kg := pr.Number().Mul(couKg)
				if daily[day-1].Valid {
					kg = kg.Add(daily[day-1].Decimal)
				}
				daily[day-1] = decimal.NullDecimal{Decimal: kg, Valid: true}
			case "Avg":
				avg[h] = decimal.NullDecimal{Decimal: pr.Number(), Valid: true}
				if unit == "" {
					unit, mass = codes.Unit(pr.Code), codes.MassConcentration(pr.Code)
				}
			}
		}
	}
	if !hasValue(daily) {
		daily = dayCou
	}
	fig, declared := lv.declared[month]
	var out []*web.Chart
	var ch *web.Chart
	switch {
	case hasValue(avg):
		ch = &web.Chart{Title: mn + " " + month + " " + name + " 小时均值浓度", Unit: unit, Labels: labels, Ticks: ticks,
			Series: []web.Series{{Name: "监测小时均值", Values: avg}}, Marks: markIdx}
	case hasValue(dayAvg):
		ch = &web.Chart{Title: mn + " " + month + " " + name + " 日均值浓度", Unit: unit, Labels: dayLabels,
			Series: []web.Series{{Name: "监测日均值", Values: dayAvg}}}
	}
	if ch != nil {
		if ch.Unit == "" {
			ch.Unit = "监测设备上报的单位"
		}
		switch {
		case declared && fig.AvgConcentration.Valid && mass:
			ch.Refs = append(ch.Refs, web.Ref{Name: "申报月均浓度", Value: fig.AvgConcentration.Decimal})
		case declared && fig.AvgConcentration.Valid:
			// The declared mean is in mg/m³ or mg/L; a factor reported in
			// another unit cannot be read against it.
		default:
			ch.Notes = append(ch.Notes, "申报中没有该月的月均浓度，图中不画申报浓度线。")
		}
		switch {
		case lv.source != nil && lv.source.StandardConcentration.Valid && mass:
			std := "排放标准限值"
			if lv.source.Standard != "" {
				std += "（" + lv.source.Standard + "）"
			}
			ch.Refs = append(ch.Refs, web.Ref{Name: std, Value: lv.source.StandardConcentration.Decimal})
		case !mass:
			ch.Notes = append(ch.Notes, "该监测因子的浓度单位不是毫克每立方米或毫克每升，不与排放标准限值对照。")
		default:
			ch.Notes = append(ch.Notes, "该税源没有登记排放标准限值（标准浓度值），图中不画标准线；请在税源信息中补充。")
		}
		out = append(out, ch)
	}
	if hasValue(daily) {
		em := &web.Chart{Title: mn + " " + month + " " + name + " 每日排放量", Unit: "千克", Labels: dayLabels, Bars: true,
			Series: []web.Series{{Name: "监测日排放量（有效小时合计）", Values: daily}}}
		if declared && fig.EmissionKg.Valid {
			// The declared month spread evenly over its days: a level to read
			// the bars against, shown to three places; not a figure of the tax.
			per := fig.EmissionKg.Decimal.DivRound(decimal.NewFromInt(int64(days)), 3)
			em.Refs = append(em.Refs, web.Ref{Name: "申报排放量按日平均", Value: per})
		} else {
			em.Notes = append(em.Notes, "该月没有申报排放量，图中不画申报线。")
		}
		out = append(out, em)
	}
	return out, marks
}

// dayValues reads a daily packet's values of the pollutant into the day's
// slot: the day's emission (-Cou, in kilograms) and mean concentration
// (-Avg); a value flagged other than N is left out, as the monthly
// figures leave it out.
func dayValues(pk *hj212.Packet, codes *reconcile.Codes, pollutantID string, couKg decimal.Decimal, cou, avg []decimal.NullDecimal, day int, unit *string, mass *bool) {
	flags := map[string]string{}
	for _, pr := range pk.CP {
		if pr.Suffix == "Flag" {
			flags[pr.Code] = pr.Value
		}
	}
	for _, pr := range pk.CP {
		pol, _ := codes.Pollutant(pr.Code)
		if pol == nil || pol.ID != pollutantID || !pr.IsNumber {
			continue
		}
		if f := flags[pr.Code]; f != "" && f != "N" {
			continue
		}
		switch pr.Suffix {
		case "Cou":
			cou[day-1] = decimal.NullDecimal{Decimal: pr.Number().Mul(couKg), Valid: true}
		case "Avg":
			avg[day-1] = decimal.NullDecimal{Decimal: pr.Number(), Valid: true}
			if *unit == "" {
				*unit, *mass = codes.Unit(pr.Code), codes.MassConcentration(pr.Code)
			}
		}
	}
}
