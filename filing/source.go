package filing

import (
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
)

// Source kinds, the same words as the assessment contract.
const (
	KindAir        = "air"
	KindWater      = "water"
	KindNoise      = "noise"
	KindSolidWaste = "solid_waste"
	KindLivestock  = "livestock"
	KindSampling   = "sampling"
)

// SourceKinds lists the kinds in form order.
var SourceKinds = []string{KindAir, KindWater, KindNoise, KindSolidWaste, KindLivestock, KindSampling}

// Methods are the 污染物排放量计算方法 the engine knows.
var Methods = []string{"automatic", "monitoring", "self_monitoring", "factor", "material_balance", "sampling"}

// Source is one tax source (税源) as on the 《环境保护税税源明细表》: an
// outlet or a noise / solid-waste / livestock / sampled source, for one
// pollutant, with its determination method, standard and validity period.
// A change keeps the same ID and raises Version; every version is kept in
// the source's history.
type Source struct {
	ID         int64  `json:"id" db:"id"` // 税源编号
	CreditCode string `json:"credit_code" db:"credit_code"`
	OutletNo   string `json:"outlet_no" db:"outlet_no"`     // 排放口编号 / 噪声源编号
	OutletName string `json:"outlet_name" db:"outlet_name"` // 排放口名称或噪声源名称
	Location   string `json:"location" db:"location"`       // 生产经营所在街乡
	Kind       string `json:"kind" db:"kind"`               // 污染物类别
	Fugitive   bool   `json:"fugitive" db:"fugitive"`       // 无组织排放
	// Pollutant is the statutory pollutant name for air and water, the
	// waste for solid waste, the species for livestock and the table IV
	// item for sampling; empty for noise.
	Pollutant             string              `json:"pollutant" db:"pollutant"`
	Method                string              `json:"method" db:"method"`                                 // 污染物排放量计算方法
	Standard              string              `json:"standard" db:"standard"`                             // 执行标准, e.g. GB 13223-2011
	StandardConcentration decimal.NullDecimal `json:"standard_concentration" db:"standard_concentration"` // 标准浓度值 mg/m³ or mg/L
	DayLimitDB            decimal.NullDecimal `json:"day_limit_db" db:"day_limit_db"`                     // 标准值昼间 (6–22时)
	NightLimitDB          decimal.NullDecimal `json:"night_limit_db" db:"night_limit_db"`                 // 标准值夜间 (22–6时)
	MultiplePoints        bool                `json:"multiple_points" db:"multiple_points"`               // 沿边界长度超过100米有两处以上噪声超标
	ValidFrom             Date                `json:"valid_from" db:"valid_from"`                         // 有效期起
	ValidTo               Date                `json:"valid_to" db:"valid_to"`                             // 有效期止; "" while open
	Version               int                 `json:"version" db:"version"`
	CreatedAt             time.Time           `json:"created_at" db:"created_at"`
	UpdatedAt             time.Time           `json:"updated_at" db:"updated_at"`
}

// Validate names every bad field of a source as registered or changed.
func (s *Source) Validate() []calc.FieldError {
	var errs []calc.FieldError
	add := func(path, code, msg string) {
		errs = append(errs, calc.FieldError{Path: path, Code: code, Message: msg})
	}
	if !oneOf(s.Kind, SourceKinds) {
		add("kind", "invalid_value", "kind must be one of "+strings.Join(SourceKinds, ", "))
	}
	errs = append(errs, checkText("outlet_no", s.OutletNo, true, 50)...)
	errs = append(errs, checkText("outlet_name", s.OutletName, true, 200)...)
	errs = append(errs, checkText("location", s.Location, false, 200)...)
	errs = append(errs, checkText("standard", s.Standard, false, 200)...)
	errs = append(errs, checkText("pollutant", s.Pollutant, s.Kind != KindNoise, 100)...)
	if s.Kind == KindNoise && s.Pollutant != "" {
		add("pollutant", "invalid_value", "a noise source has no pollutant; give day_limit_db and/or night_limit_db")
	}
	if s.Method != "" && !oneOf(s.Method, Methods) {
		add("method", "invalid_value", "method must be one of "+strings.Join(Methods, ", "))
	}
	if s.Method != "" && s.Kind != KindAir && s.Kind != KindWater {
		add("method", "not_applicable", "only air and water sources carry a method")
	}
	if s.Fugitive && s.Kind != KindAir {
		add("fugitive", "not_applicable", "only air sources can be fugitive (无组织排放)")
	}
	if s.StandardConcentration.Valid {
		if s.Kind != KindAir && s.Kind != KindWater {
			add("standard_concentration", "not_applicable", "only air and water sources have a standard concentration")
		} else if s.StandardConcentration.Decimal.Sign() <= 0 {
			add("standard_concentration", "invalid_number", "the standard concentration must be above zero")
		}
	}
	if s.Kind == KindNoise {
		if !s.DayLimitDB.Valid && !s.NightLimitDB.Valid {
			add("day_limit_db", "required", "a noise source needs day_limit_db and/or night_limit_db")
		}
	} else {
		if s.DayLimitDB.Valid {
			add("day_limit_db", "not_applicable", "only noise sources have a day limit")
		}
		if s.NightLimitDB.Valid {
			add("night_limit_db", "not_applicable", "only noise sources have a night limit")
		}
		if s.MultiplePoints {
			add("multiple_points", "not_applicable", "only noise sources have multiple exceeding points")
		}
	}
	if _, err := ParseDate(string(s.ValidFrom)); err != nil {
		add("valid_from", "invalid_value", "valid_from must be a day YYYY-MM-DD")
	}
	if s.ValidTo != "" {
		if _, err := ParseDate(string(s.ValidTo)); err != nil {
			add("valid_to", "invalid_value", "valid_to must be a day YYYY-MM-DD")
		} else if s.ValidTo < s.ValidFrom {
			add("valid_to", "invalid_value", "valid_to is before valid_from")
		}
	}
	return errs
}

// ActiveIn reports whether the source is valid on at least one day of
// month YYYY-MM.
func (s *Source) ActiveIn(month string) bool {
	first, last := monthRange(month)
	from := s.ValidFrom.Day()
	to := s.ValidTo.Day()
	return from <= last && (to == 0 || to >= first)
}

// Label names the source for messages: "12 DA001 二氧化硫".
func (s *Source) Label() string {
	l := "税源 " + strconv.FormatInt(s.ID, 10) + " " + s.OutletNo
	if s.Pollutant != "" {
		l += " " + s.Pollutant
	}
	return l
}

// SourceVersion is one entry of a source's history: the source as it was
// after a change.
type SourceVersion struct {
	Source
	Change    string    `json:"change" db:"change"` // create, change, end (新增/变更/删除)
	ChangedBy string    `json:"changed_by" db:"changed_by"`
	ChangedAt time.Time `json:"changed_at" db:"changed_at"`
}

func oneOf(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// SetFields takes what a taxpayer registers or changes (新增/变更) of a
// source from n: everything but its identity, taxpayer, version and
// times.
func (s *Source) SetFields(n *Source) {
	s.OutletNo, s.OutletName, s.Location, s.Kind, s.Fugitive = n.OutletNo, n.OutletName, n.Location, n.Kind, n.Fugitive
	s.Pollutant, s.Method, s.Standard = n.Pollutant, n.Method, n.Standard
	s.StandardConcentration, s.DayLimitDB, s.NightLimitDB = n.StandardConcentration, n.DayLimitDB, n.NightLimitDB
	s.MultiplePoints, s.ValidFrom, s.ValidTo = n.MultiplePoints, n.ValidFrom, n.ValidTo
}
