package calc

import (
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Category is the row group of the statutory table a pollutant belongs to.
type Category string

const (
	CatAir     Category = "air"           // 表二 大气污染物
	CatWater1  Category = "water1"        // 表一 第一类水污染物 (top 5)
	CatWater2  Category = "water2"        // 表二 第二类水污染物 (其他类, top 3)
	CatSpecial Category = "water_special" // 表三 pH、色度、大肠菌群数、余氯量 (其他类)
	CatTable4  Category = "table4"        // 表四 禽畜养殖业、小型企业和第三产业
)

// Special says how a 表三 or 表四 item turns its inputs into 污染当量数.
type Special string

const (
	SpecialNone     Special = ""
	SpecialPH       Special = "ph"        // wastewater t ÷ value of the pH band
	SpecialColour   Special = "colour"    // wastewater t × 超标倍数 ÷ value
	SpecialColiform Special = "coliform"  // wastewater t ÷ value, only when exceeding
	SpecialChlorine Special = "chlorine"  // wastewater t ÷ value
	SpecialStock    Special = "livestock" // 月均存栏 ÷ value
	SpecialT4       Special = "table4"    // characteristic quantity ÷ value
)

// Pollutant is one row of 《应税污染物和当量值表》.
type Pollutant struct {
	ID       string // stable key, e.g. "air.1", "water2.13", "table4.pig"
	Category Category
	Seq      int
	Name     string   // statutory name as printed, e.g. 化学需氧量(CODcr)
	Aliases  []string // other accepted names: bare name, abbreviations
	Value    decimal.Decimal
	Unit     string // kg, t, head, bird, bed, t_wastewater
	Special  Special
	OneOf    string // group of which only one is levied per outlet
	// Threshold (表四): the item is taxable only when its characteristic
	// quantity is strictly above this figure; ThresholdOf names what is
	// compared ("stock" or "beds").
	Threshold   decimal.NullDecimal
	ThresholdOf string
	Order       int // position in the statutory table, used to break ties
	param.Meta
}

// Class reports whether the pollutant is taxed at the air or water rate.
func (p *Pollutant) Class() string {
	if p.Category == CatAir {
		return KindAir
	}
	return KindWater
}

// PHBand is one row of the pH bands of 表三, with the table note's
// interval reading (e.g. "5-6" is ≥5 and <6, "9-10" is >9 and ≤10).
type PHBand struct {
	Low, High                   decimal.Decimal
	LowInclusive, HighInclusive bool
	Value                       decimal.Decimal
	Label                       string
	param.Meta
}

// Contains reports whether pH v falls in the band.
func (b PHBand) Contains(v decimal.Decimal) bool { return b.contains(v) }

// contains is Contains without copying the band, comparing by the
// engine's fast path (decimal's Cmp rescales in big arithmetic: finding
// the bands was a sixth of assessing the Chongqing quarter).
func (b *PHBand) contains(v decimal.Decimal) bool {
	lo := cmp(v, b.Low)
	hi := cmp(v, b.High)
	okLo := lo > 0 || (lo == 0 && b.LowInclusive)
	okHi := hi < 0 || (hi == 0 && b.HighInclusive)
	return okLo && okHi
}

// RateRule is one applicable amount (具体适用税额) decided by a province,
// for a class, optionally limited to pollutants, a facility type and
// zones. The most specific matching rule wins (see Tables.Rate).
type RateRule struct {
	Province     string // 2-digit code
	ProvinceName string
	Class        string   // air or water
	Pollutants   []string // pollutant IDs; empty with Group "" = all
	Group        Category // "water1": all class-1 water pollutants
	Facility     string   // "" or "centralized_treatment"
	Zones        []string // normalized region-code prefixes; empty = whole province
	Scope        string   // the scope as the decision words it
	Value        decimal.Decimal
	param.Meta
}

// RateRange is the legal range of 附表一 for a class.
type RateRange struct {
	Class    string
	Min, Max decimal.Decimal
	param.Meta
}

// Region is a GB/T 2260 code the parameter tables refer to.
type Region struct {
	Code string // 6 digits
	Name string
	param.Meta
}

// NoiseBand is one row of the noise table of 附表一.
type NoiseBand struct {
	MinDB, MaxDB int // MaxDB 0: open-ended
	Amount       decimal.Decimal
	param.Meta
}

// SolidWasteRate is the per-tonne amount of 附表一 for one waste.
type SolidWasteRate struct {
	Waste string
	Value decimal.Decimal
	param.Meta
}

// Scalar is one named parameter (a threshold, factor, count or reading
// choice) with its dated provenance.
type Scalar struct {
	Key   string
	Text  string          // as written, for choices such as "strict"
	Value decimal.Decimal // for numeric parameters
	Note  string
	param.Meta
}

// SourceFlag is a case a source may name: an exemption or "not a direct
// discharge" (Exemption), or a case in which 产生量 replaces 排放量 as the
// base (Penalty).
type SourceFlag struct {
	Code   string
	Reason string // Chinese text shown on the line
	Rule   string // citation
	Kinds  []string
	param.Meta
}

type (
	Exemption = SourceFlag
	Penalty   = SourceFlag
)

// HJ212Code maps a monitoring factor code to a statutory row.
type HJ212Code struct {
	Code        string
	Name        string
	PollutantID string // "" when the factor is not taxable
	Unit        string
	Note        string
	Source      string
}

// LivestockScale is a province's own scale standard (规模标准) for one row
// of 表四's livestock: a farm below it is not a scale farm and is not
// taxed (环境保护税法实施条例 第四条: 达到省级人民政府确定的规模标准).
type LivestockScale struct {
	Province    string // 2-digit province code
	PollutantID string // the 表四 livestock row
	MinStock    decimal.Decimal
	Note        string
	param.Meta
}

// Tables is every parameter the engine reads. It is filled by the
// fixtures package and checked there; the engine never changes it.
type Tables struct {
	Pollutants []*Pollutant
	PHBands    []PHBand
	Rates      []RateRule
	RateRanges []RateRange
	Regions    []Region
	NoiseBands []NoiseBand
	SolidWaste []SolidWasteRate
	Scalars    []Scalar
	Exemptions []Exemption
	Penalties  []Penalty
	HJ212      []HJ212Code
	// LivestockScales are the provinces' own scale standards (may be empty).
	LivestockScales []LivestockScale
}
