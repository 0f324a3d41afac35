package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
)

// Kinds the HTTP layer adds to calc's vocabulary.
const (
	kindTooLarge     calc.Kind = "too_large"
	kindPrecondition calc.Kind = "precondition_required"
	kindMediaType    calc.Kind = "unsupported_media_type"
	kindMethod       calc.Kind = "method_not_allowed"
	kindUnavailable  calc.Kind = "unavailable"
)

// statusOf is the one table from error kind to HTTP status.
var statusOf = map[calc.Kind]int{
	calc.KindInvalid:      http.StatusBadRequest,
	calc.KindNotFound:     http.StatusNotFound,
	calc.KindConflict:     http.StatusConflict,
	calc.KindUnauthorized: http.StatusUnauthorized,
	calc.KindForbidden:    http.StatusForbidden,
	calc.KindTooMany:      http.StatusTooManyRequests,
	calc.KindInternal:     http.StatusInternalServerError,
	kindTooLarge:          http.StatusRequestEntityTooLarge,
	kindPrecondition:      http.StatusPreconditionRequired,
	kindMediaType:         http.StatusUnsupportedMediaType,
	kindMethod:            http.StatusMethodNotAllowed,
	kindUnavailable:       http.StatusServiceUnavailable,
}

// problem is an RFC 9457 problem document with the contract's fields.
type problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Code      string            `json:"code"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    []calc.FieldError `json:"errors"`
}

func apiError(kind calc.Kind, code, title, detail string, errs ...calc.FieldError) *calc.Error {
	return &calc.Error{Kind: kind, Code: code, Title: title, Detail: detail, Errors: errs}
}

// classify turns any error into the *calc.Error a client is shown and its
// status (statusOf): a *calc.Error as it is, an Echo error translated, any
// other error an internal one with detail (its cause is only logged).
func classify(err error, detail string) (*calc.Error, int) {
	var ce *calc.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ce):
	case errors.As(err, &he):
		ce = fromEcho(he)
	default:
		ce = apiError(calc.KindInternal, "internal", "服务器内部错误", detail)
	}
	status, ok := statusOf[ce.Kind]
	if !ok {
		status = http.StatusInternalServerError
	}
	return ce, status
}

// errorHandler renders every error as application/problem+json. Only our
// own failures (internal) are logged with their cause; the client sees a
// generic message for those.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ce, status := classify(err, "an internal error occurred; it has been logged")
	if status >= 500 {
		s.log.Error("request failed", slog.String("request_id", requestID(c)), slog.String("path", c.Request().URL.Path), slog.Any("error", err))
	}
	p := problem{Type: "urn:ecotax:problem:" + ce.Code, Title: ce.Title, Status: status, Code: ce.Code,
		Detail: ce.Detail, Instance: c.Request().URL.Path, RequestID: requestID(c), Errors: ce.Errors}
	if p.Errors == nil {
		p.Errors = []calc.FieldError{}
	}
	if ce.Kind == calc.KindInternal {
		p.Detail = "an internal error occurred; quote the request_id when reporting it"
	}
	if ce.Kind == calc.KindUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="ecotax"`)
	}
	body, _ := json.Marshal(p)
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(status)
	c.Response().Write(body)
}

// fromEcho converts Echo's own errors (unknown route, wrong method).
func fromEcho(he *echo.HTTPError) *calc.Error {
	switch he.Code {
	case http.StatusNotFound:
		return apiError(calc.KindNotFound, "route_not_found", "路径不存在", "no such route")
	case http.StatusMethodNotAllowed:
		return apiError(kindMethod, "method_not_allowed", "不支持该方法", "method not allowed on this route")
	case http.StatusRequestEntityTooLarge:
		return errTooLarge
	case http.StatusUnauthorized:
		return apiError(calc.KindUnauthorized, "unauthorized", "未认证", "a bearer token is required")
	case http.StatusServiceUnavailable:
		return apiError(kindUnavailable, "unavailable", "服务暂不可用", "the service is not ready")
	}
	if he.Code >= 400 && he.Code < 500 {
		return apiError(calc.KindInvalid, "bad_request", "请求有误", http.StatusText(he.Code))
	}
	return apiError(calc.KindInternal, "internal", "服务器内部错误", "")
}

var errTooLarge = apiError(kindTooLarge, "body_too_large", "请求体过大", "the request body exceeds the limit",
	calc.FieldError{Path: "$", Code: "body_too_large", Message: "the request body exceeds the size limit"})
