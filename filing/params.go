package filing

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/explain"
	"github.com/ecotax/ecotax/calc/param"
)

// Keys of the dated filing parameters (fixtures/filing/filing_params.csv).
const (
	KeyDeadlineQuarter = "deadline_days.quarter"    // 法 第十九条: 自季度终了之日起十五日内
	KeyDeadlineOnce    = "deadline_days.once"       // 法 第十九条: 按次申报, 自纳税义务发生之日起十五日内
	KeySurchargeRate   = "surcharge.rate_per_day"   // 征管法 第三十二条: 按日加收万分之五
	KeySurchargeDP     = "surcharge.round_decimals" // rounding of 滞纳金; not confirmed by any text
)

// Rule is one dated filing parameter.
type Rule struct {
	Key   string
	Value decimal.Decimal
	Unit  string
	param.Meta
}

// Params holds the filing rules; the fixtures package fills and checks
// them (no overlapping dates for one key).
type Params struct {
	Rules []Rule
}

// ParamKey is the rule's key (for param.InForce).
func (r Rule) ParamKey() string { return r.Key }

// At finds the rule for key in force on day d.
func (p *Params) At(key string, d param.Date) (Rule, error) {
	return param.InForce(p.Rules, "filing parameter", key, d)
}

// Warning is the project's one warning (calc/explain).
type Warning = explain.Warning

func unverified(r Rule) []Warning {
	if r.Verified {
		return nil
	}
	return []Warning{{Code: "unverified_parameter", Message: fmt.Sprintf("参数 %s = %s 未经核实（可信度 %s，%s:%d）：来源 %s", r.Key, r.Value, r.Confidence, r.File, r.Line, r.Source)}}
}

// Deadline is the last day to declare and pay the tax of a period
// (法 第十九条). Holidays are not moved (实施细则 第一百零九条) — the result
// says so.
type Deadline struct {
	Date     Date      `json:"date"`
	Days     int       `json:"days"`
	Rule     string    `json:"rule"`
	Warnings []Warning `json:"warnings,omitempty"`
}

// DeadlineOf computes the deadline of a period.
func (p *Params) DeadlineOf(per Period) (Deadline, error) {
	key := KeyDeadlineQuarter
	if per.Kind == calc.PeriodOnce {
		key = KeyDeadlineOnce
	}
	r, err := p.At(key, per.End())
	if err != nil {
		return Deadline{}, err
	}
	days := int(r.Value.IntPart())
	d := Deadline{Date: DateOf(per.End().AddDays(days)), Days: days, Rule: "环境保护税法 第十九条"}
	d.Warnings = append(unverified(r), Warning{Code: "holidays_not_applied", Message: "截止日期未按法定节假日顺延（征管法实施细则 第一百零九条）；请核对税务机关公布的申报日历"})
	return d, nil
}

// Surcharge is the late-payment surcharge (滞纳金) on an amount owed.
type Surcharge struct {
	Owed     Money     `json:"owed"`
	Deadline Date      `json:"deadline"`
	Through  Date      `json:"through"` // payment date, or the as-of day when unpaid
	Paid     bool      `json:"paid"`
	Days     int       `json:"days"`
	Amount   Money     `json:"amount"`
	Rules    []string  `json:"rules"`
	Warnings []Warning `json:"warnings,omitempty"`
}

// SurchargeOf computes 滞纳金 = owed × daily rate × days late, the days
// counted from the day after the deadline to the payment day inclusive
// (征管法 第三十二条, 实施细则 第七十五条). When the daily rate changes
// inside the span, each day uses the rate in force on it. Nothing is owed
// when owed ≤ 0 or the payment was on time.
func (p *Params) SurchargeOf(owed decimal.Decimal, deadline, through Date, paid bool) (Surcharge, error) {
	s := Surcharge{Owed: MoneyOf(owed), Deadline: deadline, Through: through, Paid: paid, Amount: MoneyOf(decimal.Zero),
		Rules: []string{"税收征收管理法 第三十二条", "税收征收管理法实施细则 第七十五条"}}
	dl, th := deadline.Day(), through.Day()
	if dl == 0 || th == 0 {
		return s, fmt.Errorf("surcharge needs a deadline and a through date")
	}
	if th <= dl {
		return s, nil
	}
	s.Days = th.Ordinal() - dl.Ordinal()
	if owed.Sign() <= 0 {
		return s, nil
	}
	exact, ws, err := p.surchargeOver(owed, dl.AddDays(1), th, map[int]bool{})
	if err != nil {
		return s, err
	}
	s.Warnings = append(s.Warnings, ws...)
	rd, err := p.At(KeySurchargeDP, th)
	if err != nil {
		return s, err
	}
	s.Warnings = append(s.Warnings, unverified(rd)...)
	s.Amount = MoneyOf(exact.Round(int32(rd.Value.IntPart())))
	return s, nil
}
