package filing

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// A reconciliation assesses every taxpayer twice, and writing each request
// as JSON only for calc.DecodeRequest to read it back was most of its cost.
// BuildDirect lays the declaration out exactly as BuildRequestWith does and
// hands the engine the calc.Request that DecodeRequest would have read
// from that JSON: the same strings (invalid UTF-8 replaced as
// encoding/json does), the same decimals (as parsed from their text, so
// 100.0 becomes 100), the same paths. Where the decoder would refuse the
// request (a negative amount, an unknown kind or method, a missing noise
// reading …) there is no direct request and Request goes through the JSON,
// so the refusal is the decoder's own, word for word. request_direct_test.go
// checks both halves on the golden declarations and on generated ones.

// BuildDirect is BuildRequestWith without the JSON: Built.JSON stays nil
// (Request writes it only when the decoder must speak).
func BuildDirect(tp *Taxpayer, per Period, sources map[int64]*Source, figs []Figure, penalties map[FigureKey]PenaltyBase) (*Built, []calc.FieldError) {
	b, errs := build(tp, per, sources, figs, penalties)
	if len(errs) > 0 {
		return nil, errs
	}
	b.req = directRequest(b.doc)
	return b, nil
}

// Request returns the request the engine assesses: BuildDirect's, or
// calc.DecodeRequest of the JSON (written first if need be), whose error
// is the contract's rejection of the request.
func (b *Built) Request() (*calc.Request, error) {
	if b.req != nil {
		return b.req, nil
	}
	if b.JSON == nil {
		if err := b.marshal(); err != nil {
			return nil, err
		}
	}
	return calc.DecodeRequest(b.JSON)
}

// Direct reports whether Request returns the request built directly.
func (b *Built) Direct() bool { return b.req != nil }

// directRequest is calc.DecodeRequest(json.Marshal(doc)), or nil where the
// decoder would report a fault. It follows calc/decode.go (readRequest,
// readSource, readPollutant, readNoisePeriod) for the fields a reqDoc can
// carry.
func directRequest(doc *reqDoc) *calc.Request {
	req := &calc.Request{
		Rounding: calc.PerLine2dp,
		Taxpayer: calc.Taxpayer{CreditCode: jsonText(doc.Taxpayer.CreditCode), Name: jsonText(doc.Taxpayer.Name)},
		Region:   jsonText(doc.Region),
	}
	if req.Region != "" && !sixDigits(req.Region) {
		return nil
	}
	if p := jsonText(doc.Period); p != "" {
		per, msg := calc.ParsePeriod(p)
		if msg != "" {
			return nil
		}
		req.Period = per
	}
	if len(doc.Sources) == 0 {
		return nil
	}
	d := directReader{ok: true}
	req.Sources = make([]calc.Source, len(doc.Sources))
	for i := range doc.Sources {
		d.source(&req.Sources[i], &doc.Sources[i])
		if !d.ok {
			return nil
		}
	}
	return req
}

// directReader converts one request; ok turns false at the first value
// the decoder would refuse.
type directReader struct {
	ok bool
	// The last month read: a request has few, repeated source by source.
	monthText string
	month     calc.Month
}

// Fields a request source may carry (calc/decode.go sourceFields), as bits.
const (
	fFugitive = 1 << iota
	fPenalty
	fWastewater
	fPollutants
	fDay
	fNight
	fBoundary
	fWaste
	fGenerated
	fStored
	fDisposed
	fUtilized
	fSpecies
	fStockStart
	fStockEnd
	fItem
	fQuantity
)

var allowedFields = map[string]int{
	KindAir:        fFugitive | fPollutants | fPenalty,
	KindWater:      fWastewater | fPollutants | fPenalty,
	KindNoise:      fDay | fNight | fBoundary,
	KindSolidWaste: fWaste | fGenerated | fStored | fDisposed | fUtilized | fPenalty,
	KindLivestock:  fSpecies | fStockStart | fStockEnd,
	KindSampling:   fItem | fQuantity,
}

// present lists the fields json.Marshal writes for rs (the omitempty ones
// that are set; id, kind and month are always written).
func present(rs *reqSource) int {
	m := 0
	set := func(cond bool, bit int) {
		if cond {
			m |= bit
		}
	}
	set(rs.Fugitive, fFugitive)
	set(rs.Penalty != "", fPenalty)
	set(rs.WastewaterT != nil, fWastewater)
	set(len(rs.Pollutants) > 0, fPollutants)
	set(rs.Day != nil, fDay)
	set(rs.Night != nil, fNight)
	set(rs.Boundary, fBoundary)
	set(rs.Waste != "", fWaste)
	set(rs.GeneratedT != nil, fGenerated)
	set(rs.StoredT != nil, fStored)
	set(rs.DisposedT != nil, fDisposed)
	set(rs.UtilizedT != nil, fUtilized)
	set(rs.Species != "", fSpecies)
	set(rs.StockStart != nil, fStockStart)
	set(rs.StockEnd != nil, fStockEnd)
	set(rs.Item != "", fItem)
	set(rs.Quantity != nil, fQuantity)
	return m
}

func (d *directReader) source(s *calc.Source, rs *reqSource) {
	s.Path = rs.path
	s.Kind = jsonText(rs.Kind)
	allowed, known := allowedFields[s.Kind]
	if !known || present(rs)&^allowed != 0 {
		d.ok = false // unknown kind, or unknown_field
		return
	}
	s.ID = jsonText(rs.ID)
	if strings.TrimSpace(s.ID) == "" {
		d.ok = false
		return
	}
	s.MonthRaw = jsonText(rs.Month)
	s.Month = d.parseMonth(s.MonthRaw)
	s.Penalty = jsonText(rs.Penalty)
	switch s.Kind {
	case KindAir, KindWater:
		s.Fugitive = rs.Fugitive
		s.WastewaterT = d.amount(rs.WastewaterT)
		if len(rs.Pollutants) == 0 {
			d.ok = false
			return
		}
		s.Pollutants = make([]calc.PollutantInput, len(rs.Pollutants))
		for j := range rs.Pollutants {
			d.pollutant(&s.Pollutants[j], &rs.Pollutants[j])
		}
	case KindNoise:
		s.Day = d.noise(rs.Day, rs.path+".day")
		s.Night = d.noise(rs.Night, rs.path+".night")
		if s.Day == nil && s.Night == nil {
			d.ok = false
		}
		s.BoundaryOver100mMultiplePoints = rs.Boundary
	case KindSolidWaste:
		s.Waste = d.required(rs.Waste)
		s.GeneratedT = d.requiredAmount(rs.GeneratedT)
		s.StoredT = d.amount(rs.StoredT)
		s.DisposedT = d.amount(rs.DisposedT)
		s.UtilizedT = d.amount(rs.UtilizedT)
	case KindLivestock:
		s.Species = d.required(rs.Species)
		s.StockStart = d.requiredAmount(rs.StockStart)
		s.StockEnd = d.requiredAmount(rs.StockEnd)
	case KindSampling:
		s.Item = d.required(rs.Item)
		s.Quantity = d.requiredAmount(rs.Quantity)
	}
}

// contractMethods are the methods readPollutant accepts.
var contractMethods = []string{"automatic", "monitoring", "self_monitoring", "factor", "material_balance", "sampling"}

func (d *directReader) pollutant(p *calc.PollutantInput, rp *reqPollutant) {
	p.Path = rp.path
	p.Name = strings.TrimSpace(jsonText(rp.Name)) // name is always written, so never "required"
	p.EmissionKg = d.amount(rp.EmissionKg)
	p.GeneratedKg = d.amount(rp.GeneratedKg)
	if p.Method = jsonText(rp.Method); p.Method != "" && !oneOf(p.Method, contractMethods) {
		d.ok = false
	}
	p.AvgConcentration = d.amount(rp.AvgConcentration)
	p.MaxConcentration = d.amount(rp.MaxConcentration)
	p.StandardConcentration = d.amount(rp.StandardConcentration)
	if p.StandardConcentration.Valid && p.StandardConcentration.Decimal.IsZero() {
		d.ok = false
	}
	p.Value = d.amount(rp.Value)
	p.Measured = d.amount(rp.Measured)
	p.Standard = d.amount(rp.Standard)
}

func (d *directReader) noise(n *reqNoise, path string) *calc.NoisePeriod {
	if n == nil {
		return nil
	}
	lim := d.amount(&n.LimitDB)
	meas := d.requiredAmount(n.MeasuredDB)
	if n.ExceedDays == nil || *n.ExceedDays < 0 || *n.ExceedDays > 31 {
		d.ok = false
		return nil
	}
	return &calc.NoisePeriod{Path: path, LimitDB: lim.Decimal, MeasuredDB: meas.Decimal, ExceedDays: *n.ExceedDays}
}

// required is a string the decoder wants non-empty (requiredStr).
func (d *directReader) required(s string) string {
	s = jsonText(s)
	if s == "" {
		d.ok = false
	}
	return s
}

func (d *directReader) requiredAmount(v *decimal.Decimal) decimal.NullDecimal {
	if v == nil {
		d.ok = false
		return decimal.NullDecimal{}
	}
	return d.amount(v)
}

// parseMonth reads YYYY-MM as the decoder does (calc/decode.go
// parseMonth, the same steps).
func (d *directReader) parseMonth(s string) calc.Month {
	if s == d.monthText && s != "" {
		return d.month
	}
	if len(s) != 7 || s[4] != '-' {
		d.ok = false
		return 0
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || y < 2018 || y > 2999 || m < 1 || m > 12 || s[5] == '+' || s[5] == '-' {
		d.ok = false
		return 0
	}
	d.monthText, d.month = s, calc.Month(y*100+m)
	return d.month
}

// amount is what calc.ParseAmount reads from the text json.Marshal writes
// for v (its String()), without writing the text when the coefficient
// fits an int64 (every real figure).
func (d *directReader) amount(v *decimal.Decimal) decimal.NullDecimal {
	if v == nil {
		return decimal.NullDecimal{}
	}
	x, ok := ContractAmount(*v)
	if !ok {
		d.ok = false
		return decimal.NullDecimal{}
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

// sixDigits is the decoder's region check (a GB/T 2260 code).
func sixDigits(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < 6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
