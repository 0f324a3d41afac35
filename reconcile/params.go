package reconcile

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// Keys of the dated reconciliation parameters
// (fixtures/reconcile/params.csv). No text of the law puts a number on
// "明显偏低" or on a tolerance, so most values are project defaults a tax
// bureau is expected to set; the file says so row by row.
const (
	// KeyTolerance: monitored above declared by more than this share of
	// the declared figure raises monitored_above_declared
	// (环境保护税法 第二十条; 实施条例 第二十一条).
	KeyTolerance = "monitored_above_declared.tolerance"
	// KeyYoYDrop: declared this month below (1 − share) × the same month
	// last year raises yoy_drop (实施条例 第二十二条 (一)).
	KeyYoYDrop = "yoy_drop.share"
	// KeyPeerRatio: emission per unit of output below this share of the
	// median of peers raises intensity_below_peers (实施条例 第二十二条 (二)).
	KeyPeerRatio = "peers.ratio"
	// KeyPeerMin: fewer peers than this and no peer comparison is made.
	KeyPeerMin = "peers.min_count"
	// KeyMinCompleteness: valid hours (days) below this share of the month
	// raises monitoring_incomplete.
	KeyMinCompleteness = "monitoring.min_completeness"
	// KeyPlaces: decimal places of the monthly means and completeness
	// (the monitor package rounds half up and traces it).
	KeyPlaces = "monthly.places"
	// KeyCouKg: kilograms per unit of a pollutant's -Cou total.
	KeyCouKg = "cou.kg_per_unit"
)

// Rule is one dated reconciliation parameter.
type Rule struct {
	Key   string
	Value decimal.Decimal
	Unit  string
	Rule  string // the article the rule comes from
	Note  string
	param.Meta
}

// Cite is how a flag or warning names the parameter: key = value
// (file:line, confidence).
func (r Rule) Cite() string {
	return fmt.Sprintf("%s = %s (%s, confidence %s)", r.Key, r.Value, r.Where(), r.Confidence)
}

// Params holds the rules; the fixtures package fills and checks them.
type Params struct {
	Rules []Rule
}

// Keys lists every key a complete parameter set has.
var Keys = []string{KeyTolerance, KeyYoYDrop, KeyPeerRatio, KeyPeerMin, KeyMinCompleteness, KeyPlaces, KeyCouKg}

// ParamKey names the rule for param.InForce.
func (r Rule) ParamKey() string { return r.Key }

// At finds the rule for key in force on day d.
func (p *Params) At(key string, d param.Date) (Rule, error) {
	return param.InForce(p.Rules, "reconciliation parameter", key, d)
}

// Set is the parameters in force on one day, looked up once.
type Set struct {
	Tolerance, YoYDrop, PeerRatio, PeerMin, MinCompleteness, Places, CouKg Rule
}

// On resolves every parameter for day d.
func (p *Params) On(d param.Date) (*Set, error) {
	s := &Set{}
	for _, x := range []struct {
		key string
		dst *Rule
	}{
		{KeyTolerance, &s.Tolerance}, {KeyYoYDrop, &s.YoYDrop}, {KeyPeerRatio, &s.PeerRatio},
		{KeyPeerMin, &s.PeerMin}, {KeyMinCompleteness, &s.MinCompleteness}, {KeyPlaces, &s.Places}, {KeyCouKg, &s.CouKg},
	} {
		r, err := p.At(x.key, d)
		if err != nil {
			return nil, err
		}
		*x.dst = r
	}
	return s, nil
}

// All lists the rules of the set in key order.
func (s *Set) All() []Rule {
	return []Rule{s.Tolerance, s.YoYDrop, s.PeerRatio, s.PeerMin, s.MinCompleteness, s.Places, s.CouKg}
}

// Unverified lists, as warnings, the rules of the set that are not
// verified: a result that relied on them must say so.
func (s *Set) Unverified() []string {
	var out []string
	for _, r := range s.All() {
		if !r.Verified {
			out = append(out, fmt.Sprintf("unverified parameter %s: %s", r.Cite(), r.Source))
		}
	}
	return out
}
