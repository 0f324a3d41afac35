package filing

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ecotax/ecotax/calc"
)

// Taxpayer is a 纳税人 registered for the environmental protection tax.
type Taxpayer struct {
	CreditCode string    `json:"credit_code" db:"credit_code"` // 统一社会信用代码 (纳税人识别号)
	Name       string    `json:"name" db:"name"`
	Region     string    `json:"region" db:"region"`     // 生产经营所在区划, GB/T 2260
	Industry   string    `json:"industry" db:"industry"` // 行业, free text or GB/T 4754 code
	Version    int       `json:"version" db:"version"`
	CreatedAt  time.Time `json:"created_at" db:"created_at"`
	UpdatedAt  time.Time `json:"updated_at" db:"updated_at"`
}

// Validate names every bad field.
func (t *Taxpayer) Validate() []calc.FieldError {
	var errs []calc.FieldError
	if msg := CheckCreditCode(t.CreditCode); msg != "" {
		errs = append(errs, calc.FieldError{Path: "credit_code", Code: "invalid_credit_code", Message: msg})
	}
	errs = append(errs, checkText("name", t.Name, true, 200)...)
	if !calc.ValidRegion(t.Region) {
		errs = append(errs, calc.FieldError{Path: "region", Code: "invalid_value", Message: "region must be a 6-digit GB/T 2260 code"})
	}
	errs = append(errs, checkText("industry", t.Industry, false, 100)...)
	return errs
}

// checkText rejects missing, over-long or control-character text.
func checkText(path, s string, required bool, max int) []calc.FieldError {
	switch {
	case required && s == "":
		return []calc.FieldError{{Path: path, Code: "required", Message: path + " is required"}}
	case !utf8.ValidString(s) || utf8.RuneCountInString(s) > max:
		return []calc.FieldError{{Path: path, Code: "invalid_value", Message: "at most " + strconv.Itoa(max) + " characters"}}
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return []calc.FieldError{{Path: path, Code: "invalid_value", Message: "control characters are not allowed"}}
		}
	}
	return nil
}
