package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

const mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// sheet is one exported form: a title, lines of header information
// (label, value), the column headers as on the official form, and rows.
type sheet struct {
	name    string
	title   string
	info    [][2]string
	headers []string
	rows    [][]string
	summary [][2]string
}

// Chinese labels of the form.
var (
	kindLabel = map[string]string{
		filing.KindAir: "大气污染物", filing.KindWater: "水污染物", filing.KindNoise: "噪声",
		filing.KindSolidWaste: "固体废物", filing.KindLivestock: "水污染物(禽畜养殖业)", filing.KindSampling: "水污染物(抽样测算)",
	}
	methodLabel = map[string]string{
		"automatic": "自动监测", "monitoring": "监测机构监测", "self_monitoring": "自行监测",
		"factor": "排污系数", "material_balance": "物料衡算", "sampling": "抽样测算",
	}
)

func nd(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func format(c echo.Context) (string, error) {
	switch f := c.QueryParam("format"); f {
	case "", "xlsx":
		return "xlsx", nil
	case "csv":
		return "csv", nil
	}
	return "", calc.Invalid([]calc.FieldError{{Path: "format", Code: "invalid_value", Message: "format is xlsx or csv"}})
}

// send writes the sheet as XLSX or CSV (UTF-8 with a byte-order mark, so
// spreadsheet programs read the Chinese headers right).
func send(c echo.Context, sh *sheet, kind, filename string) error {
	var buf bytes.Buffer
	ctype := "text/csv; charset=utf-8"
	if kind == "csv" {
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		w.Write(sh.headers)
		w.WriteAll(sh.rows)
		if err := w.Error(); err != nil {
			return err
		}
	} else {
		ctype = mimeXLSX
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", sh.name)
		r := 1
		put := func(col int, v string) {
			cell, _ := excelize.CoordinatesToCellName(col, r)
			f.SetCellStr(sh.name, cell, v)
		}
		if sh.title != "" { // a form; a plain table (the import template) starts with its headers
			put(1, sh.title)
			r++
			for _, kv := range sh.info {
				put(1, kv[0])
				put(2, kv[1])
				r++
			}
			r++
		}
		for i, h := range sh.headers {
			put(i+1, h)
		}
		for _, row := range sh.rows {
			r++
			for i, v := range row {
				put(i+1, v)
			}
		}
		if len(sh.summary) > 0 {
			r++
			for _, kv := range sh.summary {
				r++
				put(1, kv[0])
				put(2, kv[1])
			}
		}
		if err := f.Write(&buf); err != nil {
			return err
		}
		filename += ".xlsx"
	}
	if kind == "csv" {
		filename += ".csv"
	}
	c.Response().Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(filename))
	return c.Blob(http.StatusOK, ctype, buf.Bytes())
}

func taxpayerInfo(tp *filing.Taxpayer) [][2]string {
	return [][2]string{{"纳税人识别号（统一社会信用代码）", tp.CreditCode}, {"纳税人名称", tp.Name}, {"生产经营所在区划", tp.Region}, {"金额单位", "人民币元（列至角分）"}}
}

var sourceHeaders = []string{"纳税人识别号", "纳税人名称", "税源编号", "排放口编号", "排放口名称或噪声源名称", "生产经营所在街乡",
	"有效期起", "有效期止", "污染物类别", "污染物名称", "污染物排放量计算方法", "执行标准", "标准浓度值",
	"标准值昼间(6-22时)", "标准值夜间(22-6时)", "无组织排放", "两处以上噪声超标"}

// exportSources writes the 《环境保护税税源明细表》 (税源基础采集信息).
func (s *Server) exportSources(c echo.Context) error {
	p, err := allowed(c, filing.ActSourceRead)
	if err != nil {
		return err
	}
	kind, err := format(c)
	if err != nil {
		return err
	}
	tp, list, err := s.app.TaxpayerSources(ctx(c), p, c.Param("code"))
	if err != nil {
		return err
	}
	sh := &sheet{name: "税源明细表", title: "环境保护税税源明细表", info: taxpayerInfo(tp), headers: sourceHeaders}
	for _, src := range list {
		sh.rows = append(sh.rows, []string{tp.CreditCode, tp.Name, strconv.FormatInt(src.ID, 10), src.OutletNo, src.OutletName,
			src.Location, string(src.ValidFrom), string(src.ValidTo), kindLabel[src.Kind], src.Pollutant, methodLabel[src.Method],
			src.Standard, nd(src.StandardConcentration), nd(src.DayLimitDB), nd(src.NightLimitDB), yesNo(src.Fugitive), yesNo(src.MultiplePoints)})
	}
	return send(c, sh, kind, "税源明细表-"+tp.CreditCode)
}

// assessedLine is the part of a result line the declaration form shows.
type assessedLine struct {
	Source          string  `json:"source"`
	Month           string  `json:"month"`
	Kind            string  `json:"kind"`
	Pollutant       string  `json:"pollutant"`
	Path            string  `json:"path"`
	Quantity        string  `json:"quantity"`
	Unit            string  `json:"unit"`
	EquivalentValue *string `json:"equivalent_value"`
	Equivalents     *string `json:"equivalents"`
	Taxed           bool    `json:"taxed"`
	Reason          string  `json:"reason"`
	Rate            *string `json:"rate"`
	TaxDue          string  `json:"tax_due"`
	ReductionFactor *string `json:"reduction_factor"`
	Reduction       string  `json:"reduction"`
	Tax             string  `json:"tax"`
}

type assessedResult struct {
	TotalTaxDue    string         `json:"total_tax_due"`
	TotalReduction string         `json:"total_reduction"`
	TotalTax       string         `json:"total_tax"`
	Lines          []assessedLine `json:"lines"`
	Warnings       []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"warnings"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

var declarationHeaders = []string{"税源编号", "税款所属月份", "排放口编号", "排放口名称或噪声源名称", "污染物类别", "污染物名称",
	"污染物排放量计算方法", "计税依据", "计量单位", "污染当量值", "污染当量数", "是否计税", "说明", "单位税额",
	"本期应纳税额", "减免比例(仍缴)", "本期减免税额", "本期应缴税额"}

// exportDeclaration writes the declaration's 申报计算及减免信息: the stored
// assessment of a submitted revision, or a fresh one for a draft.
func (s *Server) exportDeclaration(c echo.Context) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return err
	}
	kind, err := format(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.app.DeclarationRecord(ctx(c), p, id)
	if err != nil {
		return err
	}
	if r.ResultErr != nil {
		return r.ResultErr
	}
	var res assessedResult
	if err := json.Unmarshal(r.Result, &res); err != nil {
		return err
	}
	d, tp, built, figs := r.View.Declaration, r.Taxpayer, r.Built, r.View.Figures
	sh := &sheet{name: "申报计算及减免信息", title: "环境保护税纳税申报表（申报计算及减免信息）", info: append(taxpayerInfo(tp),
		[2]string{"税款所属期", d.Period}, [2]string{"申报版本", fmt.Sprintf("%d (%s)", d.Revision, revisionLabel(d))},
		[2]string{"状态", statusLabel[d.Status]}, [2]string{"申报缴纳期限", string(d.Deadline)}), headers: declarationHeaders}
	for _, l := range res.Lines {
		sourceID, outletName, method := "", "", ""
		if built != nil {
			if i := built.FigureIndex(l.Path); i >= 0 && i < len(figs) {
				sourceID = strconv.FormatInt(figs[i].SourceID, 10)
				if src := r.Sources[figs[i].SourceID]; src != nil {
					outletName, method = src.OutletName, methodLabel[src.Method]
				}
			}
		}
		sh.rows = append(sh.rows, []string{sourceID, l.Month, l.Source, outletName, kindLabel[l.Kind], l.Pollutant, method,
			l.Quantity, l.Unit, str(l.EquivalentValue), str(l.Equivalents), yesNo(l.Taxed), l.Reason, str(l.Rate),
			l.TaxDue, str(l.ReductionFactor), l.Reduction, l.Tax})
	}
	sh.summary = [][2]string{{"应纳税额合计", res.TotalTaxDue}, {"减免税额合计", res.TotalReduction}, {"本期应缴税额", res.TotalTax}}
	if d.PreviousTax.Valid {
		sh.summary = append(sh.summary, [2]string{"原申报税额", d.PreviousTax.Decimal.StringFixed(2)})
		if d.TaxDifference.Valid {
			sh.summary = append(sh.summary, [2]string{"应补(退)税额", d.TaxDifference.Decimal.StringFixed(2)})
		}
	}
	for _, w := range res.Warnings {
		sh.summary = append(sh.summary, [2]string{"提示 " + w.Code, w.Message})
	}
	return send(c, sh, kind, fmt.Sprintf("环境保护税申报-%s-%s-%d", tp.CreditCode, d.Period, d.Revision))
}

var statusLabel = map[filing.Status]string{filing.StatusDraft: "草稿", filing.StatusSubmitted: "已申报", filing.StatusAccepted: "已受理"}

func revisionLabel(d *filing.Declaration) string {
	if d.ReplacesID == nil {
		return "首次申报"
	}
	return "更正申报"
}
