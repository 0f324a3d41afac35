package ecocomp

import (
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/jsonin"
)

// The rules a settlement request must meet besides the shape of its JSON
// live on the Request, so a request built in code (the settlement page)
// is held to them exactly as one read from JSON: DecodeRequest reads and
// then calls Validate. Settle checks the rest against the scheme.

// Validate reports every fault of the request's values, each with its
// path (the sections', periods' and trades' Path, or their position where
// a builder left it empty), nil when there is none: the scheme, a year
// from 1900 to 2999, each section's id and parties, each period, and each
// trade's parties and date.
func (r *Request) Validate() []calc.FieldError {
	var errs []calc.FieldError
	fail := func(path, code, msg string) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: msg})
	}
	blank := func(path, key, val string) {
		if strings.TrimSpace(val) == "" {
			fail(jsonin.Key(path, key), "required", "must not be empty")
		}
	}
	blank("", "scheme", r.Scheme)
	switch {
	case r.Year == 0:
		fail("year", "required", "required")
	case r.Year < 1900 || r.Year > 2999:
		fail("year", "invalid_value", strconv.Itoa(r.Year)+" is not a year")
	}
	for i, s := range r.Sections {
		path := orIndex(s.Path, "sections", i)
		blank(path, "id", s.ID)
		blank(path, "upstream", s.Upstream)
		blank(path, "downstream", s.Downstream)
		for j, ob := range s.Periods {
			blank(orIndex(ob.Path, jsonin.Key(path, "periods"), j), "period", ob.Period)
		}
	}
	for i, t := range r.Trades {
		path := orIndex(t.Path, "trades", i)
		blank(path, "buyer", t.Buyer)
		blank(path, "seller", t.Seller)
		if t.Date.IsZero() {
			fail(jsonin.Key(path, "date"), "required", "required")
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

// YearOf reads a settlement year given as a number; msg says why it is
// not one (a fraction, or outside 1900–2999), as DecodeRequest says it.
func YearOf(d decimal.Decimal) (year int, msg string) {
	if !d.IsInteger() || d.LessThan(decimal.NewFromInt(1900)) || d.GreaterThan(decimal.NewFromInt(2999)) {
		return 0, d.String() + " is not a year"
	}
	return int(d.IntPart()), ""
}

// AppendJSON writes the request in the JSON shape DecodeRequest reads,
// for storing a settlement that was built rather than received;
// DecodeRequest of the result gives the same request back.
func (r *Request) AppendJSON(b []byte) []byte {
	w := jsonin.Writer{B: append(b, '{')}
	w.Str("scheme", r.Scheme)
	if r.Year != 0 {
		w.Raw("year", strconv.AppendInt(nil, int64(r.Year), 10))
	}
	list := func(key string, n int, item func(w *jsonin.Writer, i int)) {
		if n == 0 {
			return
		}
		w.Key(key)
		w.B = append(w.B, '[')
		for i := 0; i < n; i++ {
			if i > 0 {
				w.B = append(w.B, ',')
			}
			iw := jsonin.Writer{B: append(w.B, '{')}
			item(&iw, i)
			w.B = append(iw.B, '}')
		}
		w.B = append(w.B, ']')
	}
	list("sections", len(r.Sections), func(sw *jsonin.Writer, i int) {
		s := r.Sections[i]
		sw.Str("id", s.ID)
		sw.Str("river", s.River)
		sw.Str("upstream", s.Upstream)
		sw.Str("downstream", s.Downstream)
		sw.Str("target_class", s.TargetRaw)
		if len(s.Periods) == 0 {
			return
		}
		sw.Key("periods")
		sw.B = append(sw.B, '[')
		for j, ob := range s.Periods {
			if j > 0 {
				sw.B = append(sw.B, ',')
			}
			pw := jsonin.Writer{B: append(sw.B, '{')}
			pw.Str("period", ob.Period)
			pw.Str("class", ob.ClassRaw)
			pw.Str("compare_class", ob.CompareRaw)
			pw.Num("index", ob.Index)
			if ob.MeetsTarget != nil {
				pw.Raw("meets_target", strconv.AppendBool(nil, *ob.MeetsTarget))
			}
			sw.B = append(pw.B, '}')
		}
		sw.B = append(sw.B, ']')
	})
	list("trades", len(r.Trades), func(tw *jsonin.Writer, i int) {
		t := r.Trades[i]
		tw.Str("id", t.ID)
		tw.Str("buyer", t.Buyer)
		tw.Str("seller", t.Seller)
		tw.Str("date", t.Date.String())
		tw.Num("quantity", decimal.NewNullDecimal(t.Quantity))
		tw.Num("price", t.Price)
	})
	return append(w.B, '}')
}
