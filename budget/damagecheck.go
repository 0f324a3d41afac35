package budget

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
)

// A damage case is checked on domain values: DecodeDamageCase reads the
// JSON into a DamageInput (types, number syntax, unknown fields) and then
// runs the same checks CheckDamageCase runs on an input built in code, so
// a page builds the case from its form without writing JSON.

// DamageInput is a damage case as its caller states it, before it is
// checked and its claim quantified.
type DamageInput struct {
	District string
	Case     string
	Claim    *damage.Request  // nil: no claim
	Settle   *SettlementInput // nil: no settlement yet
	// Receipts nil is no list at all, which is refused; an empty list is
	// a list without rows (what the page sends when none is filled in).
	Receipts []ReceiptInput
}

// SettlementInput is the agreed or adjudged amount and its date.
type SettlementInput struct {
	Amount decimal.NullDecimal // not Valid: not given
	Date   string              // YYYY-MM-DD, "" when not given
}

// ReceiptInput is one expected or received payment.
type ReceiptInput struct {
	Path     string // receipts[i] when empty
	Month    string
	Amount   decimal.NullDecimal // not Valid: not given
	Received bool
}

// CheckDamageCase checks a damage case built in code, quantifies its
// claim with calc/damage, and returns the record (the claim written for
// storage with damage.Request.AppendJSON), or a *calc.Error with every
// fault at the path DecodeDamageCase would name.
func CheckDamageCase(in DamageInput, c Calculators, lim Limits) (*DamageRecord, error) {
	return CheckDamageCaseAfter(in, nil, c, lim)
}

// CheckDamageCaseAfter is CheckDamageCase for an input whose reading has
// already found faults (read: a form figure that is not a number, at the
// path its value would have), refused with the checks' faults in one
// error; a value the reader faulted is not also called missing
// (calc.MergeChecked).
func CheckDamageCaseAfter(in DamageInput, read []calc.FieldError, c Calculators, lim Limits) (*DamageRecord, error) {
	given := sent{claim: in.Claim != nil, settle: in.Settle != nil}
	for _, f := range read {
		// A claim with a value its reader could not read is validated but
		// not quantified, as a decoder refuses it before quantifying.
		given.unread = given.unread || under(f.Path, "claim")
	}
	rec, checked := checkDamage(jsonin.Root, in, given, c, lim)
	if errs := calc.MergeChecked(read, checked); len(errs) > 0 {
		return nil, invalid(errs)
	}
	if in.Claim != nil {
		rec.ClaimJSON = in.Claim.AppendJSON(nil)
	}
	return rec, nil
}

// sent says which parts were sent, even those that could not be read
// (then their value is nil and nothing more is said of them).
// unread: the claim's reader found faults in it.
type sent struct{ claim, settle, unread bool }

// checkDamage holds the rules of a damage case; at is the case's own path.
func checkDamage(at string, in DamageInput, given sent, c Calculators, lim Limits) (*DamageRecord, []calc.FieldError) {
	var errs []calc.FieldError
	fail := func(path, code, format string, args ...any) {
		errs = append(errs, fault(path, code, format, args...))
	}
	key := func(k string) string { return jsonin.Key(at, k) }
	dc := DamageCase{District: in.District, Case: in.Case}
	for _, f := range []struct{ key, val string }{{"district", in.District}, {"case", in.Case}} {
		if strings.TrimSpace(f.val) == "" {
			fail(key(f.key), "required", "must not be empty")
		}
	}
	if in.District != "" {
		if _, msg := c.Engine.CheckRegion(in.District); msg != "" {
			fail(key("district"), "unknown_region", "%s", msg)
		}
	}
	var claim *damage.Result
	if in.Claim != nil {
		nested := in.Claim.Validate()
		if len(nested) == 0 && !given.unread {
			var err error
			if claim, err = damage.Calc(c.Damage, in.Claim); err != nil {
				nested = faultsOf(err)
			}
		}
		for _, fe := range nested {
			fail(joinPath(key("claim"), fe.Path), fe.Code, "%s", fe.Message)
		}
		if len(nested) == 0 && claim != nil {
			dc.ClaimTotal = decimal.NullDecimal{Decimal: claim.Total.Decimal, Valid: true}
			dc.ClaimUnverified = claim.Unverified
		} else {
			claim = nil
		}
	}
	if s := in.Settle; s != nil {
		sat := key("settlement")
		dc.Settled = s.Amount
		if !s.Amount.Valid {
			fail(jsonin.Key(sat, "amount"), "required", "required")
		}
		errs = append(errs, moneyFaults(jsonin.Key(sat, "amount"), s.Amount)...)
		if s.Date != "" {
			if d, err := param.ParseDate(s.Date); err != nil {
				fail(jsonin.Key(sat, "date"), "invalid_value", "%v", err)
			} else {
				dc.SettledOn = d.String()
			}
		}
	}
	if !dc.ClaimTotal.Valid && !dc.Settled.Valid && !given.claim && !given.settle {
		fail(key("claim"), "required", "a case needs a claim (to be quantified) or a settlement (the agreed amount), or both")
	}
	sum := decimal.Zero
	for i, r := range in.Receipts {
		path := r.Path
		if path == "" {
			path = jsonin.Index(key("receipts"), i)
		}
		if strings.TrimSpace(r.Month) == "" {
			fail(jsonin.Key(path, "month"), "required", "must not be empty")
		}
		errs = append(errs, monthFaults(jsonin.Key(path, "month"), r.Month, lim)...)
		if !r.Amount.Valid {
			fail(jsonin.Key(path, "amount"), "required", "required")
		}
		errs = append(errs, moneyFaults(jsonin.Key(path, "amount"), r.Amount)...)
		if r.Amount.Valid && r.Amount.Decimal.IsZero() {
			fail(jsonin.Key(path, "amount"), "invalid_number", "a receipt is more than 0")
		}
		sum = sum.Add(r.Amount.Decimal)
		dc.Receipts = append(dc.Receipts, Receipt{Path: path, Month: r.Month, Amount: r.Amount.Decimal, Received: r.Received})
	}
	if in.Receipts == nil {
		fail(key("receipts"), "required", "at least one receipt (expected or received) is needed for the budget")
	}
	cap, what := dc.Settled, "the settled amount"
	if !cap.Valid {
		cap, what = dc.ClaimTotal, "the claim total"
	}
	if cap.Valid && sum.GreaterThan(cap.Decimal) {
		fail(key("receipts"), "receipts_exceed_amount", "the receipts add up to %s, more than %s %s", money(sum), what, money(cap.Decimal))
	}
	return &DamageRecord{Case: dc, Claim: claim}, errs
}

func fault(path, code, format string, args ...any) calc.FieldError {
	return calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)}
}

// faultsOf lists a nested calculator's faults, relative to its root.
func faultsOf(err error) []calc.FieldError {
	ce, ok := err.(*calc.Error)
	if !ok {
		return []calc.FieldError{fault(jsonin.Root, "invalid_value", "%v", err)}
	}
	if len(ce.Errors) == 0 {
		return []calc.FieldError{fault(jsonin.Root, ce.Code, "%s", ce.Detail)}
	}
	return ce.Errors
}
