package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/web"
)

var kindZh = map[string]string{
	calc.KindAir: "大气", calc.KindWater: "水", calc.KindNoise: "噪声",
	calc.KindSolidWaste: "固体废物", calc.KindLivestock: "禽畜养殖", calc.KindSampling: "抽样测算",
}

// writeTable prints a result as a readable Chinese table: per month and
// source, each item with its ranking, whether it is taxed and why, and
// the totals; then warnings.
func writeTable(w io.Writer, r *calc.Result) {
	head := "环境保护税计算结果"
	if r.Taxpayer.Name != "" || r.Taxpayer.CreditCode != "" {
		head += "  纳税人 " + strings.TrimSpace(r.Taxpayer.Name+" "+r.Taxpayer.CreditCode)
	}
	if r.Region != "" {
		head += "  行政区划 " + r.Region
	}
	if r.Period != "" {
		head += "  所属期 " + r.Period
	}
	fmt.Fprintf(w, "%s  取整口径 %s\n", head, web.RoundingText(string(r.Rounding)))
	eqPlaces := int32(2)
	if r.Rounding == calc.Exact {
		eqPlaces = 4
	}
	rows := [][]string{{"月份", "税源", "类别", "污染物/项目", "计税依据", "单位", "当量值", "污染当量数", "排序", "征收", "说明", "单位税额", "应纳税额", "减免税额", "应缴税额"}}
	for _, m := range r.Months {
		for i := range r.Lines {
			l := &r.Lines[i]
			if l.Month != m.Month {
				continue
			}
			kind := kindZh[l.Kind]
			if l.Fugitive {
				kind += "(无组织)"
			}
			rank := ""
			if l.Rank > 0 {
				rank = strconv.Itoa(l.Rank)
			}
			taxed := "否"
			if l.Taxed {
				taxed = "是"
			}
			reason := l.Reason
			if d := l.Detail; d != nil {
				// A pH inside 6–9 is named by the reason already.
				if d.PHValue.Valid && !strings.Contains(reason, "pH值") {
					reason += "；pH值 " + d.PHValue.Decimal.String()
				}
				if d.ColourMultiple.Valid {
					reason += "；色度超标倍数 " + d.ColourMultiple.Decimal.String()
				}
				if d.HazardousClass != "" {
					reason += "；危险废物类别 " + d.HazardousClass
				}
			}
			if l.Halved {
				reason += "；超标不足15天，减半"
			}
			if l.Doubled {
				reason += "；按两个单位计算"
			}
			if l.ReductionFactor.Valid {
				reason += "；减按" + l.ReductionFactor.Decimal.Shift(2).String() + "%"
			}
			qty := l.Quantity.String()
			if l.Kind == calc.KindSolidWaste && !l.Taxed {
				qty = "0" // exempt (综合利用 …): nothing discharged is taxed
			}
			rows = append(rows, []string{l.Month, l.Source, kind, l.Pollutant, qty, l.Unit,
				opt(l.EquivalentValue.Valid, l.EquivalentValue.Decimal.String()), opt(l.Equivalents.Valid, l.Equivalents.Decimal.StringFixed(eqPlaces)),
				rank, taxed, reason, opt(l.Rate.Valid, l.Rate.Decimal.String()),
				l.TaxDue.StringFixed(2), l.Reduction.StringFixed(2), l.Tax.StringFixed(2)})
		}
		rows = append(rows, []string{m.Month, "月计", "", "", "", "", "", "", "", "", "", "", m.TaxDue.StringFixed(2), m.Reduction.StringFixed(2), m.Tax.StringFixed(2)})
	}
	rows = append(rows, []string{"合计", "", "", "", "", "", "", "", "", "", "", "", r.TotalTaxDue.StringFixed(2), r.TotalReduction.StringFixed(2), r.TotalTax.StringFixed(2)})
	printAligned(w, rows, map[int]bool{4: true, 6: true, 7: true, 11: true, 12: true, 13: true, 14: true})
	// After the totals: what the reader must know in plain Chinese (the
	// pages' wording, web.PlainWarnings), then, as the pages fold them
	// into 依据详情, the codes, parameter keys, files and sources behind
	// each note.
	plain := web.ResultOf(r).PlainWarnings()
	if len(plain) == 0 {
		return
	}
	fmt.Fprintln(w, "\n提示：")
	for _, x := range plain {
		fmt.Fprintf(w, "  - %s\n", x.Text)
	}
	fmt.Fprintln(w, "\n依据详情：")
	for _, x := range plain {
		detail := x.Detail
		if x.Code == "unverified_parameter" {
			// One line per parameter, as the engine wrote them.
			for _, wn := range r.Warnings {
				if wn.Code == x.Code {
					fmt.Fprintf(w, "  - [%s] %s\n", x.Code, wn.Message)
				}
			}
			continue
		}
		if x.Path != "" {
			detail += "（" + x.Path + "）"
		}
		fmt.Fprintf(w, "  - [%s] %s\n", x.Code, detail)
	}
}

func opt(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

// printAligned pads columns by display width: CJK characters take two
// cells, which text/tabwriter does not know.
func printAligned(w io.Writer, rows [][]string, right map[int]bool) {
	widths := map[int]int{}
	for _, r := range rows {
		for i, c := range r {
			if n := displayWidth(c); n > widths[i] {
				widths[i] = n
			}
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-displayWidth(c))
			if right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			if i < len(r)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

func displayWidth(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
			(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) || (r >= 0xffe0 && r <= 0xffe6)):
			n += 2
		default:
			n++
		}
	}
	return n
}

// validityZh writes a validity period: "2018-01-01 起" when open-ended,
// "2018-01-01 至 2020-12-31" otherwise.
func validityZh(from, to string) string {
	if to == "" {
		return from + " 起"
	}
	return from + " 至 " + to
}
