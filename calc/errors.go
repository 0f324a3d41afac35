package calc

import "strings"

// Kind classifies an error for the adapters: the doors map each kind to
// one HTTP status in a single table (internal/httpx), the CLI to an exit
// status. The engine itself only produces KindInvalid (bad input) and
// KindInternal; who may do what is the application layer's business, and
// its kinds (unauthorized, forbidden, too many, unavailable) live in app.
type Kind string

const (
	KindInvalid  Kind = "invalid"   // the request is wrong; nothing was computed
	KindNotFound Kind = "not_found" // a named thing does not exist (or is not visible)
	KindConflict Kind = "conflict"  // stale version, duplicate, immutable record
	KindInternal Kind = "internal"  // our fault
)

// FieldError names one bad input by its JSON path, e.g.
// "sources[2].pollutants[0].emission_kg".
type FieldError struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is the one error type the core hands to adapters. Title is Chinese
// (for the people reading it), Detail English (for the people debugging).
type Error struct {
	Kind   Kind
	Code   string // stable, machine-readable, e.g. "unknown_pollutant"
	Title  string
	Detail string
	Errors []FieldError
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	for _, f := range e.Errors {
		b.WriteString("; ")
		b.WriteString(f.Path)
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	return b.String()
}

// Invalid builds a KindInvalid error from field errors. The code of the
// whole error is the code of the first field error when all share it, and
// "invalid_request" otherwise.
func Invalid(errs []FieldError) *Error {
	code := "invalid_request"
	if len(errs) > 0 {
		code = errs[0].Code
		for _, f := range errs[1:] {
			if f.Code != code {
				code = "invalid_request"
				break
			}
		}
	}
	detail := "the request has errors; nothing was computed"
	if len(errs) == 1 {
		detail = errs[0].Path + ": " + errs[0].Message
	}
	return &Error{Kind: KindInvalid, Code: code, Title: titleFor(code), Detail: detail, Errors: errs}
}

// titles gives the Chinese title of each stable error code.
var titles = map[string]string{
	"invalid_request":      "请求有误",
	"invalid_json":         "JSON 格式错误",
	"invalid_number":       "数值无效",
	"invalid_type":         "字段类型错误",
	"unknown_field":        "未知字段",
	"duplicate_field":      "字段重复",
	"required":             "缺少必填项",
	"invalid_value":        "取值无效",
	"unknown_pollutant":    "未知的应税污染物",
	"unknown_region":       "未知的行政区划代码",
	"region_too_coarse":    "行政区划代码不够具体",
	"rate_not_found":       "找不到适用税额",
	"parameter_not_found":  "找不到适用参数",
	"month_outside_period": "月份不在申报期内",
	"duplicate_source":     "税源重复",
	"duplicate_pollutant":  "污染物重复",
	"negative_remainder":   "固体废物排放量为负",
}

func titleFor(code string) string {
	if t, ok := titles[code]; ok {
		return t
	}
	return "请求有误"
}

// Title returns the Chinese title for a stable error code.
func Title(code string) string { return titleFor(code) }
