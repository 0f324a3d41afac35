package damage

import (
	"encoding/json"
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
	w := objWriter{b: append(b, '{')}
	w.str("case", r.Case)
	w.str("date", r.Date.String())
	w.str("parameter_set", r.ParamSet)
	if len(r.VirtualCost) > 0 {
		w.key("virtual_cost")
		w.b = append(w.b, '[')
		for i, l := range r.VirtualCost {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			lw := objWriter{b: append(w.b, '{')}
			lw.str("id", l.ID)
			lw.str("description", l.Description)
			lw.str("category", string(l.Category))
			lw.str("medium", l.Medium)
			lw.str("function_class", l.FunctionClass)
			lw.num("discharge", l.Discharge)
			lw.str("discharge_unit", l.DischargeUnit)
			lw.num("unit_cost", l.UnitCost)
			lw.num("virtual_cost", l.VirtualCost)
			lw.num("multiplier", l.Multiplier)
			lw.num("alpha", l.Alpha)
			lw.num("omega", l.Omega)
			lw.num("kappa", l.Kappa)
			w.b = append(lw.b, '}')
		}
		w.b = append(w.b, ']')
	}
	if len(r.Items) > 0 {
		w.key("items")
		w.b = append(w.b, '[')
		for i, it := range r.Items {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			iw := objWriter{b: append(w.b, '{')}
			iw.str("id", it.ID)
			iw.str("description", it.Description)
			iw.str("category", string(it.Category))
			iw.num("amount", decimal.NewNullDecimal(it.Amount))
			w.b = append(iw.b, '}')
		}
		w.b = append(w.b, ']')
	}
	return append(w.b, '}')
}

// objWriter writes the members of one object; empty strings and absent
// numbers are left out, as the reader reads an absent key.
type objWriter struct {
	b    []byte
	more bool
}

func (w *objWriter) key(k string) {
	if w.more {
		w.b = append(w.b, ',')
	}
	w.more = true
	w.b = appendString(w.b, k)
	w.b = append(w.b, ':')
}

func (w *objWriter) str(k, v string) {
	if v == "" {
		return
	}
	w.key(k)
	w.b = appendString(w.b, v)
}

func (w *objWriter) num(k string, d decimal.NullDecimal) {
	if !d.Valid {
		return
	}
	w.key(k)
	// The digits as held, so a value survives the round trip with its
	// exponent (1.50 stays 1.50, which String would make 1.5).
	s := d.Decimal.String()
	if e := d.Decimal.Exponent(); e < 0 {
		s = d.Decimal.StringFixed(-e)
	}
	w.b = append(append(append(w.b, '"'), s...), '"')
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
