package budget

import (
	"encoding/json"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Result is a budget: the base and each scenario, side by side.
type Result struct {
	Region     string       `json:"region"`
	RegionName string       `json:"region_name,omitempty"`
	Year       int          `json:"year"`
	Currency   string       `json:"currency"`
	Streams    []StreamInfo `json:"streams"`
	Months     []string     `json:"months"`
	Districts  []string     `json:"districts"`
	// Outcomes holds the base first, then each scenario in request order.
	Outcomes []*Outcome `json:"outcomes"`
	// Coverage says, per taxpayer and month, which basis the tax used.
	Coverage []Coverage `json:"tax_coverage"`
	// Unverified: some figure of some outcome rests on an unverified figure.
	Unverified bool      `json:"unverified"`
	Warnings   []Warning `json:"warnings"`
}

// Outcome is the base or one scenario.
type Outcome struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Base    bool     `json:"base"`
	Changes []string `json:"changes"` // what the scenario changes, in words
	Lines   []Line   `json:"lines"`
	// Cells are the sums per month, district and stream (only non-empty ones).
	Cells      []Cell `json:"cells"`
	ByMonth    []Row  `json:"by_month"`
	ByDistrict []Row  `json:"by_district"`
	Total      Row    `json:"total"`
	// VsBase is Total minus the base's Total (scenarios only).
	VsBase     *Row `json:"vs_base,omitempty"`
	Unverified bool `json:"unverified"`
}

// Line is one figure of an outcome: one taxpayer-month of tax, one damage
// receipt, one pair-period of eco-compensation seen from one district,
// one fee bill month. Its ID is the same in every outcome.
type Line struct {
	ID           string              `json:"id"`
	Stream       string              `json:"stream"`
	District     string              `json:"district"`
	Month        string              `json:"month"`
	Amount       decimal.NullDecimal `json:"amount"` // null: unknown (see basis and text)
	Basis        string              `json:"basis"`
	Ref          string              `json:"ref"`                    // the stored input behind the line
	Counterparty string              `json:"counterparty,omitempty"` // eco-compensation: the other party
	Partial      bool                `json:"partial,omitempty"`      // the amount covers only part of what is due
	Unverified   bool                `json:"unverified"`
	Text         string              `json:"text"` // how the amount was found, with the figures
}

// Cell sums the lines of one month, district and stream.
type Cell struct {
	Month      string          `json:"month"`
	District   string          `json:"district"`
	Stream     string          `json:"stream"`
	Amount     decimal.Decimal `json:"amount"`
	Lines      int             `json:"lines"`
	Missing    int             `json:"missing"` // lines without an amount
	Partial    int             `json:"partial"`
	Unverified bool            `json:"unverified"`
}

// Row is one row of a summary: the streams, the net, and how complete it is.
type Row struct {
	Key        string          `json:"key"` // a month, a district, or "total"
	Tax        decimal.Decimal `json:"tax"`
	Damage     decimal.Decimal `json:"damage"`
	EcoIn      decimal.Decimal `json:"ecocomp_receipts"`
	EcoOut     decimal.Decimal `json:"ecocomp_payments"`
	Fees       decimal.Decimal `json:"fees"`
	Net        decimal.Decimal `json:"net"` // tax + damage + receipts − payments + fees
	Missing    int             `json:"missing"`
	Partial    int             `json:"partial"`
	Unverified bool            `json:"unverified"`
}

// Stream returns the amount of one stream.
func (r *Row) Stream(id string) decimal.Decimal {
	switch id {
	case StreamTax:
		return r.Tax
	case StreamDamage:
		return r.Damage
	case StreamEcoIn:
		return r.EcoIn
	case StreamEcoOut:
		return r.EcoOut
	case StreamFees:
		return r.Fees
	}
	return decimal.Zero
}

func (r *Row) add(stream string, v decimal.Decimal) {
	switch stream {
	case StreamTax:
		r.Tax = r.Tax.Add(v)
	case StreamDamage:
		r.Damage = r.Damage.Add(v)
	case StreamEcoIn:
		r.EcoIn = r.EcoIn.Add(v)
	case StreamEcoOut:
		r.EcoOut = r.EcoOut.Add(v)
	case StreamFees:
		r.Fees = r.Fees.Add(v)
	}
}

func (r *Row) net() {
	r.Net = r.Tax.Add(r.Damage).Add(r.EcoIn).Sub(r.EcoOut).Add(r.Fees)
}

// Coverage is the tax basis of one taxpayer-month.
type Coverage struct {
	CreditCode string   `json:"credit_code"`
	Name       string   `json:"name"`
	District   string   `json:"district"`
	Month      string   `json:"month"`
	Basis      string   `json:"basis"`
	Refs       []string `json:"refs"`
	Monitoring string   `json:"monitoring"`
	Uncovered  []string `json:"uncovered"`
	Unverified bool     `json:"unverified"`
	Note       string   `json:"note,omitempty"`
}

// Amounts are written as param.Money: two decimals when the figure has at
// most two (7000000 → "7000000.00"), exactly otherwise (a fee may carry
// more; nothing is rounded). The fields stay decimals, for the sums.

// MarshalJSON writes the row's amounts as money.
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row
	return json.Marshal(struct {
		plain
		Tax    param.Money `json:"tax"`
		Damage param.Money `json:"damage"`
		EcoIn  param.Money `json:"ecocomp_receipts"`
		EcoOut param.Money `json:"ecocomp_payments"`
		Fees   param.Money `json:"fees"`
		Net    param.Money `json:"net"`
	}{plain(r), param.MoneyOf(r.Tax), param.MoneyOf(r.Damage), param.MoneyOf(r.EcoIn), param.MoneyOf(r.EcoOut), param.MoneyOf(r.Fees), param.MoneyOf(r.Net)})
}

// MarshalJSON writes the cell's amount as money.
func (c Cell) MarshalJSON() ([]byte, error) {
	type plain Cell
	return json.Marshal(struct {
		plain
		Amount param.Money `json:"amount"`
	}{plain(c), param.MoneyOf(c.Amount)})
}

// MarshalJSON writes the line's amount as money, or null when unknown.
func (l Line) MarshalJSON() ([]byte, error) {
	type plain Line
	return json.Marshal(struct {
		plain
		Amount param.NullMoney `json:"amount"`
	}{plain(l), param.NullMoney{NullDecimal: l.Amount}})
}
