package pages

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

// A taxpayer's monitoring data of one month on a page: for each outlet and
// pollutant, the emission the online monitoring devices measured, how
// complete the month was, the mean and highest concentrations, and the
// month's missing data with what the rules put in their place. The
// accountant checks the figures to be declared for 自动监测 sources
// against it before filing (实施条例 第十五条第一项: automatic monitoring
// data come first); officers read the same. app.Monitoring and
// app.OutletGaps do the reading.

// monitoringPage is one taxpayer's month.
type monitoringPage struct {
	Taxpayer *filing.Taxpayer
	Month    string
	Rows     []monitoringRow
	Notes    []monthNote     // the month's warnings, in words with their detail
	Top      []web.Explained // a month that is not one
	Devices  bool            // the principal may open the device register
}

// monthNote is one kind of warning of the month: a sentence, and the
// warnings it stands for.
type monthNote struct {
	Text    string
	Details []string
}

// monitoringRow is one outlet and pollutant.
type monitoringRow struct {
	OutletNo, Pollutant string
	EmissionKg          string // "" when no valid data
	Valid, Units        int
	Unit                string // 小时 or 天
	Completeness        string
	Mean, Max           string
	ConcUnit            string
	Excluded            int
	Devices             string
	Notes               []string // English, for 依据详情
	Quality             []gapMonth
}

func (s *Server) webMonitoring(c echo.Context) error {
	p, err := allowed(c, filing.ActMonitoringRead)
	if err != nil {
		return s.webError(c, err)
	}
	r, err := s.app.TaxpayerRecord(ctx(c), p, c.Param("code"))
	if err != nil {
		return s.webError(c, err)
	}
	pg := &monitoringPage{Taxpayer: r.Taxpayer, Month: strings.TrimSpace(c.QueryParam("month")), Devices: p.Can(filing.ActDeviceWrite)}
	if pg.Month == "" {
		// Last month: the one being declared or reconciled.
		t := s.now().In(beijing)
		pg.Month = time.Date(t.Year(), t.Month()-1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	}
	code := r.Taxpayer.CreditCode
	m, err := s.app.Monitoring(ctx(c), p, code, pg.Month)
	var ce *calc.Error
	if errors.As(err, &ce) && ce.Kind == calc.KindInvalid {
		pg.Top = append(pg.Top, web.Explained{Text: "月份请按 2024-01 的格式填写。", Path: "month", Code: ce.Code, Detail: ce.Detail})
		return s.render(c, http.StatusBadRequest, "monitoring", s.page(c, pg.Taxpayer.Name+" · 监测数据", pg))
	}
	if err != nil {
		return s.webError(c, err)
	}
	// One plain sentence for each kind of warning, every warning itself
	// in 依据详情 (seven unverified parameters are one sentence).
	seen := map[string]int{}
	for _, w := range m.Warnings {
		text := monitoringWarning(w)
		i, ok := seen[text]
		if !ok {
			i = len(pg.Notes)
			seen[text] = i
			pg.Notes = append(pg.Notes, monthNote{Text: text})
		}
		pg.Notes[i].Details = append(pg.Notes[i].Details, w)
	}
	quality := s.app.Tables().Quality
	for _, o := range m.Outlets {
		row := monitoringRow{OutletNo: o.OutletNo, Pollutant: o.Pollutant, Valid: o.Valid, Units: o.Units, Unit: "小时",
			Completeness: o.Completeness.String(), Excluded: o.Excluded, Devices: strings.Join(o.Devices, "、"), Notes: o.Notes,
			ConcUnit: s.concUnit(o.Pollutant)}
		if o.Basis == "day" {
			row.Unit = "天"
		}
		if o.EmissionKg.Valid {
			row.EmissionKg = o.EmissionKg.Decimal.String()
		}
		if o.Mean.Valid {
			row.Mean = o.Mean.Decimal.String()
		}
		if o.Max.Valid {
			row.Max = o.Max.Decimal.String()
		}
		gaps, err := s.app.OutletGaps(ctx(c), p, code, o.OutletNo, o.PollutantID, []string{pg.Month})
		if err != nil {
			return s.webError(c, err)
		}
		row.Quality = gapMonthsOf(gaps, quality)
		pg.Rows = append(pg.Rows, row)
	}
	return s.render(c, http.StatusOK, "monitoring", s.page(c, pg.Taxpayer.Name+" · 监测数据 "+pg.Month, pg))
}

// monitoringWarning says a month's warning in words; the warning itself
// goes to 依据详情.
func monitoringWarning(w string) string {
	switch {
	case strings.Contains(w, "being brought up to date"):
		return "有设备的新数据或对应关系刚有变动，本月数据正在重新计算，请稍后刷新。"
	case strings.HasPrefix(w, "unverified parameter"):
		return "本月计算用到了尚未核实的参数，结果仅供参考。"
	case strings.Contains(w, "does not map"):
		return "有设备发送了无法识别的监测因子，未计入任何污染物。"
	}
	return "本月数据另有一条说明。"
}
