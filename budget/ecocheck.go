package budget

import (
	"sort"
	"strings"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/jsonin"
)

// An eco-compensation settlement is checked on domain values, as a damage
// case is: DecodeEcoSettlement reads the JSON into an EcoInput and runs
// the checks CheckEcoSettlement runs on an input built in code.

// EcoInput is a settlement as its caller states it: the settlement
// request (nil: none) and the GB/T 2260 code of each party it names (nil:
// none given).
type EcoInput struct {
	Settlement *ecocomp.Request
	Parties    map[string]string
}

// CheckEcoSettlement checks a settlement built in code and settles it, or
// returns a *calc.Error with every fault at the path DecodeEcoSettlement
// would name. The request is written for storage with
// ecocomp.Request.AppendJSON.
func CheckEcoSettlement(in EcoInput, c Calculators, lim Limits) (*EcoRecord, error) {
	return CheckEcoSettlementAfter(in, nil, c, lim)
}

// CheckEcoSettlementAfter is CheckEcoSettlement for an input whose
// reading has already found faults (read), refused with the checks'
// faults in one error (calc.MergeChecked).
func CheckEcoSettlementAfter(in EcoInput, read []calc.FieldError, c Calculators, lim Limits) (*EcoRecord, error) {
	given := ecoSent{settlement: in.Settlement != nil, parties: in.Parties != nil}
	for _, f := range read {
		// A request with a value its reader could not read is validated
		// but not settled, as a decoder refuses it before settling.
		given.unread = given.unread || under(f.Path, "settlement")
	}
	rec, checked := checkEco(jsonin.Root, in, given, c, lim)
	if errs := calc.MergeChecked(read, checked); len(errs) > 0 {
		return nil, invalid(errs)
	}
	rec.RequestJSON = in.Settlement.AppendJSON(nil)
	return rec, nil
}

// ecoSent says which parts were sent, even those that could not be read.
// unread: the settlement's reader found faults in it.
type ecoSent struct{ settlement, parties, unread bool }

// under reports whether path is prefix or lies under it.
func under(path, prefix string) bool {
	return strings.HasPrefix(path, prefix) && (len(path) == len(prefix) || path[len(prefix)] == '.' || path[len(prefix)] == '[')
}

// checkEco holds the rules of a settlement; at is its own path.
func checkEco(at string, in EcoInput, given ecoSent, c Calculators, lim Limits) (*EcoRecord, []calc.FieldError) {
	var errs []calc.FieldError
	fail := func(path, code, format string, args ...any) {
		errs = append(errs, fault(path, code, format, args...))
	}
	key := func(k string) string { return jsonin.Key(at, k) }
	party := func(p string) string { return joinPath(key("parties"), jsonin.Key("", p)) }
	es := EcoSettlement{Parties: map[string]string{}}
	rec := &EcoRecord{}
	if !given.settlement {
		fail(key("settlement"), "required", "required: a settlement request (docs/ecocomp.md)")
	}
	if req := in.Settlement; req != nil {
		nested := req.Validate()
		if len(nested) == 0 && !given.unread {
			if msg := CheckYear(req.Year, lim); msg != "" {
				fail(joinPath(key("settlement"), "year"), "year_out_of_range", "%s", msg)
			}
			res, err := ecocomp.Settle(c.Ecocomp, req)
			if err != nil {
				nested = faultsOf(err)
			} else {
				es.Request, rec.Result = req, res
			}
		}
		for _, fe := range nested {
			fail(joinPath(key("settlement"), fe.Path), fe.Code, "%s", fe.Message)
		}
	}
	if !given.parties {
		fail(key("parties"), "required", "required: the GB/T 2260 code of every party, e.g. {\"甲区\": \"500103\"}")
	}
	for _, p := range sortedKeys(in.Parties) {
		code := in.Parties[p]
		if strings.TrimSpace(code) == "" {
			fail(jsonin.Key(key("parties"), p), "required", "must not be empty") // where a reader says it
		}
		if code == "" {
			continue
		}
		es.Parties[p] = code
		if _, msg := c.Engine.CheckRegion(code); msg != "" {
			fail(party(p), "unknown_region", "%s", msg)
		}
	}
	if es.Request != nil {
		named := map[string]bool{}
		for _, s := range es.Request.Sections {
			named[s.Upstream], named[s.Downstream] = true, true
		}
		for _, t := range es.Request.Trades {
			named[t.Buyer], named[t.Seller] = true, true
		}
		var names []string
		for p := range named {
			names = append(names, p)
		}
		sort.Strings(names)
		for _, p := range names {
			if _, ok := es.Parties[p]; !ok && given.parties {
				fail(key("parties"), "missing_party", "party %q of the settlement has no region code", p)
			}
		}
		for _, p := range sortedKeys(es.Parties) {
			if !named[p] {
				fail(party(p), "unknown_party", "%q is not a party of the settlement", p)
			}
		}
	}
	rec.Settlement = es
	return rec, errs
}
