package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Charts are drawn on the server as inline SVG: no script library to
// vendor, nothing to load, readable without JavaScript, and every value
// stays a decimal — pixel positions are computed with decimal arithmetic
// and written to one decimal place. Each chart comes with its data as a
// table (Chart.Table) for screen readers and for copying.

// Series is one named line or bar group; a null value is a gap.
type Series struct {
	Name   string
	Values []decimal.NullDecimal
}

// Chart is a line or grouped-bar chart over labelled x positions.
type Chart struct {
	Title  string
	Unit   string
	Labels []string // x positions
	// Ticks, when set, are the axis labels instead of Labels ("" = no
	// label at that position): hourly data labels its days only.
	Ticks  []string
	Series []Series
	Bars   bool
	// Marks are x positions to highlight (e.g. hours left out of the
	// monthly figures), drawn as ticks under the axis.
	Marks []int
	// Refs are levels drawn across the whole chart as dashed lines (the
	// declared level, the emission standard's limit), in the chart's unit.
	Refs []Ref
	// Notes say in words what the chart cannot show (no standard recorded).
	Notes []string
}

// Ref is a named horizontal level.
type Ref struct {
	Name  string
	Value decimal.Decimal
}

var refPalette = []string{"#d35400", "#8e44ad", "#2c3e50"}

// RefColour is the colour of reference line i.
func RefColour(i int) string { return refPalette[i%len(refPalette)] }

var palette = []string{"#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#2c3e50"}

// Colour returns the colour of series i, for legends drawn in HTML.
func Colour(i int) string { return palette[i%len(palette)] }

const (
	chartW, chartH             = 720, 300
	padL, padR, padT, padB int = 72, 16, 28, 48
)

var (
	dZero = decimal.Zero
	plotW = decimal.NewFromInt(int64(chartW - padL - padR))
	plotH = decimal.NewFromInt(int64(chartH - padT - padB))
)

// niceStep rounds a raw tick step up to 1, 2 or 5 × 10^k.
func niceStep(raw decimal.Decimal) decimal.Decimal {
	if raw.Sign() <= 0 {
		return decimal.NewFromInt(1)
	}
	exp := int32(param.Digits(raw)) + raw.Exponent() - 1 // order of magnitude
	pow := decimal.New(1, exp)
	for _, m := range []int64{1, 2, 5, 10} {
		s := pow.Mul(decimal.NewFromInt(m))
		if s.Cmp(raw) >= 0 {
			return s
		}
	}
	return pow.Mul(decimal.NewFromInt(10))
}

// scale gives the axis range: from min(0, lowest) to the highest, on
// nice ticks.
func (c *Chart) scale() (lo, hi, step decimal.Decimal) {
	lo, hi = dZero, dZero
	for _, r := range c.Refs {
		lo, hi = decimal.Min(lo, r.Value), decimal.Max(hi, r.Value)
	}
	for _, s := range c.Series {
		for _, v := range s.Values {
			if !v.Valid {
				continue
			}
			if v.Decimal.LessThan(lo) {
				lo = v.Decimal
			}
			if v.Decimal.GreaterThan(hi) {
				hi = v.Decimal
			}
		}
	}
	if hi.Equal(lo) {
		hi = lo.Add(decimal.NewFromInt(1))
	}
	step = niceStep(hi.Sub(lo).Div(decimal.NewFromInt(5)))
	lo = lo.Div(step).Floor().Mul(step)
	hi = hi.Div(step).Ceil().Mul(step)
	return lo, hi, step
}

func px(d decimal.Decimal) string { return d.StringFixed(1) }

// SVG renders the chart.
func (c *Chart) SVG() template.HTML {
	lo, hi, step := c.scale()
	span := hi.Sub(lo)
	y := func(v decimal.Decimal) decimal.Decimal {
		return decimal.NewFromInt(int64(padT)).Add(plotH.Sub(v.Sub(lo).Mul(plotH).DivRound(span, 4)))
	}
	n := len(c.Labels)
	if n == 0 {
		n = 1
	}
	slot := plotW.DivRound(decimal.NewFromInt(int64(n)), 4)
	x := func(i int) decimal.Decimal { // centre of slot i
		return decimal.NewFromInt(int64(padL)).Add(slot.Mul(decimal.NewFromInt(int64(i))).Add(slot.Div(decimal.NewFromInt(2))))
	}
	var b strings.Builder
	id := FieldID(c.Title)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" xmlns="http://www.w3.org/2000/svg">`, chartW, chartH, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, id, template.HTMLEscapeString(c.Title+"（"+c.Unit+"）"))
	// Grid and y ticks.
	for v := lo; v.LessThanOrEqual(hi); v = v.Add(step) {
		yy := px(y(v))
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="#d0d7de" stroke-width="1"/>`, padL, chartW-padR, yy, yy)
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" font-size="12" fill="#444" dy="4">%s</text>`, padL-6, yy, template.HTMLEscapeString(param.GroupDigits(v.String())))
	}
	// x labels: at most ~12, evenly spread over the labelled positions.
	ticks := c.Ticks
	if ticks == nil {
		ticks = c.Labels
	}
	var at []int
	for i, l := range ticks {
		if l != "" && i < len(c.Labels) {
			at = append(at, i)
		}
	}
	every := (len(at) + 11) / 12
	if every < 1 {
		every = 1
	}
	for k, i := range at {
		if k%every != 0 {
			continue
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle" font-size="12" fill="#444">%s</text>`, px(x(i)), chartH-padB+18, template.HTMLEscapeString(ticks[i]))
	}
	if c.Unit != "" {
		// The unit sits on the axis itself, above its numbers.
		fmt.Fprintf(&b, `<text class="axis-unit" x="%d" y="%d" text-anchor="start" font-size="12" fill="#444">单位：%s</text>`, 4, 14, template.HTMLEscapeString(c.Unit))
	}
	zero := px(y(dZero))
	fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s" stroke="#555" stroke-width="1"/>`, padL, chartW-padR, zero, zero)
	for _, m := range c.Marks {
		if m >= 0 && m < len(c.Labels) {
			fmt.Fprintf(&b, `<rect x="%s" y="%d" width="2" height="6" fill="#c0392b"><title>%s</title></rect>`, px(x(m).Sub(decimal.NewFromInt(1))), chartH-padB+2, template.HTMLEscapeString(c.Labels[m]))
		}
	}
	ns := len(c.Series)
	for si, s := range c.Series {
		col := Colour(si)
		if c.Bars {
			bw := slot.Mul(decimal.RequireFromString("0.8")).DivRound(decimal.NewFromInt(int64(ns)), 4)
			if maxBar := decimal.NewFromInt(48); bw.GreaterThan(maxBar) {
				bw = maxBar
			}
			for i, v := range s.Values {
				if !v.Valid || i >= len(c.Labels) {
					continue
				}
				left := x(i).Sub(bw.Mul(decimal.NewFromInt(int64(ns))).Div(decimal.NewFromInt(2))).Add(bw.Mul(decimal.NewFromInt(int64(si))))
				top, bottom := y(v.Decimal), y(dZero)
				if top.GreaterThan(bottom) {
					top, bottom = bottom, top
				}
				fmt.Fprintf(&b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s %s: %s</title></rect>`,
					px(left), px(top), px(bw), px(bottom.Sub(top)), col,
					template.HTMLEscapeString(s.Name), template.HTMLEscapeString(c.Labels[i]), template.HTMLEscapeString(param.GroupDigits(v.Decimal.String())))
			}
			continue
		}
		var pts []string
		flush := func() {
			if len(pts) == 1 {
				xy := strings.Split(pts[0], ",")
				fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2" fill="%s"/>`, xy[0], xy[1], col)
			} else if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>`, col, strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for i, v := range s.Values {
			if !v.Valid || i >= len(c.Labels) {
				flush()
				continue
			}
			pts = append(pts, px(x(i))+","+px(y(v.Decimal)))
		}
		flush()
	}
	for i, r := range c.Refs {
		yy := px(y(r.Value))
		fmt.Fprintf(&b, `<line class="ref" x1="%d" x2="%d" y1="%s" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"><title>%s：%s %s</title></line>`,
			padL, chartW-padR, yy, yy, RefColour(i), template.HTMLEscapeString(r.Name), template.HTMLEscapeString(param.GroupDigits(r.Value.String())), template.HTMLEscapeString(c.Unit))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Row is one row of a chart's data table.
type Row struct {
	Label  string
	Values []string
}

// Table returns the chart's data, one row per x position.
func (c *Chart) Table() []Row {
	rows := make([]Row, len(c.Labels))
	for i, l := range c.Labels {
		rows[i].Label = l
		for _, s := range c.Series {
			v := ""
			if i < len(s.Values) && s.Values[i].Valid {
				v = s.Values[i].Decimal.String()
			}
			rows[i].Values = append(rows[i].Values, v)
		}
	}
	return rows
}

// RefLegend lists the reference lines with their colours and values.
func (c *Chart) RefLegend() []Option {
	out := make([]Option, len(c.Refs))
	for i, r := range c.Refs {
		out[i] = Option{Value: RefColour(i), Label: r.Name + " " + param.GroupDigits(r.Value.String()) + " " + c.Unit}
	}
	return out
}

// Legend lists the series with their colours.
func (c *Chart) Legend() []Option {
	out := make([]Option, len(c.Series))
	for i, s := range c.Series {
		out[i] = Option{Value: Colour(i), Label: s.Name}
	}
	return out
}
