package exchange

// The rows of the datasets, built from the records this service keeps:
// what a batch says about a filed revision, a penalty record or a review.
// The application layer gathers the records in one transaction; the rows
// are made here, without I/O.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/filing"
)

func dataset(name string) *Dataset { d, _ := Lookup(name); return d }

// Filed is a filed revision with what the tax datasets say beside it.
type Filed struct {
	*filing.Declaration
	TaxpayerName, Region string
	ReplacesRevision     int // the revision it corrects; 0: none
}

// FiledRows adds the rows of a filed revision (法 第十五条第三款: 纳税申报、
// 税款入库、减免税额、欠缴税款) to out: its declaration, its payment, its lines
// with a reduction, and its arrears as of today (what it asks, less what
// was paid, once its deadline passed, with the 滞纳金 of fp).
func FiledRows(out map[string][]Record, x Filed, today filing.Date, fp *filing.Params) error {
	d := x.Declaration
	rev := strconv.Itoa(d.Revision)
	replaces := ""
	if d.ReplacesID != nil {
		replaces = strconv.Itoa(x.ReplacesRevision)
	}
	submitted := ""
	if d.SubmittedAt != nil {
		submitted = string(filing.Today(*d.SubmittedAt))
	}
	out["declarations"] = append(out["declarations"], dataset("declarations").New(map[string]string{
		"credit_code": d.CreditCode, "taxpayer_name": x.TaxpayerName, "region": x.Region, "period": d.Period,
		"revision": rev, "replaces_revision": replaces, "status": string(d.Status), "deadline": string(d.Deadline),
		"submitted_on": submitted, "total_tax_due": d.TotalTaxDue.String(), "total_reduction": d.TotalReduction.String(),
		"total_tax": d.TotalTax.String(), "previous_tax": d.PreviousTax.String(), "tax_difference": d.TaxDifference.String()}))
	if d.PaidOn != "" {
		out["payments"] = append(out["payments"], dataset("payments").New(map[string]string{"credit_code": d.CreditCode,
			"region": x.Region, "period": d.Period, "revision": rev, "paid_on": string(d.PaidOn), "amount": d.PaidAmount.String()}))
	}
	lines, err := reductionLines(d.Assessment)
	if err != nil {
		return fmt.Errorf("declaration %d: %w", d.ID, err)
	}
	for _, l := range lines {
		out["reductions"] = append(out["reductions"], dataset("reductions").New(map[string]string{"credit_code": d.CreditCode,
			"region": x.Region, "period": d.Period, "revision": rev, "month": l.Month, "outlet_no": l.Source,
			"pollutant": l.Pollutant, "reduction_factor": string(l.ReductionFactor), "tax_due": string(l.TaxDue),
			"reduction": string(l.Reduction), "tax": string(l.Tax), "relief_basis": ReliefBasis(string(l.ReductionFactor))}))
	}
	owed := d.Owed()
	paid := decimal.Zero
	if d.PaidAmount.Valid {
		paid = d.PaidAmount.Decimal
	}
	unpaid := owed.Sub(paid)
	if unpaid.Sign() > 0 && today > d.Deadline {
		through, isPaid := today, false
		if d.PaidOn != "" {
			through, isPaid = d.PaidOn, true
		}
		sc, err := fp.SurchargeOf(unpaid, d.Deadline, through, isPaid)
		if err != nil {
			return err
		}
		out["arrears"] = append(out["arrears"], dataset("arrears").New(map[string]string{"credit_code": d.CreditCode,
			"region": x.Region, "period": d.Period, "revision": rev, "deadline": string(d.Deadline),
			"owed": param.MoneyText(owed), "paid_amount": d.PaidAmount.String(), "unpaid": param.MoneyText(unpaid),
			"days_late": strconv.Itoa(sc.Days), "surcharge": sc.Amount.String(), "as_of": string(today)}))
	}
	return nil
}

// assessedNum is a number of a stored assessment, kept as its text.
type assessedNum string

func (n *assessedNum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = ""
		return nil
	}
	*n = assessedNum(strings.Trim(string(b), `"`))
	return nil
}

type assessedLine struct {
	Source          string      `json:"source"`
	Month           string      `json:"month"`
	Pollutant       string      `json:"pollutant"`
	ReductionFactor assessedNum `json:"reduction_factor"`
	TaxDue          assessedNum `json:"tax_due"`
	Reduction       assessedNum `json:"reduction"`
	Tax             assessedNum `json:"tax"`
}

// reductionLines are the lines of a stored assessment with a reduction.
func reductionLines(assessment filing.RawJSON) ([]assessedLine, error) {
	if len(assessment) == 0 {
		return nil, nil
	}
	var res struct {
		Lines []assessedLine `json:"lines"`
	}
	dec := json.NewDecoder(bytes.NewReader(assessment))
	if err := dec.Decode(&res); err != nil {
		return nil, err
	}
	var out []assessedLine
	for _, l := range res.Lines {
		r, err := decimal.NewFromString(string(l.Reduction))
		if err == nil && r.Sign() > 0 {
			out = append(out, l)
		}
	}
	return out, nil
}

// RequestRow is the review_requests row of a review (the tax side asks).
func RequestRow(r *Review, region string) Record {
	return dataset("review_requests").New(map[string]string{"review_ref": r.Ref,
		"credit_code": r.CreditCode, "region": region, "period": r.Period, "outlet_no": r.OutletNo, "pollutant": r.Pollutant,
		"month": r.Month, "flag_code": r.FlagCode, "reason": r.Reason, "received_on": string(r.ReceivedOn), "deadline": string(r.Deadline)})
}

// RequestOf reads a review_requests row back into the review it asks
// for, opened by openedBy.
func RequestOf(rec Record, openedBy string) *Review {
	d := dataset("review_requests")
	return &Review{Ref: d.Get(rec, "review_ref"), CreditCode: d.Get(rec, "credit_code"), Period: d.Get(rec, "period"),
		OutletNo: d.Get(rec, "outlet_no"), Pollutant: d.Get(rec, "pollutant"), Month: d.Get(rec, "month"),
		FlagCode: d.Get(rec, "flag_code"), Reason: d.Get(rec, "reason"), ReceivedOn: filing.Date(d.Get(rec, "received_on")),
		Deadline: filing.Date(d.Get(rec, "deadline")), OpenedBy: openedBy}
}

// SameRequest reports whether two reviews ask about the same item the
// same way (the address, reason and dates).
func SameRequest(have, r *Review) bool {
	return have.CreditCode == r.CreditCode && have.Period == r.Period && have.OutletNo == r.OutletNo && have.Pollutant == r.Pollutant &&
		have.Month == r.Month && have.FlagCode == r.FlagCode && have.Reason == r.Reason && have.ReceivedOn == r.ReceivedOn && have.Deadline == r.Deadline
}

// PenaltyRows are the penalties rows of a record: one per pollutant and
// month with a 产生量, or one per pollutant without.
func PenaltyRows(p *Penalty, region string) []Record {
	var out []Record
	base := map[string]string{"credit_code": p.CreditCode, "region": region, "case_no": p.CaseNo, "outlet_no": p.OutletNo,
		"revision": strconv.Itoa(p.Revision), "case_code": p.CaseCode, "period_from": string(p.PeriodFrom),
		"period_to": string(p.PeriodTo), "decided_on": string(p.DecidedOn), "note": p.Note}
	for _, name := range p.Pollutants {
		n := 0
		for _, g := range p.Generated {
			if g.Pollutant != name {
				continue
			}
			row := copyMap(base)
			row["pollutant"], row["month"], row["generated_kg"] = name, g.Month, g.GeneratedKg.String()
			out = append(out, dataset("penalties").New(row))
			n++
		}
		if n == 0 {
			row := copyMap(base)
			row["pollutant"] = name
			out = append(out, dataset("penalties").New(row))
		}
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+3)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// OpinionRows are the review_opinions row of an answered review and its
// review_corrections rows.
func OpinionRows(r *Review, region string) (Record, []Record) {
	op := dataset("review_opinions").New(map[string]string{"review_ref": r.Ref,
		"credit_code": r.CreditCode, "region": region, "opinion": *r.Opinion, "note": r.OpinionNote, "answered_on": string(r.AnsweredOn)})
	var corr []Record
	for _, k := range r.Corrections {
		corr = append(corr, dataset("review_corrections").New(map[string]string{
			"review_ref": r.Ref, "outlet_no": k.OutletNo, "pollutant": k.Pollutant, "month": k.Month,
			"emission_kg": nullText(k.EmissionKg), "wastewater_t": nullText(k.WastewaterT),
			"avg_concentration": nullText(k.AvgConcentration), "max_concentration": nullText(k.MaxConcentration)}))
	}
	return op, corr
}

func nullText(d decimal.NullDecimal) string {
	if !d.Valid {
		return ""
	}
	return d.Decimal.String()
}

// Field reads a field of a record by name; "" when the dataset has none.
func (d *Dataset) Field(r Record, name string) string {
	if i := d.Index(name); i >= 0 {
		return r[i]
	}
	return ""
}

// Payload is a record as one JSON Lines object (without the newline), as
// the store keeps it.
func (d *Dataset) Payload(r Record) string {
	b, _ := Encode(d, JSONL, []Record{r}) // checked when the batch was built or read
	return strings.TrimSuffix(string(b), "\n")
}

// Values reads a stored payload back: each field by name, nil when empty.
func (d *Dataset) Values(payload string) (map[string]*string, error) {
	recs, err := Decode(d, JSONL, []byte(payload+"\n"))
	if err != nil || len(recs) != 1 {
		return nil, fmt.Errorf("%d records, %v", len(recs), err)
	}
	vals := make(map[string]*string, len(d.Fields))
	for i, f := range d.Fields {
		if v := recs[0][i]; v != "" {
			vals[f.Name] = &v
		} else {
			vals[f.Name] = nil
		}
	}
	return vals, nil
}
