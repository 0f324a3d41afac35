package sheet

import (
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

func nd(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

// YesNo is 是 or 否.
func YesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func intText(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func taxpayerInfo(tp *filing.Taxpayer) [][2]string {
	return [][2]string{{"纳税人识别号（统一社会信用代码）", tp.CreditCode}, {"纳税人名称", tp.Name}, {"生产经营所在区划", tp.Region}, {"金额单位", "人民币元（列至角分）"}}
}

var sourceHeaders = []string{"纳税人识别号", "纳税人名称", "税源编号", "排放口编号", "排放口名称或噪声源名称", "生产经营所在街乡",
	"有效期起", "有效期止", "污染物类别", "污染物名称", "污染物排放量计算方法", "执行标准", "标准浓度值",
	"标准值昼间(6-22时)", "标准值夜间(22-6时)", "无组织排放", "两处以上噪声超标"}

// Sources is the 《环境保护税税源明细表》 (税源基础采集信息) of a taxpayer.
func Sources(tp *filing.Taxpayer, list []*filing.Source) (*Sheet, string) {
	sh := &Sheet{Name: "税源明细表", Title: "环境保护税税源明细表", Info: taxpayerInfo(tp), Headers: sourceHeaders}
	for _, src := range list {
		sh.Rows = append(sh.Rows, []string{tp.CreditCode, tp.Name, strconv.FormatInt(src.ID, 10), src.OutletNo, src.OutletName,
			src.Location, string(src.ValidFrom), string(src.ValidTo), filing.KindLabel[src.Kind], src.Pollutant, filing.MethodLabel[src.Method],
			src.Standard, nd(src.StandardConcentration), nd(src.DayLimitDB), nd(src.NightLimitDB), YesNo(src.Fugitive), YesNo(src.MultiplePoints)})
	}
	return sh, "税源明细表-" + tp.CreditCode
}

var declarationHeaders = []string{"税源编号", "税款所属月份", "排放口编号", "排放口名称或噪声源名称", "污染物类别", "污染物名称",
	"污染物排放量计算方法", "计税依据", "计量单位", "污染当量值", "污染当量数", "是否计税", "说明", "单位税额",
	"本期应纳税额", "减免比例(仍缴)", "本期减免税额", "本期应缴税额"}

// Declaration is a declaration's 申报计算及减免信息: the stored assessment
// of a submitted revision, or the one a draft gets now. A draft that
// cannot be assessed has no form: its error comes back.
func Declaration(r *app.DeclarationRecord) (*Sheet, string, error) {
	if r.ResultErr != nil {
		return nil, "", r.ResultErr
	}
	res, err := web.DeclarationResult(r.Assessed, r.Result)
	if err != nil {
		return nil, "", err
	}
	if res == nil {
		return nil, "", fmt.Errorf("declaration %d has no assessment", r.View.Declaration.ID)
	}
	d, tp, figs := r.View.Declaration, r.Taxpayer, r.View.Figures
	sh := &Sheet{Name: "申报计算及减免信息", Title: "环境保护税纳税申报表（申报计算及减免信息）", Info: append(taxpayerInfo(tp),
		[2]string{"税款所属期", d.Period}, [2]string{"申报版本", fmt.Sprintf("%d (%s)", d.Revision, filing.RevisionLabel(d))},
		[2]string{"状态", filing.StatusLabel[d.Status]}, [2]string{"申报缴纳期限", string(d.Deadline)}), Headers: declarationHeaders}
	for _, l := range res.Lines {
		sourceID, outletName, method := "", "", ""
		if r.Built != nil {
			if i := r.Built.FigureIndex(l.Path); i >= 0 && i < len(figs) {
				sourceID = strconv.FormatInt(figs[i].SourceID, 10)
				if src := r.Sources[figs[i].SourceID]; src != nil {
					outletName, method = src.OutletName, filing.MethodLabel[src.Method]
				}
			}
		}
		sh.Rows = append(sh.Rows, []string{sourceID, l.Month, l.Source, outletName, filing.KindLabel[l.Kind], l.Pollutant, method,
			l.Quantity, l.Unit, l.EquivalentValue, l.Equivalents, YesNo(l.Taxed), l.Reason, l.Rate,
			l.TaxDue, l.ReductionFactor, l.Reduction, l.Tax})
	}
	sh.Summary = [][2]string{{"应纳税额合计", res.TotalTaxDue}, {"减免税额合计", res.TotalReduction}, {"本期应缴税额", res.TotalTax}}
	if d.PreviousTax.Valid {
		sh.Summary = append(sh.Summary, [2]string{"原申报税额", d.PreviousTax.Decimal.StringFixed(2)})
		if d.TaxDifference.Valid {
			sh.Summary = append(sh.Summary, [2]string{"应补(退)税额", d.TaxDifference.Decimal.StringFixed(2)})
		}
	}
	for _, w := range res.Warnings {
		sh.Summary = append(sh.Summary, [2]string{"提示 " + w.Code, w.Message})
	}
	return sh, fmt.Sprintf("环境保护税申报-%s-%s-%d", tp.CreditCode, d.Period, d.Revision), nil
}

// FigureTemplate is the workbook to fill in: one row per source valid in
// each month of the period, with the figures already entered.
func FigureTemplate(fs *app.FigureSheet) (*Sheet, string) {
	d, figs := fs.View.Declaration, fs.View.Figures
	have := map[string]filing.Figure{}
	for _, f := range figs {
		have[fmt.Sprintf("%d/%s", f.SourceID, f.Month)] = f
	}
	headers := append([]string{ColSourceID, ColMonth}, InfoColumns...)
	for _, c := range Columns {
		headers = append(headers, c.Header)
	}
	sh := &Sheet{Name: FiguresSheet, Headers: headers}
	for _, m := range fs.Period.Months() {
		for _, src := range fs.Sources {
			if !src.ActiveIn(m) {
				continue
			}
			f := have[fmt.Sprintf("%d/%s", src.ID, m)]
			row := []string{strconv.FormatInt(src.ID, 10), m, src.OutletNo, src.OutletName, filing.KindLabel[src.Kind], src.Pollutant}
			vals := map[string]string{
				"emission_kg": nd(f.EmissionKg), "wastewater_t": nd(f.WastewaterT), "avg_concentration": nd(f.AvgConcentration),
				"max_concentration": nd(f.MaxConcentration), "value": nd(f.Value), "measured": nd(f.Measured), "standard": nd(f.Standard),
				"day_measured_db": nd(f.DayMeasuredDB), "day_exceed_days": intText(f.DayExceedDays), "night_measured_db": nd(f.NightMeasuredDB),
				"night_exceed_days": intText(f.NightExceedDays), "generated_t": nd(f.GeneratedT), "stored_t": nd(f.StoredT),
				"disposed_t": nd(f.DisposedT), "utilized_t": nd(f.UtilizedT), "stock_start": nd(f.StockStart), "stock_end": nd(f.StockEnd),
				"quantity": nd(f.Quantity),
			}
			for _, c := range Columns {
				row = append(row, vals[c.Field])
			}
			sh.Rows = append(sh.Rows, row)
		}
	}
	return sh, fmt.Sprintf("申报数据-%s-%s-%d", d.CreditCode, d.Period, d.Revision)
}
