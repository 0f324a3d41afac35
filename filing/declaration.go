package filing

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// Status is where a declaration stands. Draft → submitted (immutable) →
// accepted (locked: not even a correction).
type Status string

const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
	StatusAccepted  Status = "accepted"
)

// Declaration is one revision of a taxpayer's declaration for a period.
// Revision 1 is the original declaration (首次申报); each correction
// (更正申报) is a new row with the next revision, pointing at the revision
// it replaces and showing the difference in tax.
type Declaration struct {
	ID             int64      `json:"id" db:"id"`
	CreditCode     string     `json:"credit_code" db:"credit_code"`
	Period         string     `json:"period" db:"period"`
	Revision       int        `json:"revision" db:"revision"`
	ReplacesID     *int64     `json:"replaces_id" db:"replaces_id"`
	Status         Status     `json:"status" db:"status"`
	Version        int        `json:"version" db:"version"` // optimistic lock (If-Match)
	Deadline       Date       `json:"deadline" db:"deadline"`
	TotalTaxDue    Money      `json:"total_tax_due" db:"total_tax_due"`
	TotalReduction Money      `json:"total_reduction" db:"total_reduction"`
	TotalTax       Money      `json:"total_tax" db:"total_tax"`
	PreviousTax    Money      `json:"previous_tax" db:"previous_tax"`     // total_tax of the replaced revision
	TaxDifference  Money      `json:"tax_difference" db:"tax_difference"` // 应补(退)税额: total_tax − previous_tax
	Assessment     RawJSON    `json:"assessment,omitempty" db:"assessment"`
	SubmittedAt    *time.Time `json:"submitted_at" db:"submitted_at"`
	SubmittedBy    string     `json:"submitted_by" db:"submitted_by"`
	AcceptedAt     *time.Time `json:"accepted_at" db:"accepted_at"`
	AcceptedBy     string     `json:"accepted_by" db:"accepted_by"`
	PaidOn         Date       `json:"paid_on" db:"paid_on"`
	PaidAmount     Money      `json:"paid_amount" db:"paid_amount"`
	CreatedAt      time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at" db:"updated_at"`
}

// Figure is one tax source's figures for one month (申报计算信息). Which
// fields apply depends on the source's kind (see figureFields).
type Figure struct {
	SourceID         int64               `json:"source_id" db:"source_id"`
	Month            string              `json:"month" db:"month"` // 税款所属月份 YYYY-MM
	EmissionKg       decimal.NullDecimal `json:"emission_kg" db:"emission_kg"`
	WastewaterT      decimal.NullDecimal `json:"wastewater_t" db:"wastewater_t"`
	AvgConcentration decimal.NullDecimal `json:"avg_concentration" db:"avg_concentration"`
	MaxConcentration decimal.NullDecimal `json:"max_concentration" db:"max_concentration"`
	Value            decimal.NullDecimal `json:"value" db:"value"`       // pH value
	Measured         decimal.NullDecimal `json:"measured" db:"measured"` // 色度 / 大肠菌群数 measured
	Standard         decimal.NullDecimal `json:"standard" db:"standard"` // and its standard
	DayMeasuredDB    decimal.NullDecimal `json:"day_measured_db" db:"day_measured_db"`
	DayExceedDays    *int                `json:"day_exceed_days" db:"day_exceed_days"`
	NightMeasuredDB  decimal.NullDecimal `json:"night_measured_db" db:"night_measured_db"`
	NightExceedDays  *int                `json:"night_exceed_days" db:"night_exceed_days"`
	GeneratedT       decimal.NullDecimal `json:"generated_t" db:"generated_t"`
	StoredT          decimal.NullDecimal `json:"stored_t" db:"stored_t"`
	DisposedT        decimal.NullDecimal `json:"disposed_t" db:"disposed_t"`
	UtilizedT        decimal.NullDecimal `json:"utilized_t" db:"utilized_t"`
	StockStart       decimal.NullDecimal `json:"stock_start" db:"stock_start"`
	StockEnd         decimal.NullDecimal `json:"stock_end" db:"stock_end"`
	Quantity         decimal.NullDecimal `json:"quantity" db:"quantity"` // 特征指标数量
}

// figureFields lists the figure fields each source kind may carry.
var figureFields = map[string][]string{
	KindAir:        {"emission_kg", "avg_concentration", "max_concentration"},
	KindWater:      {"emission_kg", "wastewater_t", "avg_concentration", "max_concentration", "value", "measured", "standard"},
	KindNoise:      {"day_measured_db", "day_exceed_days", "night_measured_db", "night_exceed_days"},
	KindSolidWaste: {"generated_t", "stored_t", "disposed_t", "utilized_t"},
	KindLivestock:  {"stock_start", "stock_end"},
	KindSampling:   {"quantity"},
}

// Present lists the JSON names of the figure fields that are set.
func (f *Figure) Present() []string {
	var out []string
	for _, nd := range []struct {
		name string
		set  bool
	}{
		{"emission_kg", f.EmissionKg.Valid}, {"wastewater_t", f.WastewaterT.Valid},
		{"avg_concentration", f.AvgConcentration.Valid}, {"max_concentration", f.MaxConcentration.Valid},
		{"value", f.Value.Valid}, {"measured", f.Measured.Valid}, {"standard", f.Standard.Valid},
		{"day_measured_db", f.DayMeasuredDB.Valid}, {"day_exceed_days", f.DayExceedDays != nil},
		{"night_measured_db", f.NightMeasuredDB.Valid}, {"night_exceed_days", f.NightExceedDays != nil},
		{"generated_t", f.GeneratedT.Valid}, {"stored_t", f.StoredT.Valid},
		{"disposed_t", f.DisposedT.Valid}, {"utilized_t", f.UtilizedT.Valid},
		{"stock_start", f.StockStart.Valid}, {"stock_end", f.StockEnd.Valid},
		{"quantity", f.Quantity.Valid},
	} {
		if nd.set {
			out = append(out, nd.name)
		}
	}
	return out
}

// CheckFigures checks figures against the period and the taxpayer's
// sources (by ID): each month inside the period, each source known and
// valid in that month, one figure per source and month, only the fields
// the source's kind uses. Paths are figures[i].field.
func CheckFigures(per Period, sources map[int64]*Source, figs []Figure) []calc.FieldError {
	var errs []calc.FieldError
	add := func(path, code, msg string) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: msg})
	}
	seen := map[string]int{}
	for i := range figs {
		f := &figs[i]
		p := fmt.Sprintf("figures[%d]", i)
		s, ok := sources[f.SourceID]
		if !ok {
			add(p+".source_id", "unknown_source", fmt.Sprintf("the taxpayer has no tax source %d", f.SourceID))
		}
		switch {
		case !ValidMonth(f.Month):
			add(p+".month", "invalid_value", fmt.Sprintf("%q is not a month YYYY-MM", f.Month))
		case !per.HasMonth(f.Month):
			add(p+".month", "month_outside_period", fmt.Sprintf("%s is outside the period %s (%s)", f.Month, per.Text, strings.Join(per.Months(), ", ")))
		case ok && !s.ActiveIn(f.Month):
			add(p+".month", "source_not_valid", fmt.Sprintf("%s is not valid in %s (有效期 %s – %s)", s.Label(), f.Month, s.ValidFrom, s.ValidTo))
		}
		key := fmt.Sprintf("%d/%s", f.SourceID, f.Month)
		if j, dup := seen[key]; dup {
			add(p, "duplicate_figure", fmt.Sprintf("source %d already has figures for %s at figures[%d]", f.SourceID, f.Month, j))
		} else {
			seen[key] = i
		}
		if !ok {
			continue
		}
		allowed := figureFields[s.Kind]
		for _, name := range f.Present() {
			if !oneOf(name, allowed) {
				add(p+"."+name, "not_applicable", fmt.Sprintf("a %s source does not take %s (it takes %s)", s.Kind, name, strings.Join(allowed, ", ")))
			}
		}
		if s.Kind == KindNoise {
			if (f.DayMeasuredDB.Valid || f.DayExceedDays != nil) && !s.DayLimitDB.Valid {
				add(p+".day_measured_db", "not_applicable", s.Label()+" has no day limit (标准值昼间) registered")
			}
			if (f.NightMeasuredDB.Valid || f.NightExceedDays != nil) && !s.NightLimitDB.Valid {
				add(p+".night_measured_db", "not_applicable", s.Label()+" has no night limit (标准值夜间) registered")
			}
		}
		for _, d := range []struct {
			name string
			v    *int
		}{{"day_exceed_days", f.DayExceedDays}, {"night_exceed_days", f.NightExceedDays}} {
			if d.v != nil && (*d.v < 0 || *d.v > 31) {
				add(p+"."+d.name, "invalid_value", "exceed days must be 0 to 31")
			}
		}
	}
	return errs
}

// Missing lists, as errors, every source and month of the period for
// which the source was valid but no figure was given (completeness check
// of the 预检). A month without emissions is declared with zeros.
func Missing(per Period, sources []*Source, figs []Figure) []calc.FieldError {
	have := map[string]bool{}
	for _, f := range figs {
		have[fmt.Sprintf("%d/%s", f.SourceID, f.Month)] = true
	}
	var errs []calc.FieldError
	for _, s := range sources {
		for _, m := range per.Months() {
			if s.ActiveIn(m) && !have[fmt.Sprintf("%d/%s", s.ID, m)] {
				errs = append(errs, calc.FieldError{Path: "figures", Code: "missing_figures",
					Message: fmt.Sprintf("%s has no figures for %s; declare zeros when nothing was emitted", s.Label(), m)})
			}
		}
	}
	return errs
}

// SortFigures orders figures by month then source, the order of the form.
func SortFigures(figs []Figure) {
	sort.SliceStable(figs, func(i, j int) bool {
		if figs[i].Month != figs[j].Month {
			return figs[i].Month < figs[j].Month
		}
		return figs[i].SourceID < figs[j].SourceID
	})
}

func conflict(code, title, detail string) *calc.Error {
	return &calc.Error{Kind: calc.KindConflict, Code: code, Title: title, Detail: detail}
}

// CanEdit checks that a declaration's figures may still change.
func (d *Declaration) CanEdit() *calc.Error {
	switch d.Status {
	case StatusDraft:
		return nil
	case StatusAccepted:
		return conflict("declaration_locked", "申报已受理, 不能修改", "an accepted declaration is locked")
	}
	return conflict("declaration_immutable", "申报已提交, 不能修改", "a submitted declaration is immutable; file a correction (更正申报)")
}

// CanCorrect checks that d may be corrected: it is the latest revision
// and submitted (not a draft, not accepted).
func (d *Declaration) CanCorrect(latestRevision int) *calc.Error {
	switch {
	case d.Revision != latestRevision:
		return conflict("not_latest_revision", "只能更正最新一次申报", fmt.Sprintf("revision %d is not the latest (%d)", d.Revision, latestRevision))
	case d.Status == StatusDraft:
		return conflict("declaration_not_submitted", "申报尚未提交", "a draft is edited, not corrected")
	case d.Status == StatusAccepted:
		return conflict("declaration_locked", "申报已受理, 不能更正", "an accepted declaration is locked")
	}
	return nil
}

// CanAccept checks that an officer may accept (受理) d.
func (d *Declaration) CanAccept(latestRevision int) *calc.Error {
	switch {
	case d.Status == StatusAccepted:
		return conflict("declaration_locked", "申报已受理", "already accepted")
	case d.Status != StatusSubmitted:
		return conflict("declaration_not_submitted", "申报尚未提交", "only a submitted declaration can be accepted")
	case d.Revision != latestRevision:
		return conflict("not_latest_revision", "只能受理最新一次申报", fmt.Sprintf("revision %d has been replaced by revision %d", d.Revision, latestRevision))
	}
	return nil
}

// CanPay checks that a payment may be recorded.
func (d *Declaration) CanPay() *calc.Error {
	if d.Status == StatusDraft {
		return conflict("declaration_not_submitted", "申报尚未提交", "a payment is recorded against a submitted declaration")
	}
	if d.PaidOn != "" {
		return conflict("already_paid", "已登记缴款", "a payment is already recorded for this revision")
	}
	return nil
}

// Owed is what the revision asks to be paid: the whole tax for the
// original declaration, the positive difference for a correction.
func (d *Declaration) Owed() decimal.Decimal {
	if d.ReplacesID == nil {
		return d.TotalTax.Decimal
	}
	if d.TaxDifference.Decimal.Sign() > 0 {
		return d.TaxDifference.Decimal
	}
	return decimal.Zero
}

// FigureFields lists the JSON names of the figure fields a source kind
// takes, in the order of the form.
func FigureFields(kind string) []string { return figureFields[kind] }
