package exchange

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/explain"
	"github.com/ecotax/ecotax/calc/param"
)

// Keys of the dated review parameters (fixtures/exchange/review_params.csv).
const (
	// 法 第二十条第二款: 生态环境主管部门应当自收到税务机关的数据资料之日起十五日内 … 出具复核意见.
	KeyReviewReplyDays = "review.reply_days"
	// Whether the day of receipt is itself the first of those days. 1 = it
	// counts; 0 = counting starts the next day (民法典 第二百零一条).
	KeyReviewStartDayCounted = "review.start_day_counted"
)

// Rule is one dated review parameter.
type Rule struct {
	Key   string
	Value decimal.Decimal
	Unit  string
	param.Meta
}

// ReviewParams are the review rules; fixtures fills and checks them.
type ReviewParams struct {
	Rules []Rule
}

// ParamKey is the rule's key (for param.InForce).
func (r Rule) ParamKey() string { return r.Key }

// At finds the rule for key in force on day d.
func (p *ReviewParams) At(key string, d param.Date) (Rule, error) {
	return param.InForce(p.Rules, "review parameter", key, d)
}

// Warning is the project's one warning (calc/explain).
type Warning = explain.Warning

// Deadline is the last day for the 复核意见 of a request received on a
// day, with how it was counted.
type Deadline struct {
	Received param.Date
	Last     param.Date
	Days     int
	Rule     string
	Warnings []Warning
}

// ReviewDeadline counts the reply period from the day the environment
// bureau received the request, with the rules in force on that day.
// Statutory holidays do not move the last day here (征管法实施细则 第一百零九条
// would, for the tax bureau's own deadlines); the result says so.
func (p *ReviewParams) ReviewDeadline(received param.Date) (Deadline, error) {
	days, err := p.At(KeyReviewReplyDays, received)
	if err != nil {
		return Deadline{}, err
	}
	start, err := p.At(KeyReviewStartDayCounted, received)
	if err != nil {
		return Deadline{}, err
	}
	n := int(days.Value.IntPart())
	last := received.AddDays(n)
	if start.Value.Sign() != 0 {
		last = received.AddDays(n - 1)
	}
	d := Deadline{Received: received, Last: last, Days: n, Rule: "环境保护税法 第二十条第二款"}
	for _, r := range []Rule{days, start} {
		if !r.Verified {
			d.Warnings = append(d.Warnings, Warning{Code: "unverified_parameter",
				Message: fmt.Sprintf("参数 %s = %s 未经核实（可信度 %s，%s）：来源 %s", r.Key, r.Value, r.Confidence, r.Where(), r.Source)})
		}
	}
	d.Warnings = append(d.Warnings, Warning{Code: "holidays_not_applied",
		Message: "复核期限的最后一日未按法定节假日顺延；遇节假日请核对日历"})
	return d, nil
}

// Overdue reports whether a request still unanswered on today is past its
// last day.
func Overdue(last, today param.Date) bool { return today > last }

// DaysLate counts the days after the last day up to and including on; 0
// when on is not after it.
func DaysLate(last, on param.Date) int {
	if on <= last {
		return 0
	}
	return on.Ordinal() - last.Ordinal()
}
