package app

import (
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/store"
)

// Kinds of error the application layer adds to the vocabulary of
// calc.Error (the one error type: Chinese title, English detail, field
// paths). The engine only ever produces invalid and internal errors; who
// may do what is decided here, so these kinds live here.
const (
	KindUnauthorized calc.Kind = "unauthorized"        // no or bad credentials
	KindForbidden    calc.Kind = "forbidden"           // credentials valid, action not allowed
	KindTooMany      calc.Kind = "too_many"            // rate limited
	KindUnavailable            = store.KindUnavailable // a dependency (the database) does not answer
)

// Fail builds an error of a kind with its stable code, Chinese title and
// English detail, and the fields it concerns.
func Fail(kind calc.Kind, code, title, detail string, fields ...calc.FieldError) *calc.Error {
	return &calc.Error{Kind: kind, Code: code, Title: title, Detail: detail, Errors: fields}
}

// invalid is nil for no field errors and one invalid error for several.
func invalid(errs []calc.FieldError) error {
	if len(errs) == 0 {
		return nil
	}
	return calc.Invalid(errs)
}

// isKind reports whether err is a *calc.Error of kind k.
func isKind(err error, k calc.Kind) bool {
	ce, ok := err.(*calc.Error)
	return ok && ce.Kind == k
}
