package ecocomp

import (
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/explain"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
)

// Request is a decoded settlement request: one scheme, one year, and the
// sections (or, for a quota scheme, the trades) to settle.
type Request struct {
	Scheme   string
	Year     int
	Sections []Section
	Trades   []Trade
}

// Section is one boundary cross-section between an upstream and a
// downstream party. A party is a district, or the city treasury where it
// stands in at the head or tail of a basin (市级财政补位).
type Section struct {
	Path       string
	ID         string
	River      string
	Upstream   string
	Downstream string
	TargetRaw  string // water-class target as written
	Periods    []Observation
}

// Observation is one period of one section. For a water-class scheme
// Class and CompareRaw are set; for an index scheme either Index or
// MeetsTarget (the published verdict).
type Observation struct {
	Path        string
	Period      string // YYYY-MM or YYYY
	ClassRaw    string
	CompareRaw  string
	Index       decimal.NullDecimal
	MeetsTarget *bool
}

// Trade is one quota trade: the buyer pays the seller for Quantity units,
// at the scheme's price unless the trade states the agreed Price.
type Trade struct {
	Path     string
	ID       string
	Buyer    string
	Seller   string
	Date     param.Date
	Quantity decimal.Decimal
	Price    decimal.NullDecimal
}

// maxDepth bounds nesting: a settlement needs 4 levels.
const maxDepth = 32

// DecodeRequest reads a settlement request from JSON and validates it
// (Validate). Numbers may be JSON
// numbers or strings and go straight to decimals (jsonin.PlainDecimal: no
// exponent); unknown or duplicate fields and wrong types are errors naming
// the JSON path. Whether the water classes are valid is checked by Settle,
// against the scheme.
func DecodeRequest(data []byte) (*Request, error) {
	return DecodeFrom(jsonin.Bytes(data, maxDepth))
}

// DecodeFrom is DecodeRequest of a request from src: a document's bytes,
// or a request already parsed inside another document (the budget's
// inputs).
func DecodeFrom(src jsonin.Source) (*Request, error) {
	req := &Request{}
	read := false
	errs := src(jsonin.PlainDecimal, func(o *jsonin.Object) {
		read = true
		req.Scheme = o.Str("scheme", true)
		if y := o.Decimal("year", true); y.Valid {
			var msg string
			if req.Year, msg = YearOf(y.Decimal); msg != "" {
				o.Fail("year", "invalid_value", "%s", msg)
			}
		}
		for so := range o.Objects("sections") {
			s := Section{Path: so.Path}
			s.ID = so.Str("id", true)
			s.River = so.Str("river", false)
			s.Upstream = so.Str("upstream", true)
			s.Downstream = so.Str("downstream", true)
			s.TargetRaw = so.Str("target_class", false)
			for po := range so.Objects("periods") {
				ob := Observation{Path: po.Path}
				ob.Period = po.Str("period", true)
				ob.ClassRaw = po.Str("class", false)
				ob.CompareRaw = po.Str("compare_class", false)
				ob.Index = po.Decimal("index", false)
				if b, ok := po.Bool("meets_target"); ok {
					ob.MeetsTarget = &b
				}
				po.Finish()
				s.Periods = append(s.Periods, ob)
			}
			so.Finish()
			req.Sections = append(req.Sections, s)
		}
		for to := range o.Objects("trades") {
			t := Trade{Path: to.Path}
			t.ID = to.Str("id", false)
			t.Buyer = to.Str("buyer", true)
			t.Seller = to.Str("seller", true)
			t.Date = jsonin.Parsed(to, "date", true, param.ParseDate)
			t.Quantity = to.Decimal("quantity", true).Decimal
			t.Price = to.Decimal("price", false)
			to.Finish()
			req.Trades = append(req.Trades, t)
		}
		o.Finish()
	})
	if !read {
		// Not JSON, or not an object: there is no request to validate.
		return nil, explain.Invalid(calc.FieldErrors(errs), titles)
	}
	if all := calc.MergeChecked(calc.FieldErrors(errs), req.Validate()); len(all) > 0 {
		return nil, explain.Invalid(all, titles)
	}
	return req, nil
}

// titles are the Chinese titles of the codes this package adds to those
// in calc/errors.go.
var titles = map[string]string{
	"unknown_water_class": "未知的水质类别",
	"unknown_scheme":      "未知的补偿方案",
	"not_applicable":      "该字段不适用于所选方案",
	"conflicting_fields":  "字段相互冲突",
	"period_outside_year": "期间不在结算年度内",
	"duplicate_period":    "期间重复",
	"duplicate_section":   "断面重复",
	"same_party":          "付款方与收款方相同",
	"empty_settlement":    "没有可结算的断面或交易",
}
