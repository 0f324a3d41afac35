package pages

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
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

// ecoInput reads the settlement form for the chosen scheme (sc: nil when
// none is chosen), the parties' codes gathered from beside their names.
// by collects what is wrong before checking (numbers, a name given two
// codes); read, what the decoder's reader would have refused (a figure,
// a day), at the path it would name. Rows left blank are not sent; the
// rows sent are numbered in order.
func ecoInput(vals url.Values, sc *ecoScheme) (budget.EcoInput, map[string][]string, []calc.FieldError) {
	by := map[string][]string{}
	var read []calc.FieldError
	parties := map[string]string{}
	party := func(nameInput string) string {
		name, code := formText(vals, nameInput), formText(vals, "code."+nameInput)
		switch {
		case name == "" && code != "":
			by[nameInput] = append(by[nameInput], "请填写名称（区县名称，或“市级财政”）。")
		case name == "":
		case code == "":
			// The check says the party has no code.
		case parties[name] != "" && parties[name] != code:
			by["code."+nameInput] = append(by["code."+nameInput], fmt.Sprintf("“%s”在上面已填了区划代码 %s，同一名称只能对应一个区县。", name, parties[name]))
		default:
			parties[name] = code
		}
		return name
	}
	req := &ecocomp.Request{Scheme: formText(vals, "settlement.scheme")}
	if y, typed := formDecimal(vals, "settlement.year", "settlement.year", by, &read); typed && y.Valid {
		var msg string
		if req.Year, msg = ecocomp.YearOf(y.Decimal); msg != "" {
			read = append(read, calc.FieldError{Path: "settlement.year", Code: "invalid_value", Message: msg})
		}
	}
	if sc != nil && sc.Quota() {
		for i := 0; i < formCount(vals, "ntrade", ecoTradesDefault, ecoTradesMax); i++ {
			p := "settlement.trades[" + strconv.Itoa(i) + "]."
			if blank(vals, p) {
				continue
			}
			path := "trades[" + strconv.Itoa(len(req.Trades)) + "]"
			at := "settlement." + path
			t := ecocomp.Trade{Path: path, Buyer: party(p + "buyer"), Seller: party(p + "seller"), ID: formText(vals, p+"id")}
			switch d := formText(vals, p+"date"); {
			case d == "":
				read = append(read, calc.FieldError{Path: at + ".date", Code: "required", Message: "must not be empty"})
			default:
				var err error
				if t.Date, err = param.ParseDate(d); err != nil {
					read = append(read, calc.FieldError{Path: at + ".date", Code: "invalid_value", Message: err.Error()})
				}
			}
			q, typed := formDecimal(vals, p+"quantity", at+".quantity", by, &read)
			switch {
			case !typed && len(by[p+"quantity"]) == 0:
				_, err := jsonin.PlainDecimal("") // a blank quantity is refused as the decoder refuses ""
				read = append(read, calc.FieldError{Path: at + ".quantity", Code: "invalid_number", Message: err.Error()})
			case !typed:
				// Said beside the input already; a trade needs a quantity.
				read = append(read, calc.FieldError{Path: at + ".quantity", Code: "required", Message: "required"})
			}
			t.Quantity = q.Decimal
			t.Price, _ = formDecimal(vals, p+"price", at+".price", by, &read)
			req.Trades = append(req.Trades, t)
		}
	} else {
		for i := 0; i < formCount(vals, "nsec", ecoSectionsDefault, ecoSectionsMax); i++ {
			p := "settlement.sections[" + strconv.Itoa(i) + "]."
			if sectionBlank(vals, p) {
				continue
			}
			path := "sections[" + strconv.Itoa(len(req.Sections)) + "]"
			sec := ecocomp.Section{Path: path, ID: formText(vals, p+"id"), Upstream: party(p + "upstream"), Downstream: party(p + "downstream"),
				River: formText(vals, p+"river"), TargetRaw: formText(vals, p+"target_class")}
			for j := 0; j < 12; j++ {
				pp := p + "periods[" + strconv.Itoa(j) + "]."
				if resultBlank(vals, pp) {
					continue // a period without a result is not given (its month may be filled in advance)
				}
				ppath := path + ".periods[" + strconv.Itoa(len(sec.Periods)) + "]"
				ob := ecocomp.Observation{Path: ppath, Period: formText(vals, pp+"period"), ClassRaw: formText(vals, pp+"class"),
					CompareRaw: formText(vals, pp+"compare_class")}
				ob.Index, _ = formDecimal(vals, pp+"index", "settlement."+ppath+".index", by, &read)
				switch formText(vals, pp+"meets_target") {
				case "yes":
					ob.MeetsTarget = &[]bool{true}[0]
				case "no":
					ob.MeetsTarget = &[]bool{false}[0]
				}
				sec.Periods = append(sec.Periods, ob)
			}
			req.Sections = append(req.Sections, sec)
		}
	}
	return budget.EcoInput{Settlement: req, Parties: parties}, by, read
}

// report reads the budget form as a budget.ReportRequest; read is what
// the decoder's reader would have refused (the year, a figure), at the
// path it would name, and index maps the request's scenarios to the
// form's. Figures are read as people type them: full-width digits,
// thousands separators (web.NormalizeNumber); the form shows them as typed.
func (f *budgetForm) report() (budget.ReportRequest, []calc.FieldError, []int) {
	var read []calc.FieldError
	rr := budget.ReportRequest{Region: f.Region}
	// A figure is read made plain; one that is blank made plain (a lone
	// separator) is not given.
	plain := func(v string) string {
		if v == "" {
			return ""
		}
		return web.NormalizeNumber(v)
	}
	num := func(path, v string) decimal.NullDecimal {
		d, err := jsonin.PlainDecimal(v)
		if err != nil {
			read = append(read, calc.FieldError{Path: path, Code: "invalid_number", Message: err.Error()})
			return decimal.NullDecimal{}
		}
		return decimal.NewNullDecimal(d)
	}
	// The year is a whole number as the decoder reads one; typed as
	// something else it is text, which is not a year.
	if y := web.NormalizeNumber(f.Year); y != "" && isInt(y) {
		var msg string
		if rr.Year, msg = budget.WholeNumber(y); msg != "" {
			read = append(read, calc.FieldError{Path: "year", Code: "invalid_number", Message: msg})
		}
	} else {
		read = append(read, calc.FieldError{Path: "year", Code: "invalid_type", Message: "want a whole number, got string"})
	}
	var index []int
	for _, sf := range f.Scenarios {
		if sf.empty() {
			continue
		}
		path := "scenarios[" + strconv.Itoa(len(rr.Scenarios)) + "]"
		sc := budget.Scenario{Path: path, ID: "s" + strconv.Itoa(sf.N), Title: sf.Title,
			Trends: map[string]decimal.Decimal{}, Schemes: map[string]string{}, Schedules: map[string]string{}}
		for _, r := range []struct{ class, v string }{{"air", plain(sf.Air)}, {"water", plain(sf.Water)}} {
			if r.v == "" {
				continue
			}
			rpath := path + ".rates[" + strconv.Itoa(len(sc.Rates)) + "]"
			sc.Rates = append(sc.Rates, budget.RateChange{Path: rpath, Class: r.class, Value: num(rpath+".value", r.v).Decimal, From: sf.From, To: sf.To})
		}
		for k, v := range map[string]string{budget.TrendAir: plain(sf.TrendAir), budget.TrendWater: plain(sf.TrendWater),
			budget.TrendSolidWaste: plain(sf.TrendSolid), budget.TrendFees: plain(sf.TrendFees)} {
			if v == "" {
				continue
			}
			if d := num(path+".trends."+k, v); d.Valid {
				sc.Trends[k] = d.Decimal
			}
		}
		rr.Scenarios = append(rr.Scenarios, sc)
		index = append(index, sf.N)
	}
	return rr, read, index
}

// isInt reports whether s is an integer as strconv writes one.
func isInt(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && strconv.Itoa(n) == s
}
