package calc

import (
	"sync"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Result is a tax assessment (see the contract). Totals are sums of lines.
type Result struct {
	Taxpayer       Taxpayer
	Region         string
	Period         string
	Rounding       Rounding
	TotalTaxDue    decimal.Decimal
	TotalReduction decimal.Decimal
	TotalTax       decimal.Decimal
	Lines          []Line
	Months         []MonthTotal
	Parameters     []ParamUse
	Warnings       []Warning
	// trace holds the steps as computed; Steps renders them.
	trace []Step
	// untraced: assessed for TraceNone, without a trace; rates then
	// holds each line's rate row (nil for none or a what-if rate), which
	// the trace's tax-due steps hold otherwise.
	untraced bool
	rates    []*RateRule
	// paramUses is the row of each of Parameters; paramIndex gives
	// each row's index when there are many (see paramAt).
	paramUses  []paramUse
	paramIndex map[*param.Meta]int
	// released: in resultPool (Release), until an assessment takes it.
	released bool
}

// Release hands the result back for the next assessments: its lines and
// the storage of its lists (months, parameters, warnings, trace) serve
// the next result (a batch assesses one declaration after another, and
// making and zeroing them afresh each time was a fifth of assessing). The
// caller promises that nothing reads r, its lines, its lists or anything
// taken from them afterwards, and calls Release once (a second call
// before the next assessment does nothing); whoever does not call it
// loses nothing. Decimals taken from the result stay valid: their digits
// are never reused.
func (r *Result) Release() {
	if r == nil || r.released || r.Lines == nil || cap(r.Lines) > maxPooled {
		return
	}
	// Only lines[:len] were ever written: newLine fills the slots in
	// order, so after this the whole array is zero again. The other lists
	// are cleared so that a pooled result keeps nothing else alive, but
	// for the parameters: each is an engine's row as it rendered it
	// (ParamUse.text) and a region code, and the next result that names
	// the same row in the same place needs not copy it again (finish).
	clear(r.Lines)
	clear(r.Months)
	clear(r.Warnings)
	clear(r.trace)
	clear(r.paramUses)
	clear(r.paramIndex)
	*r = Result{
		Lines: r.Lines[:0], Months: r.Months[:0], Parameters: r.Parameters[:0], Warnings: r.Warnings[:0],
		trace: r.trace[:0], rates: r.rates[:0], paramUses: r.paramUses[:0], paramIndex: r.paramIndex,
		released: true,
	}
	resultPool.Put(r)
}

// maxPooled is the most lines (or pollutant inputs) a pooled result may
// hold: an unusually large request's memory is not kept.
const maxPooled = 4096

// resultPool keeps released results: zero but for the storage of their
// lists, each of length 0, and the lines zero.
var resultPool sync.Pool

// newResult returns a zero result whose lines have capacity n or more,
// with a released result's storage when there is one.
func newResult(n int) *Result {
	if r, _ := resultPool.Get().(*Result); r != nil {
		r.released = false
		if cap(r.Lines) < n {
			r.Lines = make([]Line, 0, n)
		}
		return r
	}
	return &Result{Lines: make([]Line, 0, n)}
}

// Line is one input item, taxed or not.
type Line struct {
	Source    string
	Month     string
	Kind      string
	Pollutant string // statutory name, or the noise period / waste / item
	Path      string // JSON path of the input item
	Group     string // ranking group: "air", "water1", "water_other"; "" when not ranked
	Fugitive  bool

	Quantity        decimal.Decimal // emission kg, wastewater t, exceed dB, taxable t, …
	Unit            string
	EquivalentValue decimal.NullDecimal
	Equivalents     decimal.NullDecimal // as shown (2 dp, or 4 dp in exact mode)

	Rank   int // 1-based within its group; 0 when not ranked
	Taxed  bool
	Reason string

	Rate            decimal.NullDecimal
	TaxDue          decimal.Decimal
	ReductionFactor decimal.NullDecimal // share still paid: 0.75 or 0.5
	Reduction       decimal.Decimal
	Tax             decimal.Decimal

	Rules []string
	// Noise detail.
	ExceedDB   decimal.NullDecimal
	Halved     bool
	Doubled    bool
	Unverified bool // a figure behind this line is not verified
	// Detail holds what only a few lines have (pH value, 色度 multiple,
	// hazardous-waste class); nil for the others, so that the common
	// line stays small.
	Detail *LineDetail

	// exact equivalents as a fraction num/den, kept for ranking and for
	// the exact rounding mode.
	num, den decimal.Decimal
	pol      *Pollutant
	in       *PollutantInput
	order    int
	exceeded bool
	// exceedWhy says, for the trace, what made an item exceed its
	// standard when the concentrations do not show it (pH, 色度, …).
	exceedWhy string
	noise     *noiseDetail // noise lines only
}

// LineDetail is the printout detail of a line (docs/contract.md): the pH
// value of a pH line, the 色度 exceedance multiple (shown to 4 decimals;
// the tax uses the exact fraction), the hazardous-waste class a 危险废物
// line was declared with.
type LineDetail struct {
	PHValue        decimal.NullDecimal
	ColourMultiple decimal.NullDecimal
	HazardousClass string
}

// noiseDetail is what the boundary rule needs of a noise line: the
// exceedance before rounding, the days it exceeded, and how many points
// of its boundary exceeded (0 when not grouped).
type noiseDetail struct {
	diff        decimal.Decimal
	days, count int
}

// detail returns the line's detail, creating it on first use.
func (l *Line) detail() *LineDetail {
	if l.Detail == nil {
		l.Detail = &LineDetail{}
	}
	return l.Detail
}

// MonthTotal sums the lines of one tax month (法 第十八条: 按月计算).
type MonthTotal struct {
	Month     string
	TaxDue    decimal.Decimal
	Reduction decimal.Decimal
	Tax       decimal.Decimal
}

// ParamUse lists one parameter the result relied on.
type ParamUse struct {
	Key           string
	Region        string
	Value         string
	EffectiveFrom string
	EffectiveTo   string
	Source        string
	Verified      bool
	Confidence    string
	Where         string // fixture file:line, or "request"

	// text is the row's text as the engine rendered it at start-up:
	// Source encoded as a JSON string, and the whole object written but
	// for the region (nil when not made by the engine). The writer
	// trusts that a result's parameters are not changed.
	text *paramText
}

// Warning is something the reader must know that is not an error: an
// unverified figure, a what-if override outside the legal range, a
// reading the law leaves open.
type Warning struct {
	Code    string
	Message string
	Path    string

	messageJSON []byte // Message already encoded, for the fixed ones
}
