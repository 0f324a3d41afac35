package httpx

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
)

// The one text rule, before any SQL: every path segment, query parameter
// and form field (and, in calc/jsonin, every JSON string) is valid UTF-8
// without NUL. PostgreSQL refuses NUL in TEXT (a 500 before this rule)
// and invalid UTF-8 would be stored as something else than was sent.

// BadText says why s is refused, "" when it is fine.
func BadText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "holds a NUL character"
	}
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	return ""
}

// textError is the 400 for a bad text in field.
func textError(field, why string) *calc.Error {
	return &calc.Error{Kind: calc.KindInvalid, Code: "invalid_text", Title: "文本无效",
		Detail: field + " " + why + "; send valid UTF-8 text without NUL",
		Errors: []calc.FieldError{{Path: field, Code: "invalid_text", Message: why}}}
}

// Text is the middleware applying the rule to a request's path and query,
// answering 400 invalid_text naming the field. Form fields are checked by
// the pages (CheckForm) once the body's limit is in place; a multipart
// upload is left to its reader.
func Text(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if why := BadText(c.Request().URL.Path); why != "" {
			field := "path"
			for i, n := range c.ParamNames() {
				if i >= len(c.ParamValues()) {
					break
				}
				v := c.ParamValues()[i]
				if u, err := url.PathUnescape(v); err == nil { // Echo keeps a raw path's escapes
					v = u
				}
				if BadText(v) != "" {
					field = n
				}
			}
			return textError(field, why)
		}
		if err := CheckForm(c.QueryParams()); err != nil {
			return err
		}
		return next(c)
	}
}

// CheckForm applies the rule to the fields of a query or a form.
func CheckForm(vs map[string][]string) error {
	return checkValues(vs)
}

func checkValues(vs map[string][]string) error {
	for k, list := range vs {
		if why := BadText(k); why != "" {
			return textError("parameter name", why)
		}
		for _, v := range list {
			if why := BadText(v); why != "" {
				return textError(k, why)
			}
		}
	}
	return nil
}
