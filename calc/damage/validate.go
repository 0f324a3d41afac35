package damage

import (
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/jsonin"
)

// The rules a claim must meet besides the shape of its JSON live on the
// Request, so a claim built in code is held to them exactly as one read
// from JSON: DecodeRequest reads (types, number syntax, unknown fields)
// and then calls Validate. Calc checks the rest against the parameters.

// Validate reports every fault of the claim's values, each with its path
// (the lines' and items' Path, or their position where a builder left it
// empty), nil when there is none: the date, the parameter set, and each
// line's category and medium are required.
func (r *Request) Validate() []calc.FieldError {
	var errs []calc.FieldError
	fail := func(path, msg string) {
		errs = append(errs, calc.FieldError{Path: path, Code: "required", Message: msg})
	}
	if r.Date.IsZero() {
		fail("date", "required")
	}
	if strings.TrimSpace(r.ParamSet) == "" {
		fail("parameter_set", "must not be empty")
	}
	for i, l := range r.VirtualCost {
		path := orIndex(l.Path, "virtual_cost", i)
		if strings.TrimSpace(string(l.Category)) == "" {
			fail(jsonin.Key(path, "category"), "must not be empty")
		}
		if strings.TrimSpace(l.Medium) == "" {
			fail(jsonin.Key(path, "medium"), "must not be empty")
		}
	}
	for i, it := range r.Items {
		if strings.TrimSpace(string(it.Category)) == "" {
			fail(jsonin.Key(orIndex(it.Path, "items", i), "category"), "must not be empty")
		}
	}
	return errs
}

func orIndex(path, list string, i int) string {
	if path != "" {
		return path
	}
	return jsonin.Index(list, i)
}

// AppendJSON writes the claim in the JSON shape DecodeRequest reads
// (amounts as decimal strings, exactly), for storing a claim that was
// built rather than received; DecodeRequest of the result gives the same
// claim back.
func (r *Request) AppendJSON(b []byte) []byte {
	w := jsonin.Writer{B: append(b, '{')}
	w.Str("case", r.Case)
	w.Str("date", r.Date.String())
	w.Str("parameter_set", r.ParamSet)
	if len(r.VirtualCost) > 0 {
		w.Key("virtual_cost")
		w.B = append(w.B, '[')
		for i, l := range r.VirtualCost {
			if i > 0 {
				w.B = append(w.B, ',')
			}
			lw := jsonin.Writer{B: append(w.B, '{')}
			lw.Str("id", l.ID)
			lw.Str("description", l.Description)
			lw.Str("category", string(l.Category))
			lw.Str("medium", l.Medium)
			lw.Str("function_class", l.FunctionClass)
			lw.Num("discharge", l.Discharge)
			lw.Str("discharge_unit", l.DischargeUnit)
			lw.Num("unit_cost", l.UnitCost)
			lw.Num("virtual_cost", l.VirtualCost)
			lw.Num("multiplier", l.Multiplier)
			lw.Num("alpha", l.Alpha)
			lw.Num("omega", l.Omega)
			lw.Num("kappa", l.Kappa)
			w.B = append(lw.B, '}')
		}
		w.B = append(w.B, ']')
	}
	if len(r.Items) > 0 {
		w.Key("items")
		w.B = append(w.B, '[')
		for i, it := range r.Items {
			if i > 0 {
				w.B = append(w.B, ',')
			}
			iw := jsonin.Writer{B: append(w.B, '{')}
			iw.Str("id", it.ID)
			iw.Str("description", it.Description)
			iw.Str("category", string(it.Category))
			iw.Num("amount", decimal.NewNullDecimal(it.Amount))
			w.B = append(iw.B, '}')
		}
		w.B = append(w.B, ']')
	}
	return append(w.B, '}')
}
