package damage

import (
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/explain"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
)

// Category is one kind of loss or cost a claim may hold.
type Category string

// The five heads of 民法典 第一千二百三十五条, plus the litigation costs the
// Supreme People's Court rules add (若干规定 第十四条第（三）项).
const (
	InterimLoss   Category = "interim_loss"
	PermanentLoss Category = "permanent_loss"
	Investigation Category = "investigation_assessment"
	Restoration   Category = "cleanup_restoration"
	Prevention    Category = "prevention_emergency"
	LegalCosts    Category = "legal_costs"
)

// CategoryInfo names a category and the provision that allows it.
type CategoryInfo struct {
	ID    Category `json:"id"`
	Name  string   `json:"name"`
	Basis string   `json:"basis"`
}

const spcRules = "《最高人民法院关于审理生态环境损害赔偿案件的若干规定（试行）》"

// Categories lists the heads in the order of the article.
var Categories = []CategoryInfo{
	{InterimLoss, "生态环境受到损害至修复完成期间服务功能丧失导致的损失", "民法典 第一千二百三十五条第（一）项；" + spcRules + " 第十二条第三款"},
	{PermanentLoss, "生态环境功能永久性损害造成的损失", "民法典 第一千二百三十五条第（二）项；" + spcRules + " 第十三条"},
	{Investigation, "生态环境损害调查、鉴定评估等费用", "民法典 第一千二百三十五条第（三）项；" + spcRules + " 第十四条第（二）项"},
	{Restoration, "清除污染、修复生态环境费用", "民法典 第一千二百三十五条第（四）项；" + spcRules + " 第十二条第二款"},
	{Prevention, "防止损害的发生和扩大所支出的合理费用（含应急处置费用）", "民法典 第一千二百三十五条第（五）项；" + spcRules + " 第十四条第（一）项、第十九条"},
	{LegalCosts, "合理的律师费以及其他为诉讼支出的合理费用", spcRules + " 第十四条第（三）项（民法典 第一千二百三十五条未列）"},
}

func categoryInfo(c Category) (CategoryInfo, bool) {
	for _, ci := range Categories {
		if ci.ID == c {
			return ci, true
		}
	}
	return CategoryInfo{}, false
}

// Request is a decoded claim. Numbers are exact decimals; every part keeps
// the JSON path it came from.
type Request struct {
	Case        string
	Date        param.Date // selects the parameter rows in force (鉴定评估日)
	ParamSet    string
	VirtualCost []VirtualCostLine
	Items       []Item
}

// VirtualCostLine is one discharge valued by the virtual treatment cost
// method. Either Discharge and UnitCost, or VirtualCost as an assessor
// reported it, is given.
type VirtualCostLine struct {
	Path          string
	ID            string
	Description   string
	Category      Category
	Medium        string
	FunctionClass string
	Discharge     decimal.NullDecimal // 排放量 (t or m³)
	DischargeUnit string
	UnitCost      decimal.NullDecimal // 单位治理成本 (元 per unit of discharge)
	VirtualCost   decimal.NullDecimal // 虚拟治理成本, when stated directly
	Multiplier    decimal.NullDecimal // multiplier method
	Alpha         decimal.NullDecimal // γ method
	Omega         decimal.NullDecimal
	Kappa         decimal.NullDecimal
}

// Item is a cost or loss stated as an amount (an invoice, a restoration
// budget, an assessor's figure).
type Item struct {
	Path        string
	ID          string
	Description string
	Category    Category
	Amount      decimal.Decimal
}

// maxDepth bounds nesting: a claim needs 3 levels.
const maxDepth = 32

// DecodeRequest reads a claim from JSON and validates it (Validate). Numbers may be JSON numbers or
// strings; either way they go straight to decimals (jsonin.PlainDecimal:
// no exponent). Unknown fields, duplicate fields and wrong types are
// errors naming the JSON path.
func DecodeRequest(data []byte) (*Request, error) {
	return DecodeFrom(jsonin.Bytes(data, maxDepth))
}

// DecodeFrom is DecodeRequest of a request from src: a document's bytes,
// or a request already parsed inside another document (the budget's
// inputs).
func DecodeFrom(src jsonin.Source) (*Request, error) {
	req := &Request{}
	read := false
	errs := src(jsonin.PlainDecimal, func(o *jsonin.Object) {
		read = true
		req.Case = o.Str("case", false)
		req.Date = jsonin.Parsed(o, "date", true, param.ParseDate)
		req.ParamSet = o.Str("parameter_set", true)
		for lo := range o.Objects("virtual_cost") {
			l := VirtualCostLine{Path: lo.Path}
			l.ID = lo.Str("id", false)
			l.Description = lo.Str("description", false)
			l.Category = Category(lo.Str("category", true))
			l.Medium = lo.Str("medium", true)
			l.FunctionClass = lo.Str("function_class", false)
			l.Discharge = lo.Decimal("discharge", false)
			l.DischargeUnit = lo.Str("discharge_unit", false)
			l.UnitCost = lo.Decimal("unit_cost", false)
			l.VirtualCost = lo.Decimal("virtual_cost", false)
			l.Multiplier = lo.Decimal("multiplier", false)
			l.Alpha = lo.Decimal("alpha", false)
			l.Omega = lo.Decimal("omega", false)
			l.Kappa = lo.Decimal("kappa", false)
			lo.Finish()
			req.VirtualCost = append(req.VirtualCost, l)
		}
		for obj := range o.Objects("items") {
			it := Item{Path: obj.Path}
			it.ID = obj.Str("id", false)
			it.Description = obj.Str("description", false)
			it.Category = Category(obj.Str("category", true))
			it.Amount = obj.Decimal("amount", true).Decimal
			obj.Finish()
			req.Items = append(req.Items, it)
		}
		o.Finish()
	})
	if !read {
		// Not JSON, or not an object: there is no claim to validate.
		return nil, explain.Invalid(calc.FieldErrors(errs), titles)
	}
	if all := calc.MergeChecked(calc.FieldErrors(errs), req.Validate()); len(all) > 0 {
		return nil, explain.Invalid(all, titles)
	}
	return req, nil
}

// titles are the Chinese titles of the codes this package adds to those
// in calc/errors.go.
var titles = map[string]string{
	"multiplier_out_of_range":  "调整系数超出范围",
	"coefficient_out_of_range": "系数超出范围",
	"multiplier_unconfirmed":   "该功能区类别的调整系数未经确认",
	"unknown_parameter_set":    "未知的参数集",
	"unknown_category":         "未知的赔偿项目类别",
	"not_applicable":           "该字段不适用于所选方法",
	"conflicting_fields":       "字段相互冲突",
	"empty_claim":              "索赔没有任何项目",
}
