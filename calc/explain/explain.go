// Package explain holds the explanation every calculator beside the tax
// engine attaches to a result, in one shape: the trace of steps citing
// the rule behind each, the warnings a reader must see, and the parameter
// rows the result relied on. calc/damage and calc/ecocomp use it as it
// is, so their results read alike; calc/fees, whose steps carry more,
// shares only Invalid.
//
// It is pure: it imports only calc and calc/param.
package explain

import (
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/param"
)

// Step is one line of the explain trace.
type Step struct {
	Path  string `json:"path,omitempty"`
	Rule  string `json:"rule"`            // the article or standard behind the step
	Text  string `json:"text"`            // what was done, in Chinese
	Where string `json:"where,omitempty"` // fixture file:line of the figure used
}

// Warning is something the reader must know that is not an error.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`  // the input it concerns (a JSON path)
	Where   string `json:"where,omitempty"` // the clause or table row it comes from (fees)
	Ref     string `json:"ref,omitempty"`   // the record it concerns (budget)
}

// ParamUse lists one parameter row the result relied on.
type ParamUse struct {
	Key           string `json:"key"`
	Value         string `json:"value"`
	EffectiveFrom string `json:"effective_from"`
	EffectiveTo   string `json:"effective_to,omitempty"`
	Source        string `json:"source"`
	Verification  string `json:"verification,omitempty"`
	Confidence    string `json:"confidence"`
	Verified      bool   `json:"verified"`
	Where         string `json:"where"`
}

// Use describes the parameter row m as the result used it: its key, the
// value in words, and how it was (or was not) verified.
func Use(key, value, verification string, m param.Meta) ParamUse {
	return ParamUse{Key: key, Value: value, EffectiveFrom: m.From.String(), EffectiveTo: m.To.String(),
		Source: m.Source, Verification: verification, Confidence: m.Confidence, Verified: m.Verified, Where: m.Where()}
}

// Invalid is calc.Invalid with a calculator's own Chinese titles for the
// codes it adds to those of calc/errors.go.
func Invalid(errs []calc.FieldError, titles map[string]string) *calc.Error {
	e := calc.Invalid(errs)
	if t, ok := titles[e.Code]; ok {
		e.Title = t
	}
	return e
}
