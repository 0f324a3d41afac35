// Package budget computes what a region's finance bureau (财政) can expect
// in a year from the environmental money streams, by month and district:
// the environmental protection tax (环境保护税) from stored declarations or,
// where a declaration is missing, from monitoring; ecological-environment
// damage compensation receipts (生态环境损害赔偿金); horizontal ecological
// compensation receipts and payments (横向生态保护补偿); and the revenue of
// differentiated fees (差别化收费). Scenarios (a rate change, an emission
// trend, another scheme or schedule) are computed beside the base.
//
// The package is pure arithmetic over inputs handed to it: no SQL, no HTTP,
// no files, no clock. Every figure is an exact decimal, every line says
// where it came from (a declaration, a monitored month, a case, a settlement,
// a bill) and whether it rests on an unverified figure; a taxpayer-month with
// no basis is a line without an amount, never a silent zero.
package budget

import (
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/explain"
	"github.com/ecotax/ecotax/calc/fees"
)

// Streams of money a budget shows. Payments are the one outflow.
const (
	StreamTax     = "tax"              // 环境保护税
	StreamDamage  = "damage"           // 生态环境损害赔偿金
	StreamEcoIn   = "ecocomp_receipts" // 生态补偿资金收入
	StreamEcoOut  = "ecocomp_payments" // 生态补偿资金支出
	StreamFees    = "fees"             // 差别化收费收入
	streamMissing = ""
)

// StreamInfo names a stream.
type StreamInfo struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Outflow bool   `json:"outflow"` // subtracted in the net
}

// Streams lists the streams in the order every table shows them.
var Streams = []StreamInfo{
	{StreamTax, "环境保护税", false},
	{StreamDamage, "生态环境损害赔偿金", false},
	{StreamEcoIn, "生态补偿资金收入", false},
	{StreamEcoOut, "生态补偿资金支出", true},
	{StreamFees, "差别化收费收入", false},
}

// Bases of a tax month.
const (
	BasisDeclaration = "declaration" // 申报: the declared tax of the month
	BasisMonitoring  = "monitoring"  // 自动监测: an estimate from monitored figures
	BasisNone        = "none"        // nothing to go on: the amount is unknown
)

// Bases of a damage receipt.
const (
	BasisSettlement = "settlement" // an agreed or adjudged amount (磋商协议, 判决)
	BasisClaim      = "claim"      // a claim not yet settled: the amount claimed
)

// Calculators are the pure engines a budget runs.
type Calculators struct {
	Engine  *calc.Engine
	Fees    *fees.Catalog
	Ecocomp *ecocomp.Catalog
	Damage  *damage.Params // to check and quantify recorded claims
}

// Input is everything a budget is computed from.
type Input struct {
	Region     string // GB/T 2260 code of the budget's region
	RegionName string
	Year       int
	Taxpayers  []Taxpayer
	Damage     []DamageCase
	Ecocomp    []EcoSettlement
	Fees       []FeeBill
	// Notes are facts about the inputs the reader must know (e.g. how
	// monitoring was looked up); they become warnings of the result.
	Notes []Warning
}

// Taxpayer is one taxpayer of the region with its tax months of the year.
type Taxpayer struct {
	CreditCode string
	Name       string
	District   string // the taxpayer's GB/T 2260 code
	Months     []TaxMonth
}

// TaxMonth is what is known about one taxpayer's tax for one month.
type TaxMonth struct {
	Path  string // where this month came from, for error messages
	Month string // YYYY-MM
	Basis string // BasisDeclaration, BasisMonitoring or BasisNone
	// Declared is the declared tax of the month (declaration basis), the
	// sum over the declarations that hold the month.
	Declared decimal.NullDecimal
	// Refs name the declarations or monitored figures used.
	Refs []string
	// Requests are the month's figures as tax requests (one per
	// declaration, or one built from monitoring), recomputed under each
	// scenario. Empty for BasisNone.
	Requests []*calc.Request
	// Unverified: the declared or monitored figures rest on an unverified
	// parameter or figure.
	Unverified bool
	// Monitoring says what the monitoring lookup gave, for months without
	// a declaration: "used", "unavailable: …", "no figures for the month".
	Monitoring string
	// Uncovered lists registered sources the month's basis does not cover
	// (monitoring covers air and water outlets only).
	Uncovered []string
	Note      string
}

// DamageCase is a recorded damage compensation case with its expected or
// received payments (赔偿金) to the treasury.
type DamageCase struct {
	ID              string
	District        string
	Case            string
	ClaimTotal      decimal.NullDecimal // computed by calc/damage when recorded
	ClaimUnverified bool
	Settled         decimal.NullDecimal // the agreed or adjudged amount, once there is one
	SettledOn       string
	Receipts        []Receipt
}

// Receipt is one payment of a damage case.
type Receipt struct {
	Path     string
	Month    string // YYYY-MM
	Amount   decimal.Decimal
	Received bool // true: received; false: expected
}

// EcoSettlement is a recorded ecological compensation settlement request
// for a year, with the region code of each party.
type EcoSettlement struct {
	ID      string
	Request *ecocomp.Request
	Parties map[string]string // party as written → GB/T 2260 code
}

// FeeBill is a recorded expectation of a fee: one schedule, one payer,
// quantities by month.
type FeeBill struct {
	ID          string
	District    string
	Payer       string
	Schedule    string // id or id@version
	Inputs      map[string]string
	PartialStep string
	Months      []FeeMonth
}

// FeeMonth is one month of a fee bill.
type FeeMonth struct {
	Path     string
	Month    string // YYYY-MM; the fee is owed for its first day unless Date says otherwise
	Date     string // YYYY-MM-DD inside the month, optional
	Quantity decimal.Decimal
}

// Scenario is a what-if beside the base.
type Scenario struct {
	Path  string
	ID    string
	Title string
	// Rates replace the applicable amount of a class (air, water) for the
	// months From..To (inclusive; empty = open).
	Rates []RateChange
	// Trends scale quantities by (100 + x) %: air, water and solid_waste
	// the taxable emissions, fees the billed quantities.
	Trends map[string]decimal.Decimal
	// Schemes replace an eco-compensation scheme by another (id → id).
	Schemes map[string]string
	// Schedules replace a fee schedule (id → id or id@version).
	Schedules map[string]string
}

// RateChange is one rates override of a scenario.
type RateChange struct {
	Path  string
	Class string // air or water
	Value decimal.Decimal
	From  string // YYYY-MM, "" = from the start of the year
	To    string // YYYY-MM, "" = to the end of the year
}

// Trend keys.
const (
	TrendAir        = "air"
	TrendWater      = "water"
	TrendSolidWaste = "solid_waste"
	TrendFees       = "fees"
)

// Warning is the project's one warning (calc/explain); Ref names the
// record it concerns.
type Warning = explain.Warning
