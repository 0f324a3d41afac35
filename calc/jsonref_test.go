package calc

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/shopspring/decimal"
)

// appendJSONReference is AppendJSON as it was before lines were written
// from constant fragments (commit 28a2875), member by member through the
// generic writer: the reference TestAppendJSONSameAsReference compares
// the writer with, byte for byte. Its strings are written by
// encoding/json and its decimals by shopspring (refWriter), not by the
// writer's own printers, so that the test also holds those to the
// contract.
func (r *Result) appendJSONReference(dst []byte, level TraceLevel) []byte {
	steps := len(r.trace)
	switch level {
	case TraceSummary:
		steps /= 3
	case TraceNone:
		steps = 0
	}
	size := 1024 + 700*len(r.Lines) + 400*steps
	for i := range r.Parameters {
		size += 200 + len(r.Parameters[i].Source)
	}
	for i := range r.Warnings {
		size += 40 + len(r.Warnings[i].Message)
	}
	if cap(dst)-len(dst) < size {
		// Grow by doubling at least: callers append many results to one
		// buffer (ecotax calc --jsonl), and growing by one result's size
		// each time would copy the buffer once per result.
		dst = append(make([]byte, 0, max(2*cap(dst), len(dst)+size)), dst...)
	}
	w := refWriter{jsonWriter{b: dst}}
	w.open('{')
	if r.Taxpayer != (Taxpayer{}) {
		w.key("taxpayer")
		w.open('{')
		w.optStr("credit_code", r.Taxpayer.CreditCode)
		w.optStr("name", r.Taxpayer.Name)
		w.close('}')
	}
	w.optStr("region", r.Region)
	w.optStr("period", r.Period)
	w.decField("total_tax_due", r.TotalTaxDue, 2)
	w.decField("total_reduction", r.TotalReduction, 2)
	w.decField("total_tax", r.TotalTax, 2)
	w.field("rounding", string(r.Rounding))
	if level != TraceFull {
		w.field("trace_level", level.String())
	}

	eqPlaces := int32(2)
	if r.Rounding == Exact {
		eqPlaces = 4
	}
	var rates []*RateRule // by line, for lineParams
	if level != TraceFull {
		rates = r.lineRates()
	}
	w.key("lines")
	w.open('[')
	for i := range r.Lines {
		l := &r.Lines[i]
		w.open('{')
		w.field("source", l.Source)
		w.field("month", l.Month)
		w.field("kind", l.Kind)
		w.field("pollutant", l.Pollutant)
		w.field("path", l.Path)
		w.optStr("group", l.Group)
		w.optBool("fugitive", l.Fugitive)
		w.decField("quantity", l.Quantity, -1)
		w.field("unit", l.Unit)
		w.optDec("equivalent_value", l.EquivalentValue, -1)
		w.optDec("equivalents", l.Equivalents, eqPlaces)
		if l.Rank > 0 {
			w.intField("rank", l.Rank)
		}
		w.boolField("taxed", l.Taxed)
		w.field("reason", l.Reason)
		w.optDec("rate", l.Rate, -1)
		w.optDec("exceed_db", l.ExceedDB, -1)
		w.optBool("halved", l.Halved)
		w.optBool("doubled", l.Doubled)
		if d := l.Detail; d != nil {
			w.optDec("ph_value", d.PHValue, -1)
			w.optDec("exceed_multiple", d.ColourMultiple, -1)
			w.optStr("hazardous_class", d.HazardousClass)
		}
		w.decField("tax_due", l.TaxDue, 2)
		w.optDec("reduction_factor", l.ReductionFactor, -1)
		w.decField("reduction", l.Reduction, 2)
		w.decField("tax", l.Tax, 2)
		w.key("rules")
		w.open('[')
		for _, rule := range l.Rules {
			w.comma()
			w.str(rule)
		}
		w.close(']')
		w.optBool("unverified", l.Unverified)
		if level != TraceFull {
			r.refLineParams(&w.jsonWriter, l, rates[i])
		}
		w.close('}')
	}
	w.close(']')

	w.key("months")
	w.open('[')
	for _, m := range r.Months {
		w.open('{')
		w.field("month", m.Month)
		w.decField("tax_due", m.TaxDue, 2)
		w.decField("reduction", m.Reduction, 2)
		w.decField("tax", m.Tax, 2)
		w.close('}')
	}
	w.close(']')

	w.key("parameters")
	w.open('[')
	for _, p := range r.Parameters {
		w.open('{')
		w.field("key", p.Key)
		w.optStr("region", p.Region)
		w.field("value", p.Value)
		w.field("effective_from", p.EffectiveFrom)
		w.optStr("effective_to", p.EffectiveTo)
		var sourceJSON []byte
		if p.text != nil {
			sourceJSON = p.text.sourceJSON
		}
		w.fieldJSON("source", p.Source, sourceJSON)
		w.boolField("verified", p.Verified)
		w.field("confidence", p.Confidence)
		w.field("where", p.Where)
		w.close('}')
	}
	w.close(']')

	w.key("warnings")
	w.open('[')
	for _, wn := range r.Warnings {
		w.open('{')
		w.field("code", wn.Code)
		w.fieldJSON("message", wn.Message, wn.messageJSON)
		w.optStr("path", wn.Path)
		w.close('}')
	}
	w.close(']')

	w.key("trace")
	w.open('[')
	for _, s := range r.StepsAt(level) {
		w.open('{')
		w.intField("n", s.N)
		w.field("step", s.Step)
		w.optStr("source", s.Source)
		w.optStr("month", s.Month)
		w.optStr("pollutant", s.Pollutant)
		w.field("rule", s.Rule)
		w.field("text", s.Text)
		w.close('}')
	}
	w.close(']')
	w.close('}')
	return w.b
}

// refWriter is jsonWriter with every string written by encoding/json
// (HTML escaping off) and every decimal by shopspring's String and
// StringFixed.
type refWriter struct{ jsonWriter }

func (w *refWriter) str(s string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err)
	}
	w.b = append(w.b, bytes.TrimRight(buf.Bytes(), "\n")...)
}

func (w *refWriter) field(k, v string) {
	w.key(k)
	w.str(v)
	w.more = true
}

func (w *refWriter) optStr(k, v string) {
	if v != "" {
		w.field(k, v)
	}
}

// fieldJSON ignores the pre-encoded text: it must be what str writes.
func (w *refWriter) fieldJSON(k, v string, _ []byte) { w.field(k, v) }

func (w *refWriter) decField(k string, d decimal.Decimal, places int32) {
	w.key(k)
	text := d.String()
	if places >= 0 {
		text = d.StringFixed(places)
	}
	w.b = append(append(append(w.b, '"'), text...), '"')
	w.more = true
}

func (w *refWriter) optDec(k string, d decimal.NullDecimal, places int32) {
	if d.Valid {
		w.decField(k, d.Decimal, places)
	}
}

// refLineParams is lineParams as it was written before stop 11, member
// by member.
func (r *Result) refLineParams(w *jsonWriter, l *Line, rate *RateRule) {
	var refs [2]int
	n := 0
	if l.pol != nil {
		if i, ok := r.paramAt(&l.pol.Meta); ok {
			refs[n], n = i, n+1
		}
	}
	if rate != nil {
		if i, ok := r.paramAt(&rate.Meta); ok {
			refs[n], n = i, n+1
		}
	}
	if n == 0 {
		return
	}
	w.key("params")
	w.open('[')
	for _, i := range refs[:n] {
		w.comma()
		w.b = strconv.AppendInt(w.b, int64(i), 10)
	}
	w.close(']')
}
