package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// allowed checks the caller's role may perform act at all.
func allowed(c echo.Context, act filing.Action) (filing.Principal, error) {
	p := who(c)
	if !p.Can(act) {
		return p, apiError(app.KindForbidden, "forbidden", "无权执行该操作", "role "+string(p.Role)+" may not "+string(act))
	}
	return p, nil
}

// visibleTaxpayer loads a taxpayer the caller may see; one it may not see
// is reported exactly like one that does not exist, so an enterprise
// cannot even learn which other taxpayers are registered.
func visibleTaxpayer(tx *store.Tx, p filing.Principal, code string) (*filing.Taxpayer, error) {
	hidden := apiError(calc.KindNotFound, "taxpayer_not_found", "纳税人不存在", "no taxpayer "+code+" visible to this token")
	if p.Role == filing.RoleEnterprise && p.CreditCode != code {
		return nil, hidden
	}
	t, err := tx.GetTaxpayer(code)
	if err != nil {
		return nil, err
	}
	if !p.Sees(t.CreditCode, t.Region) {
		return nil, hidden
	}
	return t, nil
}

// parsePeriod reads a period (税款所属期) given as "period", in a body or
// the query.
func parsePeriod(text string) (filing.Period, error) {
	per, err := filing.ParsePeriod(text)
	if err != nil {
		return per, calc.Invalid([]calc.FieldError{{Path: "period", Code: "invalid_value", Message: err.Error()}})
	}
	return per, nil
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

func (s *Server) audit(tx *store.Tx, c echo.Context, act filing.Action, entity, id, code string, before, after any) error {
	p := who(c)
	return tx.Audit(&filing.AuditEntry{Actor: p.Actor(), TokenID: p.TokenID, Action: string(act), Entity: entity,
		EntityID: id, CreditCode: code, RequestID: httpx.RequestID(c)}, before, after)
}

func invalid(errs []calc.FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	return calc.Invalid(errs)
}

// createdResult is what a create handler returns: where the new resource
// lives, its body and its version (for the ETag).
type createdResult struct {
	location string
	body     any
	version  int
}

// create runs a create in one transaction, honouring Idempotency-Key: the
// same key with the same body replays the stored answer without a second
// row; the same key with another body is a conflict. The answer is stored
// in the transaction that created the row, so both exist or neither.
func (s *Server) create(c echo.Context, body []byte, fn func(tx *store.Tx) (*createdResult, error)) error {
	p := who(c)
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > 200 || !printable(key) {
		return apiError(calc.KindInvalid, "invalid_idempotency_key", "Idempotency-Key 无效", "at most 200 printable ASCII characters",
			calc.FieldError{Path: "Idempotency-Key", Code: "invalid_value", Message: "at most 200 printable ASCII characters"})
	}
	h := sha256.New()
	h.Write([]byte(c.Request().Method + " " + c.Request().URL.Path + "\n"))
	h.Write(body)
	hash := hex.EncodeToString(h.Sum(nil))
	var (
		status   = http.StatusCreated
		out      []byte
		location string
		version  int
		replayed bool
	)
	err := s.store.InTx(c.Request().Context(), func(tx *store.Tx) error {
		if key != "" {
			prev, err := tx.GetIdempotency(p.TokenID, key)
			if err != nil {
				return err
			}
			if prev != nil {
				if prev.RequestHash != hash {
					return apiError(calc.KindConflict, "idempotency_key_reused", "幂等键已用于其他请求",
						"this Idempotency-Key was used with a different request; use a new key",
						calc.FieldError{Path: "Idempotency-Key", Code: "idempotency_key_reused", Message: "already used with a different body"})
				}
				status, out, location, replayed = prev.Status, []byte(prev.Body), prev.Location, true
				return nil
			}
		}
		r, err := fn(tx)
		if err != nil {
			return err
		}
		if out, err = json.Marshal(r.body); err != nil {
			return err
		}
		location, version = r.location, r.version
		if key != "" {
			err := tx.PutIdempotency(p.TokenID, key, &store.Idempotent{RequestHash: hash, Status: status, Location: location, Body: string(out)})
			if ce, ok := err.(*calc.Error); ok && ce.Kind == calc.KindConflict {
				return apiError(calc.KindConflict, "idempotency_key_in_use", "幂等键正在使用", "a request with this Idempotency-Key is in progress; retry")
			}
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if location != "" {
		c.Response().Header().Set(echo.HeaderLocation, location)
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	} else if version > 0 {
		setETag(c, version)
	}
	return c.JSONBlob(status, out)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// view runs reads in one transaction (one snapshot for the response).
func (s *Server) view(c echo.Context, fn func(tx *store.Tx) error) error {
	return s.store.View(c.Request().Context(), fn)
}

// ctx is the request's context carrying its id for the audit log.
func ctx(c echo.Context) context.Context {
	return app.WithRequestID(c.Request().Context(), httpx.RequestID(c))
}

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
