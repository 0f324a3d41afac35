package api

import (
	"context"
	"net/http"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

// allowed checks the caller's role may perform act at all.
func allowed(c echo.Context, act filing.Action) (filing.Principal, error) {
	p := who(c)
	if !p.Can(act) {
		return p, apiError(app.KindForbidden, "forbidden", "无权执行该操作", "role "+string(p.Role)+" may not "+string(act))
	}
	return p, nil
}

// jsonBody reads a non-empty JSON body.
func (s *Server) jsonBody(c echo.Context) ([]byte, error) {
	body, err := readBody(c, s.cfg.BodyLimit, "")
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		return nil, apiError(calc.KindInvalid, "invalid_json", "JSON 格式错误", "empty body",
			calc.FieldError{Path: "$", Code: "invalid_json", Message: "the body is empty"})
	}
	return body, nil
}

// decodeBody reads and strictly decodes a JSON body.
func (s *Server) decodeBody(c echo.Context, dst any) ([]byte, error) {
	body, err := s.jsonBody(c)
	if err != nil {
		return nil, err
	}
	if e := decodeJSON(body, dst); e != nil {
		return nil, e
	}
	return body, nil
}

func invalid(errs []calc.FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	return calc.Invalid(errs)
}

// ctx is the request's context carrying its id for the audit log.
func ctx(c echo.Context) context.Context { return httpx.Ctx(c) }

// idem names a create request for idempotency: its Idempotency-Key and
// a hash of its method, path and body.
func idem(c echo.Context, body []byte) app.Idem {
	r := c.Request()
	return app.Idem{Key: r.Header.Get("Idempotency-Key"), Hash: app.IdemHash(r.Method, r.URL.Path, body)}
}

// created answers a create: 201 with the new record, its address and
// ETag, or the stored answer of an earlier request with the same key.
func created[T any](c echo.Context, r *app.Created[T], err error) error {
	if err != nil {
		return err
	}
	if r.Ref != "" {
		c.Response().Header().Set(echo.HeaderLocation, "/v1/"+r.Ref)
	}
	if r.Replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	} else if r.Version > 0 {
		setETag(c, r.Version)
	}
	return c.JSONBlob(http.StatusCreated, r.Body)
}

// versioned answers 200 with a record and its version as ETag.
func versioned(c echo.Context, v any, version int) error {
	setETag(c, version)
	return c.JSON(http.StatusOK, v)
}

// writeArgs reads what a change of one record sends: its JSON body into in
// (bodyVersion points at in's version field), the version the change is
// based on (If-Match or that field) and the record's id in the path.
func (s *Server) writeArgs(c echo.Context, in any, bodyVersion *int) (id int64, version int, err error) {
	if _, err = s.decodeBody(c, in); err != nil {
		return 0, 0, err
	}
	if version, err = httpx.IfMatch(c, *bodyVersion); err != nil {
		return 0, 0, err
	}
	id, err = httpx.PathID(c, "id")
	return id, version, err
}
