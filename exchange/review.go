package exchange

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

// Review statuses: open (sent, waiting for the environment bureau) →
// answered (opinion given) → applied (the tax adjusted through a
// correction) or closed (nothing to adjust).
const (
	ReviewOpen     = "open"
	ReviewAnswered = "answered"
	ReviewApplied  = "applied"
	ReviewClosed   = "closed"
)

// Opinions (复核结论).
const (
	OpinionConfirmed       = "confirmed"        // the declared figures stand
	OpinionCorrected       = "corrected"        // the figures are corrected (法 第二十条: 按照复核的数据资料调整)
	OpinionCannotDetermine = "cannot_determine" // the bureau cannot say; the tax office decides (e.g. 核定)
)

// Opinions lists them.
var Opinions = []string{OpinionConfirmed, OpinionCorrected, OpinionCannotDetermine}

// Item statuses: what the declaration said about the reviewed item when
// the review was opened.
const (
	ItemDeclared      = "declared"       // the latest submitted revision has figures for it
	ItemNotDeclared   = "not_declared"   // a revision exists, without the item
	ItemNoDeclaration = "no_declaration" // nothing filed for the period (未按照规定期限办理纳税申报)
)

// Review is one 复核 request and its answer. The address (taxpayer,
// period, outlet or source, pollutant, month, flag code) is kept as given,
// so a review never depends on the tables of the risk flags that
// prompted it.
type Review struct {
	ID            int64       `json:"id" db:"id"`
	Ref           string      `json:"ref" db:"ref"` // 复核编号
	CreditCode    string      `json:"credit_code" db:"credit_code"`
	Period        string      `json:"period" db:"period"`
	OutletNo      string      `json:"outlet_no" db:"outlet_no"`
	SourceID      *int64      `json:"source_id" db:"source_id"`
	Pollutant     string      `json:"pollutant" db:"pollutant"`
	Month         string      `json:"month" db:"month"` // "" = the whole period
	FlagCode      string      `json:"flag_code" db:"flag_code"`
	Reason        string      `json:"reason" db:"reason"`
	DeclarationID *int64      `json:"declaration_id" db:"declaration_id"`
	ItemStatus    string      `json:"item_status" db:"item_status"`
	ReceivedOn    filing.Date `json:"received_on" db:"received_on"`
	Deadline      filing.Date `json:"deadline" db:"deadline"`
	Status        string      `json:"status" db:"status"`
	Version       int         `json:"version" db:"version"`
	OpenedBy      string      `json:"opened_by" db:"opened_by"`
	Opinion       *string     `json:"opinion" db:"opinion"`
	OpinionNote   string      `json:"opinion_note" db:"opinion_note"`
	Corrections   Corrections `json:"corrections" db:"corrections"`
	AnsweredOn    filing.Date `json:"answered_on" db:"answered_on"`
	AnsweredBy    string      `json:"answered_by" db:"answered_by"`
	AnsweredAt    *time.Time  `json:"answered_at" db:"answered_at"`
	AppliedAt     *time.Time  `json:"applied_at" db:"applied_at"`
	AppliedBy     string      `json:"applied_by" db:"applied_by"`
	CorrectionID  *int64      `json:"correction_id" db:"correction_id"`
	CreatedAt     time.Time   `json:"created_at" db:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at" db:"updated_at"`
}

// Correction is one corrected figure of an opinion: the month's figures
// of one air or water source, as the environment bureau determined them.
// Only the values given replace the declared ones.
type Correction struct {
	SourceID         int64               `json:"source_id"`
	OutletNo         string              `json:"outlet_no"`
	Pollutant        string              `json:"pollutant"`
	Month            string              `json:"month"`
	EmissionKg       decimal.NullDecimal `json:"emission_kg"`
	WastewaterT      decimal.NullDecimal `json:"wastewater_t"`
	AvgConcentration decimal.NullDecimal `json:"avg_concentration"`
	MaxConcentration decimal.NullDecimal `json:"max_concentration"`
}

// Corrections is stored as JSON text (decimals as strings, so exact).
type Corrections []Correction

func (c *Corrections) Scan(src any) error {
	var data []byte
	switch v := src.(type) {
	case nil:
		*c = nil
		return nil
	case string:
		data = []byte(v)
	case []byte:
		data = v
	default:
		return fmt.Errorf("exchange.Corrections: cannot scan %T", src)
	}
	var out Corrections
	if err := json.Unmarshal(data, &out); err != nil {
		return err
	}
	*c = out
	return nil
}

func (c Corrections) Value() (driver.Value, error) {
	if c == nil {
		return nil, nil
	}
	b, err := json.Marshal([]Correction(c))
	return string(b), err
}

// Apply writes the corrections into a copy of a declaration's figures:
// a figure of the same source and month takes the corrected values given;
// a correction without such a figure adds one. The result is in form order.
func (c Corrections) Apply(figs []filing.Figure) []filing.Figure {
	out := append([]filing.Figure(nil), figs...)
	for _, k := range c {
		i := -1
		for j := range out {
			if out[j].SourceID == k.SourceID && out[j].Month == k.Month {
				i = j
				break
			}
		}
		if i < 0 {
			out = append(out, filing.Figure{SourceID: k.SourceID, Month: k.Month})
			i = len(out) - 1
		}
		f := &out[i]
		for _, p := range []struct {
			dst *decimal.NullDecimal
			v   decimal.NullDecimal
		}{{&f.EmissionKg, k.EmissionKg}, {&f.WastewaterT, k.WastewaterT}, {&f.AvgConcentration, k.AvgConcentration}, {&f.MaxConcentration, k.MaxConcentration}} {
			if p.v.Valid {
				*p.dst = p.v
			}
		}
	}
	filing.SortFigures(out)
	return out
}

// ReviewStatuses lists the statuses in order.
var ReviewStatuses = []string{ReviewOpen, ReviewAnswered, ReviewApplied, ReviewClosed}

// ValidReviewStatus reports whether s is a review status.
func ValidReviewStatus(s string) bool { return oneOf(s, ReviewStatuses) }

// CheckFlagCode: a short machine code, as the risk rules write them.
func CheckFlagCode(s string) bool {
	if s == "" || len(s) > 50 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// TextErr checks a free text at path: required or not, at most max
// characters of printable text.
func TextErr(path, s string, required bool, max int) []calc.FieldError {
	switch {
	case required && s == "":
		return []calc.FieldError{{Path: path, Code: "required", Message: path + " is required"}}
	case s == "":
		return nil
	}
	if msg := CheckText(s, max); msg != "" {
		return []calc.FieldError{{Path: path, Code: "invalid_value", Message: msg}}
	}
	return nil
}

// ResolveAddress checks the review's outlet (and source, pollutant) are
// registered for the taxpayer and fills what one implies of the other.
func ResolveAddress(r *Review, sources []*filing.Source) error {
	notFound := func(path, msg string) error {
		return calc.Invalid([]calc.FieldError{{Path: path, Code: "unknown_source", Message: msg}})
	}
	if r.SourceID != nil {
		for _, s := range sources {
			if s.ID == *r.SourceID {
				if r.OutletNo != "" && r.OutletNo != s.OutletNo {
					return calc.Invalid([]calc.FieldError{{Path: "outlet_no", Code: "inconsistent_value", Message: fmt.Sprintf("source %d is at outlet %s", s.ID, s.OutletNo)}})
				}
				if r.Pollutant != "" && r.Pollutant != s.Pollutant {
					return calc.Invalid([]calc.FieldError{{Path: "pollutant", Code: "inconsistent_value", Message: fmt.Sprintf("source %d is for %s", s.ID, s.Pollutant)}})
				}
				r.OutletNo, r.Pollutant = s.OutletNo, s.Pollutant
				return nil
			}
		}
		return notFound("source_id", fmt.Sprintf("the taxpayer has no tax source %d", *r.SourceID))
	}
	if r.OutletNo == "" {
		return nil // the whole taxpayer and period (e.g. 未按照规定期限办理纳税申报)
	}
	var match []*filing.Source
	outlet := false
	for _, s := range sources {
		if s.OutletNo == r.OutletNo {
			outlet = true
			if r.Pollutant == "" || s.Pollutant == r.Pollutant {
				match = append(match, s)
			}
		}
	}
	switch {
	case !outlet:
		return notFound("outlet_no", "the taxpayer has no tax source at outlet "+r.OutletNo)
	case len(match) == 0:
		return notFound("pollutant", fmt.Sprintf("outlet %s has no source for %s", r.OutletNo, r.Pollutant))
	case len(match) == 1 && r.Pollutant != "":
		id := match[0].ID
		r.SourceID = &id
	}
	return nil
}

// MarkDeclared records what the latest filed revision d (nil: nothing
// filed) with its figures says about the item: declared, not declared, or
// nothing filed (法 第二十条 covers that too: 未按照规定期限办理纳税申报).
func MarkDeclared(r *Review, d *filing.Declaration, figs []filing.Figure, sources []*filing.Source) {
	if d == nil {
		r.ItemStatus = ItemNoDeclaration
		return
	}
	id := d.ID
	r.DeclarationID = &id
	byID := map[int64]*filing.Source{}
	for _, s := range sources {
		byID[s.ID] = s
	}
	r.ItemStatus = ItemNotDeclared
	for _, f := range figs {
		src := byID[f.SourceID]
		if src != nil && (r.OutletNo == "" || src.OutletNo == r.OutletNo) && (r.Pollutant == "" || src.Pollutant == r.Pollutant) && (r.Month == "" || f.Month == r.Month) {
			r.ItemStatus = ItemDeclared
			return
		}
	}
}

// FigureInput is a corrected figure as the environment bureau gives it:
// a source by ID, or by outlet and pollutant, and the month's values.
type FigureInput struct {
	SourceID         *int64              `json:"source_id"`
	OutletNo         string              `json:"outlet_no"`
	Pollutant        string              `json:"pollutant"`
	Month            string              `json:"month"`
	EmissionKg       decimal.NullDecimal `json:"emission_kg"`
	WastewaterT      decimal.NullDecimal `json:"wastewater_t"`
	AvgConcentration decimal.NullDecimal `json:"avg_concentration"`
	MaxConcentration decimal.NullDecimal `json:"max_concentration"`
}

// Answer is an opinion (复核意见) as given: the conclusion, a note (required
// unless confirmed) and, with the opinion corrected only, the corrected
// figures.
type Answer struct {
	Opinion     string        `json:"opinion"`
	Note        string        `json:"note"`
	Corrections []FigureInput `json:"corrections"`
}

// CheckAnswer checks an opinion on an open review, given on the day on,
// against the taxpayer's sources, and returns its corrections.
func CheckAnswer(r *Review, a Answer, on filing.Date, sources []*filing.Source) (Corrections, []calc.FieldError) {
	var errs []calc.FieldError
	if !oneOf(a.Opinion, Opinions) {
		errs = append(errs, calc.FieldError{Path: "opinion", Code: "invalid_value", Message: "opinion is " + strings.Join(Opinions, ", ")})
	}
	errs = append(errs, TextErr("note", a.Note, a.Opinion != OpinionConfirmed, 2000)...)
	if (a.Opinion == OpinionCorrected) != (len(a.Corrections) > 0) {
		errs = append(errs, calc.FieldError{Path: "corrections", Code: "invalid_value", Message: "corrected figures come with, and only with, the opinion corrected"})
	}
	if on < r.ReceivedOn {
		errs = append(errs, calc.FieldError{Path: "answered_on", Code: "invalid_value", Message: fmt.Sprintf("%s is before the request was received (%s)", on, r.ReceivedOn)})
	}
	corr, cerrs := CheckCorrections(r, sources, a.Corrections)
	return corr, append(errs, cerrs...)
}

// CheckCorrections turns the corrected figures of an opinion into
// corrections of the review's outlet: each names a registered air or
// water source (by ID, or by outlet and pollutant) valid in a month of the
// period, gives at least one figure, once per source and month.
func CheckCorrections(r *Review, sources []*filing.Source, in []FigureInput) (Corrections, []calc.FieldError) {
	per, _ := filing.ParsePeriod(r.Period)
	var errs []calc.FieldError
	add := func(path, code, format string, args ...any) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	out := Corrections{}
	seen := map[string]int{}
	for i, k := range in {
		path := fmt.Sprintf("corrections[%d]", i)
		var src *filing.Source
		for _, s := range sources {
			if (k.SourceID != nil && s.ID == *k.SourceID) ||
				(k.SourceID == nil && s.OutletNo == k.OutletNo && s.Pollutant == k.Pollutant && (k.Month == "" || !filing.ValidMonth(k.Month) || s.ActiveIn(k.Month))) {
				src = s
				break
			}
		}
		switch {
		case src == nil && k.SourceID != nil:
			add(path+".source_id", "unknown_source", "the taxpayer has no tax source %d", *k.SourceID)
			continue
		case src == nil:
			add(path+".outlet_no", "unknown_source", "no tax source for %s at outlet %q", k.Pollutant, k.OutletNo)
			continue
		case (k.OutletNo != "" && k.OutletNo != src.OutletNo) || (k.Pollutant != "" && k.Pollutant != src.Pollutant):
			add(path, "inconsistent_value", "source %d is %s at outlet %s", src.ID, src.Pollutant, src.OutletNo)
			continue
		case r.OutletNo != "" && src.OutletNo != r.OutletNo:
			add(path+".outlet_no", "outside_review", "the review is of outlet %s, not %s", r.OutletNo, src.OutletNo)
			continue
		case src.Kind != filing.KindAir && src.Kind != filing.KindWater:
			add(path+".source_id", "not_applicable", "only air and water figures are corrected through a review")
			continue
		}
		switch {
		case !filing.ValidMonth(k.Month):
			add(path+".month", "invalid_value", "%q is not a month YYYY-MM", k.Month)
			continue
		case !per.HasMonth(k.Month):
			add(path+".month", "month_outside_period", "%s is outside the period %s", k.Month, r.Period)
			continue
		case !src.ActiveIn(k.Month):
			add(path+".month", "source_not_valid", "%s is not valid in %s", src.Label(), k.Month)
			continue
		}
		if !k.EmissionKg.Valid && !k.WastewaterT.Valid && !k.AvgConcentration.Valid && !k.MaxConcentration.Valid {
			add(path, "required", "give at least one corrected figure")
			continue
		}
		if k.WastewaterT.Valid && src.Kind != filing.KindWater {
			add(path+".wastewater_t", "not_applicable", "an air source has no wastewater")
			continue
		}
		key := fmt.Sprintf("%d/%s", src.ID, k.Month)
		if j, dup := seen[key]; dup {
			add(path, "duplicate_figure", "source %d %s is corrected at corrections[%d] already", src.ID, k.Month, j)
			continue
		}
		seen[key] = i
		out = append(out, Correction{SourceID: src.ID, OutletNo: src.OutletNo, Pollutant: src.Pollutant, Month: k.Month,
			EmissionKg: k.EmissionKg, WastewaterT: k.WastewaterT,
			AvgConcentration: k.AvgConcentration, MaxConcentration: k.MaxConcentration})
	}
	return out, errs
}

// SameAnswer reports whether the review's stored opinion equals a, given
// on the day on.
func SameAnswer(r *Review, a Answer, on filing.Date) bool {
	if r.Opinion == nil || *r.Opinion != a.Opinion || r.OpinionNote != a.Note || r.AnsweredOn != on || len(r.Corrections) != len(a.Corrections) {
		return false
	}
	for _, k := range a.Corrections {
		found := false
		for _, c := range r.Corrections {
			if c.OutletNo == k.OutletNo && c.Pollutant == k.Pollutant && c.Month == k.Month && sameND(c.EmissionKg, k.EmissionKg) &&
				sameND(c.WastewaterT, k.WastewaterT) && sameND(c.AvgConcentration, k.AvgConcentration) && sameND(c.MaxConcentration, k.MaxConcentration) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sameND(a, b decimal.NullDecimal) bool {
	return a.Valid == b.Valid && (!a.Valid || a.Decimal.Equal(b.Decimal))
}
