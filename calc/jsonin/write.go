package jsonin

import (
	"encoding/json"

	"github.com/shopspring/decimal"
)

// Writer writes the members of one JSON object in the shape the readers
// of this package read: an empty string or an absent number is left out,
// as a reader reads an absent key; a decimal is written as a string with
// its digits as held. A decoder's request built in code is written this
// way for storage, never to be read back in the same process.
type Writer struct {
	B    []byte
	more bool
}

// Key starts a member.
func (w *Writer) Key(k string) {
	if w.more {
		w.B = append(w.B, ',')
	}
	w.more = true
	w.B = appendString(w.B, k)
	w.B = append(w.B, ':')
}

// Str writes a string member unless it is empty.
func (w *Writer) Str(k, v string) {
	if v == "" {
		return
	}
	w.Key(k)
	w.B = appendString(w.B, v)
}

// Num writes a decimal member unless it is absent. The digits are those
// held, so 1.50 stays 1.50 (String would make it 1.5).
func (w *Writer) Num(k string, d decimal.NullDecimal) {
	if !d.Valid {
		return
	}
	w.Key(k)
	s := d.Decimal.String()
	if e := d.Decimal.Exponent(); e < 0 {
		s = d.Decimal.StringFixed(-e)
	}
	w.B = append(append(append(w.B, '"'), s...), '"')
}

// Raw writes a member whose value is already JSON (a number, true, a
// nested object).
func (w *Writer) Raw(k string, v []byte) {
	w.Key(k)
	w.B = append(w.B, v...)
}

func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}
