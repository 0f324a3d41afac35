package exchange

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

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
