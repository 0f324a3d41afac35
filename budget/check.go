package budget

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/fees"
)

// MinYear is the first year a budget can cover: the environmental
// protection tax exists from 2018-01-01 (环境保护税法 第二十八条).
const MinYear = 2018

// Limits bound what a request may ask for. MaxYear comes from the
// adapter's clock (this package has none): budgets are made a few years
// ahead at most.
type Limits struct {
	MaxYear int
}

// Trend bounds, in percent: −100 % is no emission at all; more than ten
// times the base is not a trend but a typing error.
var (
	minTrend = decimal.NewFromInt(-100)
	maxTrend = decimal.NewFromInt(1000)
)

// MaxScenarios bounds the scenarios of one budget (each is a full
// recomputation of every tax month).
const MaxScenarios = 8

var scenarioID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// CheckYear checks a budget year against the limits.
func CheckYear(y int, lim Limits) string {
	if y < MinYear || y > lim.MaxYear {
		return fmt.Sprintf("year %d is outside %d–%d (the tax exists from %d; budgets reach at most a few years ahead)", y, MinYear, lim.MaxYear, MinYear)
	}
	return ""
}

// checkScenarios checks what the scenarios refer to: schemes and
// schedules that exist, rate changes that do not overlap.
func checkScenarios(c Calculators, in *Input, scs []Scenario) []calc.FieldError {
	var errs []calc.FieldError
	fail := func(path, code, format string, args ...any) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if len(scs) > MaxScenarios {
		fail("scenarios", "too_many_scenarios", "at most %d scenarios", MaxScenarios)
	}
	ids := map[string]string{}
	scheduleIDs := map[string]bool{}
	for _, s := range c.Fees.Schedules() {
		scheduleIDs[s.ID] = true
	}
	for i := range scs {
		sc := &scs[i]
		if !scenarioID.MatchString(sc.ID) || sc.ID == "base" {
			fail(sc.Path+".id", "invalid_value", "%q: a scenario id is 1–40 lower-case letters, digits, '-' or '_', and not \"base\"", sc.ID)
		} else if prev, dup := ids[sc.ID]; dup {
			fail(sc.Path+".id", "duplicate_scenario", "scenario %q is already defined at %s", sc.ID, prev)
		} else {
			ids[sc.ID] = sc.Path
		}
		for j, a := range sc.Rates {
			if a.From != "" && !validMonth(a.From) {
				fail(a.Path+".from", "invalid_value", "%q is not a month YYYY-MM", a.From)
			}
			if a.To != "" && !validMonth(a.To) {
				fail(a.Path+".to", "invalid_value", "%q is not a month YYYY-MM", a.To)
			}
			if a.From != "" && a.To != "" && a.To < a.From {
				fail(a.Path+".to", "invalid_value", "%s is before %s", a.To, a.From)
			}
			for _, b := range sc.Rates[:j] {
				if b.Class == a.Class && (a.From == "" || b.To == "" || a.From <= b.To) && (b.From == "" || a.To == "" || b.From <= a.To) {
					fail(a.Path, "overlapping_rates", "this %s rate overlaps %s: one month can have one rate", a.Class, b.Path)
				}
			}
		}
		for _, k := range sortedDecKeys(sc.Trends) {
			x := sc.Trends[k]
			if x.LessThan(minTrend) || x.GreaterThan(maxTrend) {
				fail(sc.Path+".trends."+k, "out_of_range", "%s %% is outside %s … %s %%", x, minTrend, maxTrend)
			}
		}
		for _, from := range sortedKeys(sc.Schemes) {
			to := sc.Schemes[from]
			a, b := c.Ecocomp.Scheme(from), c.Ecocomp.Scheme(to)
			switch {
			case a == nil:
				fail(sc.Path+".schemes."+from, "unknown_scheme", "unknown scheme %q; known: %s", from, strings.Join(c.Ecocomp.IDs(), ", "))
			case b == nil:
				fail(sc.Path+".schemes."+from, "unknown_scheme", "unknown scheme %q; known: %s", to, strings.Join(c.Ecocomp.IDs(), ", "))
			case a.Measure != b.Measure:
				fail(sc.Path+".schemes."+from, "incompatible_scheme", "%s settles by %s, %s by %s: the stored sections cannot be settled by the other", from, a.Measure, to, b.Measure)
			}
		}
		for _, from := range sortedKeys(sc.Schedules) {
			to := sc.Schedules[from]
			toID, _, _ := strings.Cut(to, "@")
			switch {
			case !scheduleIDs[from]:
				fail(sc.Path+".schedules."+from, "unknown_schedule", "no built-in fee schedule %q", from)
			case !scheduleIDs[toID]:
				fail(sc.Path+".schedules."+from, "unknown_schedule", "no built-in fee schedule %q", to)
			}
		}
	}
	return errs
}

func sortedDecKeys(m map[string]decimal.Decimal) []string {
	keys := make(map[string]string, len(m))
	for k := range m {
		keys[k] = ""
	}
	return sortedKeys(keys)
}

func validMonth(s string) bool {
	if len(s) != 7 || s[4] != '-' || strings.Trim(s[:4]+s[5:], "0123456789") != "" {
		return false
	}
	m := s[5:]
	return m >= "01" && m <= "12" && s[:4] >= "2018"
}

// feeScheduleKnown is used by the bill checks.
func feeScheduleKnown(c *fees.Catalog, ref string) bool {
	id, _, _ := strings.Cut(ref, "@")
	for _, s := range c.Schedules() {
		if s.ID == id {
			return true
		}
	}
	return false
}
