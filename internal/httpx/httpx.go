// Package httpx is what the two HTTP doors — the JSON API (api/) and the
// pages (web/pages) — share: the one table from error kind to HTTP
// status, the request id the middleware sets, path ids and downloads. It
// holds no business rule.
package httpx

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/internal/sheet"
)

// Kinds the HTTP doors add to the vocabulary of calc.Error.
const (
	KindTooLarge     calc.Kind = "too_large"
	KindPrecondition calc.Kind = "precondition_required"
	KindMediaType    calc.Kind = "unsupported_media_type"
	KindMethod       calc.Kind = "method_not_allowed"
)

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[calc.Kind]int{
	calc.KindInvalid:     http.StatusBadRequest,
	calc.KindNotFound:    http.StatusNotFound,
	calc.KindConflict:    http.StatusConflict,
	app.KindUnauthorized: http.StatusUnauthorized,
	app.KindForbidden:    http.StatusForbidden,
	app.KindTooMany:      http.StatusTooManyRequests,
	calc.KindInternal:    http.StatusInternalServerError,
	KindTooLarge:         http.StatusRequestEntityTooLarge,
	KindPrecondition:     http.StatusPreconditionRequired,
	KindMediaType:        http.StatusUnsupportedMediaType,
	KindMethod:           http.StatusMethodNotAllowed,
	app.KindUnavailable:  http.StatusServiceUnavailable,
}

// Status is the HTTP status of an error kind; an unknown kind is ours.
func Status(k calc.Kind) int {
	if s, ok := statusOf[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Classify turns any error into the *calc.Error a client is shown and its
// status: a *calc.Error as it is, an Echo error translated, any other
// error an internal one with detail (its cause is only logged).
func Classify(err error, detail string) (*calc.Error, int) {
	var ce *calc.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ce):
	case errors.As(err, &he):
		ce = FromEcho(he)
	default:
		ce = app.Fail(calc.KindInternal, "internal", "服务器内部错误", detail)
	}
	return ce, Status(ce.Kind)
}

// RetryHeaders sets Retry-After on the answer of an error that passes
// (unavailable, too many): both doors call it before writing the error.
func RetryHeaders(c echo.Context, ce *calc.Error) {
	switch ce.Kind {
	case app.KindUnavailable:
		c.Response().Header().Set("Retry-After", "5")
	case app.KindTooMany:
		if c.Response().Header().Get("Retry-After") == "" {
			c.Response().Header().Set("Retry-After", "1")
		}
	}
}

// ErrTooLarge is a request body over its limit.
var ErrTooLarge = app.Fail(KindTooLarge, "body_too_large", "请求体过大", "the request body exceeds the limit",
	calc.FieldError{Path: "$", Code: "body_too_large", Message: "the request body exceeds the size limit"})

// FromEcho converts Echo's own errors (unknown route, wrong method).
func FromEcho(he *echo.HTTPError) *calc.Error {
	switch he.Code {
	case http.StatusNotFound:
		return app.Fail(calc.KindNotFound, "route_not_found", "路径不存在", "no such route")
	case http.StatusMethodNotAllowed:
		return app.Fail(KindMethod, "method_not_allowed", "不支持该方法", "method not allowed on this route")
	case http.StatusRequestEntityTooLarge:
		return ErrTooLarge
	case http.StatusUnauthorized:
		return app.Fail(app.KindUnauthorized, "unauthorized", "未认证", "a bearer token is required")
	case http.StatusServiceUnavailable:
		return app.Fail(app.KindUnavailable, "unavailable", "服务暂不可用", "the service is not ready")
	case http.StatusTooManyRequests:
		return app.Fail(app.KindTooMany, "rate_limited", "请求过于频繁", "too many requests from this client; retry later")
	}
	if he.Code >= 400 && he.Code < 500 {
		return app.Fail(calc.KindInvalid, "bad_request", "请求有误", http.StatusText(he.Code))
	}
	return app.Fail(calc.KindInternal, "internal", "服务器内部错误", "")
}

// KeyRequestID is where the request-id middleware keeps a request's id.
const KeyRequestID = "request_id"

// RequestID is the request's id ("" before the middleware ran).
func RequestID(c echo.Context) string {
	id, _ := c.Get(KeyRequestID).(string)
	return id
}

// Ctx is the request's context carrying its id for the audit log.
func Ctx(c echo.Context) context.Context {
	return app.WithRequestID(c.Request().Context(), RequestID(c))
}

// PathID reads a positive whole-number id from the path; anything else
// names nothing that exists.
func PathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, app.Fail(calc.KindNotFound, "not_found", "资源不存在", "no "+name+" "+c.Param(name))
	}
	return id, nil
}

// Download sends a form as an attachment in kind ("xlsx" or "csv").
func Download(c echo.Context, sh *sheet.Sheet, kind, filename string) error {
	b, ctype, ext, err := sh.Encode(kind)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(filename+ext))
	return c.Blob(http.StatusOK, ctype, b)
}

// IfMatch reads the version a write was based on, from If-Match ("3" or
// W/"3") or from the body's version field; neither is 428.
func IfMatch(c echo.Context, bodyVersion int) (int, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h != "" {
		h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
		v, err := strconv.Atoi(h)
		if err != nil || v <= 0 {
			return 0, app.Fail(calc.KindInvalid, "invalid_if_match", "If-Match 无效", "If-Match must be the version, e.g. \"3\"",
				calc.FieldError{Path: "If-Match", Code: "invalid_value", Message: "want the ETag of the resource, a version number"})
		}
		if bodyVersion != 0 && bodyVersion != v {
			return 0, app.Fail(calc.KindInvalid, "version_mismatch", "版本不一致", "If-Match and the body's version differ",
				calc.FieldError{Path: "version", Code: "version_mismatch", Message: "differs from If-Match"})
		}
		return v, nil
	}
	if bodyVersion > 0 {
		return bodyVersion, nil
	}
	return 0, app.Fail(KindPrecondition, "version_required", "缺少版本号", "send If-Match with the resource's ETag (or a version field) so a stale write is refused",
		calc.FieldError{Path: "version", Code: "required", Message: "If-Match header or version field required"})
}
