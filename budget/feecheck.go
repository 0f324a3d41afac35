package budget

import (
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
)

// A fee bill is checked on domain values, as a damage case is:
// DecodeFeeBill reads the JSON into a FeeInput and runs the checks
// CheckFeeBill runs on an input built in code.

// FeeInput is a fee bill as its caller states it, before it is checked
// and each month's fee computed.
type FeeInput struct {
	District    string
	Payer       string
	Schedule    string            // id or id@version
	Inputs      map[string]string // the schedule's inputs, numbers as written
	PartialStep string            // "", fees.Ceil or fees.Floor
	// Months nil is no list at all, which is refused; an empty list is a
	// list without rows.
	Months []FeeMonthInput
}

// FeeMonthInput is one month of a fee bill.
type FeeMonthInput struct {
	Path     string // months[i] when empty
	Month    string
	Date     string              // YYYY-MM-DD inside the month, optional
	Quantity decimal.NullDecimal // not Valid: not given
}

// CheckFeeBill checks a fee bill built in code and computes each month's
// fee, or returns a *calc.Error with every fault at the path DecodeFeeBill
// would name.
func CheckFeeBill(in FeeInput, c Calculators, lim Limits) (*FeeRecord, error) {
	return CheckFeeBillAfter(in, nil, c, lim)
}

// CheckFeeBillAfter is CheckFeeBill for an input whose reading has
// already found faults (read), refused with the checks' faults in one
// error (calc.MergeChecked).
func CheckFeeBillAfter(in FeeInput, read []calc.FieldError, c Calculators, lim Limits) (*FeeRecord, error) {
	rec, checked := checkFee(jsonin.Root, in, c, lim)
	if errs := calc.MergeChecked(read, checked); len(errs) > 0 {
		return nil, invalid(errs)
	}
	return rec, nil
}

// checkFee holds the rules of a fee bill; at is the bill's own path.
func checkFee(at string, in FeeInput, c Calculators, lim Limits) (*FeeRecord, []calc.FieldError) {
	var errs []calc.FieldError
	fail := func(path, code, format string, args ...any) {
		errs = append(errs, fault(path, code, format, args...))
	}
	key := func(k string) string { return jsonin.Key(at, k) }
	fb := FeeBill{District: in.District, Payer: in.Payer, Schedule: in.Schedule, Inputs: map[string]string{}}
	for k, v := range in.Inputs {
		fb.Inputs[k] = v
	}
	for _, f := range []struct{ key, val string }{{"district", in.District}, {"payer", in.Payer}, {"schedule", in.Schedule}} {
		if strings.TrimSpace(f.val) == "" {
			fail(key(f.key), "required", "must not be empty")
		}
	}
	if in.District != "" {
		if _, msg := c.Engine.CheckRegion(in.District); msg != "" {
			fail(key("district"), "unknown_region", "%s", msg)
		}
	}
	known := in.Schedule != "" && feeScheduleKnown(c.Fees, in.Schedule)
	if in.Schedule != "" && !known {
		fail(key("schedule"), "unknown_schedule", "no built-in fee schedule %q (ecotax fees list)", in.Schedule)
	}
	switch in.PartialStep {
	case "", fees.Ceil, fees.Floor:
		fb.PartialStep = in.PartialStep
	default:
		fail(key("partial_step"), "invalid_value", "%q is not one of %s", in.PartialStep, strings.Join([]string{fees.Ceil, fees.Floor}, ", "))
	}
	var results []*fees.Result
	seen := map[string]string{}
	for i, m := range in.Months {
		path := m.Path
		if path == "" {
			path = jsonin.Index(key("months"), i)
		}
		mkey := func(k string) string { return jsonin.Key(path, k) }
		fm := FeeMonth{Path: path, Month: m.Month, Date: m.Date, Quantity: m.Quantity.Decimal}
		if strings.TrimSpace(m.Month) == "" {
			fail(mkey("month"), "required", "must not be empty")
		}
		errs = append(errs, monthFaults(mkey("month"), m.Month, lim)...)
		if prev, dup := seen[m.Month]; dup {
			fail(mkey("month"), "duplicate_month", "%s is already given at %s", m.Month, prev)
		}
		seen[m.Month] = path
		q := m.Quantity
		if !q.Valid {
			fail(mkey("quantity"), "required", "required")
		} else if q.Decimal.Sign() < 0 {
			fail(mkey("quantity"), "invalid_number", "a quantity is not negative")
		}
		day := m.Month + "-01"
		if m.Date != "" {
			day = m.Date
			if len(m.Date) != 10 || m.Date[:7] != m.Month {
				fail(mkey("date"), "invalid_value", "%q is not a day YYYY-MM-DD of %s", m.Date, m.Month)
			}
		}
		fb.Months = append(fb.Months, fm)
		d, err := param.ParseDate(day)
		if err != nil || !q.Valid || q.Decimal.Sign() < 0 || !known {
			if err != nil && m.Date != "" {
				fail(mkey("date"), "invalid_value", "%q is not a calendar day", m.Date)
			}
			continue
		}
		s, err := c.Fees.Find(fb.Schedule, d)
		if err != nil {
			fail(mkey("month"), "schedule_not_in_force", "%v", err)
			continue
		}
		res, err := fees.Calculate(s, fees.Request{Date: d, Quantity: fm.Quantity, Inputs: fb.Inputs, PartialStep: fb.PartialStep})
		if err != nil {
			// Input faults concern the whole bill, quantity faults the month.
			for _, fe := range faultsOf(err) {
				p := fe.Path
				switch {
				case p == "quantity" || p == "$" || p == "":
					p = mkey("quantity")
				case strings.HasPrefix(p, "inputs") || strings.HasPrefix(p, "partial_step"):
					p = joinPath(at, p)
				default:
					p = joinPath(path, p)
				}
				fail(p, fe.Code, "%s", fe.Message)
			}
			continue
		}
		results = append(results, res)
	}
	if in.Months == nil {
		fail(key("months"), "required", "at least one month")
	}
	return &FeeRecord{Bill: fb, Results: results}, errs
}
