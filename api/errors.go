package api

import (
	"encoding/json"
	"log/slog"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
)

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

// errorHandler renders every error as application/problem+json. Only our
// own failures (internal) are logged with their cause; the client sees a
// generic message for those.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ce, status := httpx.Classify(err, "an internal error occurred; it has been logged")
	if status >= 500 {
		s.log.Error("request failed", slog.String("request_id", httpx.RequestID(c)), slog.String("path", c.Request().URL.Path), slog.Any("error", err))
	}
	p := problem{Type: "urn:ecotax:problem:" + ce.Code, Title: ce.Title, Status: status, Code: ce.Code,
		Detail: ce.Detail, Instance: c.Request().URL.Path, RequestID: httpx.RequestID(c), Errors: ce.Errors}
	if p.Errors == nil {
		p.Errors = []calc.FieldError{}
	}
	if ce.Kind == calc.KindInternal {
		p.Detail = "an internal error occurred; quote the request_id when reporting it"
	}
	httpx.RetryHeaders(c, ce)
	if ce.Kind == app.KindUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="ecotax"`)
	}
	body, _ := json.Marshal(p)
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(status)
	c.Response().Write(body)
}
