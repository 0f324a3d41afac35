package calc

import (
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Request is a decoded tax assessment request (see the contract,
// docs/contract.md). Every number is already an exact decimal; every field
// keeps the JSON path it came from so later checks can name it.
type Request struct {
	Taxpayer       Taxpayer
	Region         string // GB/T 2260 code, 6 digits; "" when not given
	Period         Period
	Rounding       Rounding
	Rates          ClassRates     // what-if overrides by class
	PollutantRates []RateOverride // what-if overrides by pollutant
	Policy         Policy         // what-if overrides of reading choices
	Sources        []Source
}

// Taxpayer identifies who declares; the engine only echoes it.
type Taxpayer struct {
	CreditCode string
	Name       string
}

// ClassRates are optional air and water overrides (元 per 污染当量).
type ClassRates struct {
	Air, Water decimal.NullDecimal
}

// RateOverride replaces the applicable amount of one pollutant.
type RateOverride struct {
	Name  string
	Value decimal.Decimal
	Path  string
}

// Policy carries optional what-if overrides of the two readings the law
// leaves open; empty strings mean "as the parameter tables say".
type Policy struct {
	ReductionBoundary string // "strict" or "inclusive"
	ExceedScope       string // "taxpayer", "outlet" or "pollutant"
}

// Rounding is the rounding convention of a result.
type Rounding string

const (
	// PerLine2dp rounds 污染当量数 to 2 decimals, ranks by the rounded
	// value, then rounds each tax line to 分 (the textbook convention).
	PerLine2dp Rounding = "per_line_2dp"
	// Exact keeps every intermediate exact and rounds only money, once.
	Exact Rounding = "exact"
)

// PeriodKind tells how a declaration period was written.
type PeriodKind int

const (
	PeriodNone    PeriodKind = iota // no period: each source's month stands alone
	PeriodMonth                     // YYYY-MM
	PeriodQuarter                   // YYYY-Qn, declared quarterly (法 第十八条)
	PeriodOnce                      // YYYY-MM-DD, 按次申报
)

// Period is the declaration period.
type Period struct {
	Kind  PeriodKind
	Text  string
	Year  int
	First int // first month (1-12) inside the period
	Last  int // last month
	Day   int // for PeriodOnce
}

// Contains reports whether month m (yyyymm) falls inside the period.
func (p Period) Contains(m Month) bool {
	if p.Kind == PeriodNone {
		return true
	}
	return m.Year() == p.Year && m.Num() >= p.First && m.Num() <= p.Last
}

// Months lists the tax months (税款所属月份) of the period as YYYY-MM.
func (p Period) Months() []string {
	ms := make([]string, 0, p.Last-p.First+1)
	for m := p.First; m <= p.Last; m++ {
		ms = append(ms, Month(p.Year*100+m).String())
	}
	return ms
}

// HasMonth reports whether month YYYY-MM lies in the period.
func (p Period) HasMonth(month string) bool {
	m, ok := parseMonth(month)
	return ok && p.Kind != PeriodNone && p.Contains(m)
}

// Start and End are the first and last day of the period.
func (p Period) Start() param.Date {
	if p.Kind == PeriodOnce {
		return param.NewDate(p.Year, p.First, p.Day)
	}
	return param.NewDate(p.Year, p.First, 1)
}

func (p Period) End() param.Date {
	if p.Kind == PeriodOnce {
		return param.NewDate(p.Year, p.First, p.Day)
	}
	return param.NewDate(p.Year, p.Last, param.DaysIn(p.Year, p.Last))
}

// Month is a tax month encoded as yyyymm.
type Month int

func (m Month) Year() int { return int(m) / 100 }
func (m Month) Num() int  { return int(m) % 100 }

// Source kinds.
const (
	KindAir        = "air"
	KindWater      = "water"
	KindNoise      = "noise"
	KindSolidWaste = "solid_waste"
	KindLivestock  = "livestock"
	KindSampling   = "sampling"
)

// Source is one outlet, fugitive source, noise source, solid-waste stream,
// farm or sampled small discharger, for one month.
type Source struct {
	Path     string // "sources[3]"
	ID       string
	Kind     string
	MonthRaw string
	Month    Month
	Fugitive bool // 无组织排放: ranked on its own, like an outlet

	// Exemption (法 第十二条) or "not a direct discharge" (法 第四条) flag;
	// see the Exemptions table. Empty: none claimed.
	Exemption string
	// Penalty names the 实施条例 第六条/第七条 case that makes 产生量 the
	// base; empty when none applies.
	Penalty string
	// Facility is "centralized_treatment" for a 城乡污水集中处理场所 or a
	// household-garbage site that exceeded the standard (法 第五条).
	Facility string

	// Air and water.
	WastewaterT decimal.NullDecimal
	Pollutants  []PollutantInput

	// Noise.
	Day, Night                     *NoisePeriod
	BoundaryOver100mMultiplePoints bool
	// Boundary names the unit's boundary (单位边界) the point is on; the
	// points of one boundary in a month are taxed on the highest only
	// (附表一 噪声 注1). "" keeps the source on its own.
	Boundary string
	// BoundaryLengthM is the length of that boundary in metres: over 100
	// with two or more exceeding points counts two units.
	BoundaryLengthM decimal.NullDecimal

	// Solid waste.
	Waste                                     string
	HazardousClass                            string // 危险废物 class (e.g. HW08), echoed on the line
	GeneratedT, StoredT, DisposedT, UtilizedT decimal.NullDecimal

	// Livestock.
	Species              string
	StockStart, StockEnd decimal.NullDecimal
	// NoOutlet: the farm has no pollutant outlet (实施条例 第四条: only
	// scale farms with an outlet are taxed). false when not given (the
	// result says an outlet was assumed).
	NoOutlet, OutletGiven bool

	// Solid waste: DeductionsNotMeasured says the stored, disposed and
	// utilised amounts were not accurately measured (财税〔2018〕23号 三),
	// so none of them is deducted. DeductionsGiven tells whether the
	// declarant said either way.
	DeductionsNotMeasured, DeductionsGiven bool

	// Sampling (表四 small dischargers).
	Item     string
	Quantity decimal.NullDecimal
	Beds     decimal.NullDecimal
}

// PollutantInput is one pollutant line of an air or water source.
type PollutantInput struct {
	Path       string
	Name       string
	EmissionKg decimal.NullDecimal // or EmissionT, converted on decode
	EmissionT  decimal.NullDecimal
	// GeneratedKg is the 产生量 used as the base when the source carries a
	// Penalty (实施条例 第七条).
	GeneratedKg decimal.NullDecimal
	Method      string

	AvgConcentration      decimal.NullDecimal
	MaxConcentration      decimal.NullDecimal
	StandardConcentration decimal.NullDecimal
	// ExceedsStandard lets a declarant state an exceedance that the
	// concentrations do not show (e.g. one agency reading over the limit).
	ExceedsStandard bool
	// MonitoringMonth is the month whose monitoring data the figures come
	// from (monitoring_month, YYYY-MM); 0 when not given, which is read as
	// the tax month itself (the result says so). Agency data carried
	// forward from an earlier month give no reduction (实施条例 第十条:
	// 当月监测), and may not cross a quarter (财税〔2018〕117号 三).
	MonitoringMonthRaw string
	MonitoringMonth    Month
	// BelowDetectionLimit: the month's readings were below the method's
	// detection limit (财税〔2018〕117号 三); what that makes the emission
	// is the dated parameter monitoring.below_detection_limit.
	BelowDetectionLimit bool

	// Special water items (表三): pH value; 色度 measured and standard (or
	// the exceedance multiple directly); 大肠菌群数 measured/standard.
	Value          decimal.NullDecimal
	Measured       decimal.NullDecimal
	Standard       decimal.NullDecimal
	ExceedMultiple decimal.NullDecimal
}

// NoisePeriod is one of the two noise periods (昼 06–22, 夜 22–06).
type NoisePeriod struct {
	Path       string
	LimitDB    decimal.NullDecimal
	MeasuredDB decimal.NullDecimal
	ExceedDays int
	// ExceedDaysGiven tells a count of 0 from no count at all.
	ExceedDaysGiven bool
	// Night bursts (附表一 噪声 注5): "frequent" (频发) or "occasional"
	// (偶发), with the highest peak level of the month (最大声级).
	Burst  string
	PeakDB decimal.NullDecimal
}
