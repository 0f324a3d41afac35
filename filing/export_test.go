package filing

import (
	"encoding/json"

	"github.com/ecotax/ecotax/calc"
)

// JSONBuilt is a build with the declaration also written as the contract's
// JSON request: the tests check that the direct build is what the decoder
// reads from that JSON.
type JSONBuilt struct {
	*Built
	JSON []byte
}

// BuildRequest is BuildRequestWith without penalty bases.
func BuildRequest(tp *Taxpayer, per Period, sources map[int64]*Source, figs []Figure) (*JSONBuilt, []calc.FieldError) {
	return BuildRequestWith(tp, per, sources, figs, nil)
}

// BuildRequestWith builds the declaration and writes it as JSON.
func BuildRequestWith(tp *Taxpayer, per Period, sources map[int64]*Source, figs []Figure, penalties map[FigureKey]PenaltyBase) (*JSONBuilt, []calc.FieldError) {
	b, errs := build(tp, per, sources, figs, penalties)
	if len(errs) > 0 {
		return nil, errs
	}
	data, err := json.Marshal(b.doc)
	if err != nil {
		panic(err) // a reqDoc is strings, decimals and bools
	}
	return &JSONBuilt{Built: b, JSON: data}, nil
}
