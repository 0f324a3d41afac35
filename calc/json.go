package calc

import (
	"bytes"
	"encoding/json"

	"github.com/shopspring/decimal"
)

// The JSON shapes of the contract. Every quantity and amount is a string;
// money always has exactly two decimals.

type lineJSON struct {
	Source          string   `json:"source"`
	Month           string   `json:"month"`
	Kind            string   `json:"kind"`
	Pollutant       string   `json:"pollutant"`
	Path            string   `json:"path"`
	Group           string   `json:"group,omitempty"`
	Fugitive        bool     `json:"fugitive,omitempty"`
	Quantity        string   `json:"quantity"`
	Unit            string   `json:"unit"`
	EquivalentValue *string  `json:"equivalent_value,omitempty"`
	Equivalents     *string  `json:"equivalents,omitempty"`
	Rank            int      `json:"rank,omitempty"`
	Taxed           bool     `json:"taxed"`
	Reason          string   `json:"reason"`
	Rate            *string  `json:"rate,omitempty"`
	ExceedDB        *string  `json:"exceed_db,omitempty"`
	Halved          bool     `json:"halved,omitempty"`
	Doubled         bool     `json:"doubled,omitempty"`
	TaxDue          string   `json:"tax_due"`
	ReductionFactor *string  `json:"reduction_factor,omitempty"`
	Reduction       string   `json:"reduction"`
	Tax             string   `json:"tax"`
	Rules           []string `json:"rules"`
	Unverified      bool     `json:"unverified,omitempty"`
}

type monthJSON struct {
	Month     string `json:"month"`
	TaxDue    string `json:"tax_due"`
	Reduction string `json:"reduction"`
	Tax       string `json:"tax"`
}

type paramJSON struct {
	Key           string `json:"key"`
	Region        string `json:"region,omitempty"`
	Value         string `json:"value"`
	EffectiveFrom string `json:"effective_from"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Source        string `json:"source"`
	Verified      bool   `json:"verified"`
	Confidence    string `json:"confidence"`
	Where         string `json:"where"`
}

type warningJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
}

type taxpayerJSON struct {
	CreditCode string `json:"credit_code,omitempty"`
	Name       string `json:"name,omitempty"`
}

type resultJSON struct {
	Taxpayer       *taxpayerJSON `json:"taxpayer,omitempty"`
	Region         string        `json:"region,omitempty"`
	Period         string        `json:"period,omitempty"`
	TotalTaxDue    string        `json:"total_tax_due"`
	TotalReduction string        `json:"total_reduction"`
	TotalTax       string        `json:"total_tax"`
	Rounding       Rounding      `json:"rounding"`
	Lines          []lineJSON    `json:"lines"`
	Months         []monthJSON   `json:"months"`
	Parameters     []paramJSON   `json:"parameters"`
	Warnings       []warningJSON `json:"warnings"`
	Trace          []TraceStep   `json:"trace"`
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

func optional(d decimal.NullDecimal, places int32) *string {
	if !d.Valid {
		return nil
	}
	s := d.Decimal.String()
	if places >= 0 {
		s = d.Decimal.StringFixed(places)
	}
	return &s
}

// MarshalJSON writes the contract's response shape.
func (r *Result) MarshalJSON() ([]byte, error) {
	out := resultJSON{
		Region: r.Region, Period: r.Period, Rounding: r.Rounding,
		TotalTaxDue: money(r.TotalTaxDue), TotalReduction: money(r.TotalReduction), TotalTax: money(r.TotalTax),
		Lines:      make([]lineJSON, len(r.Lines)),
		Months:     make([]monthJSON, len(r.Months)),
		Parameters: make([]paramJSON, len(r.Parameters)),
		Warnings:   make([]warningJSON, len(r.Warnings)),
		Trace:      r.Steps(),
	}
	if r.Taxpayer != (Taxpayer{}) {
		out.Taxpayer = &taxpayerJSON{r.Taxpayer.CreditCode, r.Taxpayer.Name}
	}
	eqPlaces := int32(2)
	if r.Rounding == Exact {
		eqPlaces = 4
	}
	for i := range r.Lines {
		l := &r.Lines[i]
		out.Lines[i] = lineJSON{
			Source: l.Source, Month: l.Month, Kind: l.Kind, Pollutant: l.Pollutant, Path: l.Path, Group: l.Group, Fugitive: l.Fugitive,
			Quantity: l.Quantity.String(), Unit: l.Unit,
			EquivalentValue: optional(l.EquivalentValue, -1), Equivalents: optional(l.Equivalents, eqPlaces),
			Rank: l.Rank, Taxed: l.Taxed, Reason: l.Reason, Rate: optional(l.Rate, -1),
			ExceedDB: optional(l.ExceedDB, -1), Halved: l.Halved, Doubled: l.Doubled,
			TaxDue: money(l.TaxDue), ReductionFactor: optional(l.ReductionFactor, -1), Reduction: money(l.Reduction), Tax: money(l.Tax),
			Rules: l.Rules, Unverified: l.Unverified,
		}
		if out.Lines[i].Rules == nil {
			out.Lines[i].Rules = []string{}
		}
	}
	for i, m := range r.Months {
		out.Months[i] = monthJSON{m.Month, money(m.TaxDue), money(m.Reduction), money(m.Tax)}
	}
	for i, p := range r.Parameters {
		out.Parameters[i] = paramJSON(p)
	}
	for i, w := range r.Warnings {
		out.Warnings[i] = warningJSON(w)
	}
	return marshalNoEscape(out)
}

// marshalNoEscape encodes without turning < > & into \u escapes, so the
// trace reads "120 < 200" in any viewer.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

type errorJSON struct {
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors"`
}

// MarshalJSON writes the error in the problem shape of the contract
// (adapters add "status" and "type").
func (e *Error) MarshalJSON() ([]byte, error) {
	errs := e.Errors
	if errs == nil {
		errs = []FieldError{}
	}
	return marshalNoEscape(errorJSON{Code: e.Code, Title: e.Title, Detail: e.Detail, Errors: errs})
}
