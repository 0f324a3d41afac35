package pages

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/web"
)

// The finance forms are read straight into the budget's domain values and
// checked there (budget.CheckDamageCase …), with no JSON written and read
// back in the process. The inputs are named by the paths the checks use,
// so an error's path is the input it belongs to.

// formDecimal reads a form figure as the budget decoders read a number:
// web.ParseNumber says in Chinese why a typed figure is not one (into by,
// beside the input); a figure it accepts is made plain (web.NormalizeNumber:
// separators, full-width digits) and read by jsonin.PlainDecimal, the
// decoders' own number reader, whose refusal is a fault at path (the path
// the decoder would have named). typed is false for a blank input or one
// ParseNumber refused: the value is then left out.
func formDecimal(vals url.Values, name, path string, by map[string][]string, read *[]calc.FieldError) (d decimal.NullDecimal, typed bool) {
	v := strings.TrimSpace(vals.Get(name))
	if v == "" {
		return d, false
	}
	if _, msg := web.ParseNumber(v); msg != "" {
		by[name] = append(by[name], msg)
		return d, false
	}
	n, err := jsonin.PlainDecimal(web.NormalizeNumber(v))
	if err != nil {
		*read = append(*read, calc.FieldError{Path: path, Code: "invalid_number", Message: err.Error()})
		return d, true
	}
	return decimal.NewNullDecimal(n), true
}

// formText is a form input, trimmed. Its text is valid UTF-8 without NUL:
// a form holding anything else is refused before any page reads it
// (httpx.CheckForm), as the JSON reader refuses such a string.
func formText(vals url.Values, name string) string { return strings.TrimSpace(vals.Get(name)) }

// damageInput reads the damage case form. A receipt row left wholly
// blank is no receipt; the rows sent are numbered in order, as the
// decoder numbers a list.
func damageInput(vals url.Values) (budget.DamageInput, map[string][]string, []calc.FieldError) {
	by := map[string][]string{}
	var read []calc.FieldError
	in := budget.DamageInput{District: formText(vals, "district"), Case: formText(vals, "case"),
		Receipts: []budget.ReceiptInput{}}
	if a, typed := formDecimal(vals, "settlement.amount", "settlement.amount", by, &read); typed || vals.Get("settlement.date") != "" {
		in.Settle = &budget.SettlementInput{Amount: a, Date: formText(vals, "settlement.date")}
	}
	for i := 0; i < damageReceipts; i++ {
		p := "receipts[" + strconv.Itoa(i) + "]."
		at := "receipts[" + strconv.Itoa(len(in.Receipts)) + "]"
		m := formText(vals, p+"month")
		var rowRead []calc.FieldError
		a, typed := formDecimal(vals, p+"amount", at+".amount", by, &rowRead)
		if m == "" && !typed && len(by[p+"amount"]) == 0 {
			continue
		}
		read = append(read, rowRead...)
		in.Receipts = append(in.Receipts, budget.ReceiptInput{Path: at, Month: m, Amount: a, Received: vals.Get(p+"received") != ""})
	}
	return in, by, read
}

// feeBillInput reads the fee bill form for the chosen schedule (sc: nil when
// none is chosen, and then no inputs are read). A month row left wholly
// blank is no month; the rows sent are numbered in order.
func feeBillInput(vals url.Values, sc *feeSchedule) (budget.FeeInput, map[string][]string, []calc.FieldError) {
	by := map[string][]string{}
	var read []calc.FieldError
	in := budget.FeeInput{District: formText(vals, "district"), Payer: formText(vals, "payer"), Schedule: formText(vals, "schedule"),
		Months: []budget.FeeMonthInput{}}
	if sc != nil {
		in.Inputs = map[string]string{}
		for _, fi := range sc.Inputs {
			name := "inputs." + fi.Name
			v := formText(vals, name)
			switch {
			case v == "":
			case fi.Choices != nil:
				in.Inputs[fi.Name] = v
			default:
				// The schedule reads its inputs itself; a figure goes to it
				// made plain, as the decoder hands on a number's text.
				if _, msg := web.ParseNumber(v); msg != "" {
					by[name] = append(by[name], msg)
				} else {
					in.Inputs[fi.Name] = web.NormalizeNumber(v)
				}
			}
		}
	}
	for i := 0; i < feeMonths; i++ {
		p := "months[" + strconv.Itoa(i) + "]."
		at := "months[" + strconv.Itoa(len(in.Months)) + "]"
		m := formText(vals, p+"month")
		var rowRead []calc.FieldError
		q, typed := formDecimal(vals, p+"quantity", at+".quantity", by, &rowRead)
		if m == "" && !typed && len(by[p+"quantity"]) == 0 {
			continue
		}
		read = append(read, rowRead...)
		in.Months = append(in.Months, budget.FeeMonthInput{Path: at, Month: m, Quantity: q})
	}
	return in, by, read
}
