package httpx

import (
	"mime/multipart"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
)

// The one text rule, before any SQL: every path segment, query parameter
// and form field (and, in calc/jsonin, every JSON string) is valid UTF-8
// without NUL. PostgreSQL refuses NUL in TEXT (a 500 before this rule)
// and invalid UTF-8 would be stored as something else than was sent.

// MaxTextBytes bounds one path, query parameter or form field: far above
// any text the service keeps (2,000 characters at most, 8,000 bytes), so
// only a value no form or client sends legitimately is refused, before it
// is copied about, logged or handed to SQL. MaxFileNameBytes bounds an
// uploaded file's name (what file systems allow).
const (
	MaxTextBytes     = 16 << 10
	MaxFileNameBytes = 255
)

// BadText says why s is refused, "" when it is fine. A lone UTF-16
// surrogate written in UTF-8 (ED A0 80 and the like) is invalid UTF-8
// here; calc/jsonin refuses the escaped form (\ud800) in JSON.
func BadText(s string) string {
	if len(s) > MaxTextBytes {
		return "is longer than " + strconv.Itoa(MaxTextBytes) + " bytes"
	}
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
// the pages (CheckForm, CheckMultipart) once the body's limit is in place.
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

// CheckMultipart applies the rule to an upload's fields, the names of its
// file fields and the names of its files (at most MaxFileNameBytes): the
// pre-check workbook and the figures import go through it as every other
// form does.
func CheckMultipart(mf *multipart.Form) error {
	if mf == nil {
		return nil
	}
	if err := checkValues(mf.Value); err != nil {
		return err
	}
	for k, files := range mf.File {
		if why := BadText(k); why != "" {
			return textError("parameter name", why)
		}
		for _, fh := range files {
			why := BadText(fh.Filename)
			if why == "" && len(fh.Filename) > MaxFileNameBytes {
				why = "is longer than " + strconv.Itoa(MaxFileNameBytes) + " bytes"
			}
			if why != "" {
				return textError(k, "names a file that "+why)
			}
		}
	}
	return nil
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
