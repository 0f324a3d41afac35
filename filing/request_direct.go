package filing

import (
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// A reconciliation assesses every taxpayer twice, and writing each request
// as JSON only for calc.DecodeRequest to read it back was most of its cost.
// BuildDirect lays the declaration out exactly as BuildRequestWith does and
// hands the engine the calc.Request that DecodeRequest would read from that
// JSON: the same strings (invalid UTF-8 replaced as encoding/json does),
// the same decimals (as parsed from their text, so 100.0 becomes 100), the
// same paths. What the request must be is calc.Request.Validate's, the rule
// the decoder applies too, so a refusal is worded as the decoder words it
// without any JSON. request_direct_test.go checks both on the golden
// declarations and on generated ones.

// BuildDirect is BuildRequestWith without the JSON: Built.JSON stays nil.
func BuildDirect(tp *Taxpayer, per Period, sources map[int64]*Source, figs []Figure, penalties map[FigureKey]PenaltyBase) (*Built, []calc.FieldError) {
	b, errs := build(tp, per, sources, figs, penalties)
	if len(errs) > 0 {
		return nil, errs
	}
	b.req = directRequest(b.doc)
	return b, nil
}

// Request returns the request the engine assesses, or the contract's
// rejection of it (a *calc.Error of KindInvalid with request paths;
// TranslateError turns them into figure paths).
func (b *Built) Request() (*calc.Request, error) {
	if errs := b.Draft().Validate(); len(errs) > 0 {
		return nil, calc.Invalid(errs)
	}
	return b.req, nil
}

// Draft is the request as built, before Validate: for showing it to a
// person who will correct it (the pre-check page fills its form with it).
// The engine takes Request's.
func (b *Built) Draft() *calc.Request {
	if b.req == nil {
		b.req = directRequest(b.doc)
	}
	return b.req
}

// directRequest is the calc.Request DecodeRequest would read from
// json.Marshal(doc), checked or not. It follows calc/decode.go
// (readRequest, readSource, readPollutant, readNoisePeriod) for the fields
// a reqDoc can carry.
func directRequest(doc *reqDoc) *calc.Request {
	req := &calc.Request{
		Rounding: calc.PerLine2dp,
		Taxpayer: calc.Taxpayer{CreditCode: jsonText(doc.Taxpayer.CreditCode), Name: jsonText(doc.Taxpayer.Name)},
		Region:   jsonText(doc.Region),
	}
	if p := jsonText(doc.Period); p != "" {
		per, msg := calc.ParsePeriod(p)
		if msg != "" {
			per = calc.Period{Text: p} // Validate names it
		}
		req.Period = per
	}
	var d directReader
	req.Sources = make([]calc.Source, len(doc.Sources))
	for i := range doc.Sources {
		d.source(&req.Sources[i], &doc.Sources[i])
	}
	return req
}

// directReader converts one request, remembering the last month read: a
// request has few, repeated source by source.
type directReader struct {
	monthText string
	month     calc.Month
}

func (d *directReader) source(s *calc.Source, rs *reqSource) {
	s.Path = rs.path
	s.Kind = jsonText(rs.Kind)
	s.ID = jsonText(rs.ID)
	s.MonthRaw = jsonText(rs.Month)
	s.Month = d.parseMonth(s.MonthRaw)
	s.Penalty = jsonText(rs.Penalty)
	s.Fugitive = rs.Fugitive
	s.WastewaterT = amount(rs.WastewaterT)
	if len(rs.Pollutants) > 0 {
		s.Pollutants = make([]calc.PollutantInput, len(rs.Pollutants))
		for j := range rs.Pollutants {
			pollutant(&s.Pollutants[j], &rs.Pollutants[j])
		}
	}
	s.Day = noise(rs.Day, rs.path+".day")
	s.Night = noise(rs.Night, rs.path+".night")
	s.BoundaryOver100mMultiplePoints = rs.Boundary
	s.Waste = jsonText(rs.Waste)
	s.GeneratedT = amount(rs.GeneratedT)
	s.StoredT = amount(rs.StoredT)
	s.DisposedT = amount(rs.DisposedT)
	s.UtilizedT = amount(rs.UtilizedT)
	s.Species = jsonText(rs.Species)
	s.StockStart = amount(rs.StockStart)
	s.StockEnd = amount(rs.StockEnd)
	s.Item = jsonText(rs.Item)
	s.Quantity = amount(rs.Quantity)
}

func pollutant(p *calc.PollutantInput, rp *reqPollutant) {
	p.Path = rp.path
	p.Name = strings.TrimSpace(jsonText(rp.Name))
	p.EmissionKg = amount(rp.EmissionKg)
	p.GeneratedKg = amount(rp.GeneratedKg)
	p.Method = jsonText(rp.Method)
	p.AvgConcentration = amount(rp.AvgConcentration)
	p.MaxConcentration = amount(rp.MaxConcentration)
	p.StandardConcentration = amount(rp.StandardConcentration)
	p.Value = amount(rp.Value)
	p.Measured = amount(rp.Measured)
	p.Standard = amount(rp.Standard)
}

func noise(n *reqNoise, path string) *calc.NoisePeriod {
	if n == nil {
		return nil
	}
	np := &calc.NoisePeriod{Path: path, LimitDB: amount(&n.LimitDB), MeasuredDB: amount(n.MeasuredDB)}
	if n.ExceedDays != nil {
		np.ExceedDays, np.ExceedDaysGiven = *n.ExceedDays, true
	}
	return np
}

// parseMonth reads YYYY-MM as the decoder does; 0 when it is not one
// (Validate then says so).
func (d *directReader) parseMonth(s string) calc.Month {
	if s == d.monthText && s != "" {
		return d.month
	}
	m, ok := calc.ParseMonth(s)
	if !ok {
		return 0
	}
	d.monthText, d.month = s, m
	return m
}

// amount is what calc.ParseAmount reads from the text json.Marshal writes
// for v (its String()), without writing the text when the coefficient
// fits an int64 (every real figure). A value the contract refuses is kept
// as it is, for Validate to name.
func amount(v *decimal.Decimal) decimal.NullDecimal {
	if v == nil {
		return decimal.NullDecimal{}
	}
	x, ok := ContractAmount(*v)
	if !ok {
		x = *v
	}
	return decimal.NullDecimal{Decimal: x, Valid: true}
}

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
	10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000, 1000000000000000,
	10000000000000000, 100000000000000000, 1000000000000000000}

// ContractAmount is calc.ParseAmount(v.String()): v as the contract reads
// it back from its text (no trailing zeros after the point, zero as 0),
// and false where the contract refuses it (negative, more than 12
// decimals, above 1e15).
func ContractAmount(v decimal.Decimal) (decimal.Decimal, bool) {
	exp := v.Exponent()
	// NumDigits is cheap up to 2^53; 18 digits always fit an int64.
	if exp < -18 || exp > 18 || v.NumDigits() > 18 {
		return slowAmount(v)
	}
	c := v.CoefficientInt64()
	switch {
	case c < 0:
		return decimal.Decimal{}, false
	case c == 0:
		return decimal.New(0, 0), true
	}
	canon := true
	for exp < 0 && c%10 == 0 {
		c /= 10
		exp++
		canon = false
	}
	if exp > 0 {
		if c > (1<<63-1)/pow10[exp] {
			return slowAmount(v)
		}
		c *= pow10[exp]
		exp, canon = 0, false
	}
	// More than 12 decimals; above 1e15 (c·10^exp > 10^15, exp ≤ 0).
	if k := int(15 - exp); exp < -12 || k < len(pow10) && c > pow10[k] {
		return decimal.Decimal{}, false
	}
	if canon {
		return v, true // decimals are immutable: sharing the coefficient is safe
	}
	return decimal.New(c, exp), true
}

func slowAmount(v decimal.Decimal) (decimal.Decimal, bool) {
	x, msg := calc.ParseAmount(v.String())
	return x, msg == ""
}

// jsonText is s after a trip through encoding/json: every byte that is not
// part of valid UTF-8 becomes U+FFFD.
func jsonText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
