package reconcile

import (
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc/param"
)

// A run writes hundreds of thousands of decimals (item details, peer
// intensities, the stored rows): they are printed with param.AppendDecimal,
// which writes what shopspring's String writes without its big.Int
// formatting.

// appendJSONDecimal appends d as decimal.Decimal.MarshalJSON writes it:
// its String() in quotes.
func appendJSONDecimal(b []byte, d decimal.Decimal) []byte {
	b = append(b, '"')
	b = param.AppendDecimal(b, d, -1)
	return append(b, '"')
}

// appendJSONNull appends d as decimal.NullDecimal.MarshalJSON writes it.
func appendJSONNull(b []byte, d decimal.NullDecimal) []byte {
	if !d.Valid {
		return append(b, "null"...)
	}
	return appendJSONDecimal(b, d.Decimal)
}

// MarshalJSON writes the intensity as encoding/json writes the struct
// (TestIntensityJSON), without reflection: every stored result has one
// per pollutant.
func (in Intensity) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 192)
	b = append(b, `{"pollutant_id":`...)
	b = appendJSONString(b, in.PollutantID)
	b = append(b, `,"pollutant":`...)
	b = appendJSONString(b, in.Pollutant)
	b = append(b, `,"declared_kg":`...)
	b = appendJSONDecimal(b, in.DeclaredKg)
	b = append(b, `,"output":`...)
	b = appendJSONDecimal(b, in.Output)
	b = append(b, `,"unit":`...)
	b = appendJSONString(b, in.Unit)
	b = append(b, `,"peers":`...)
	b = strconv.AppendInt(b, int64(in.Peers), 10)
	b = append(b, `,"peer_median":`...)
	b = appendJSONNull(b, in.PeerMedian)
	b = append(b, `,"value":`...)
	b = appendJSONNull(b, in.Value)
	return append(b, '}'), nil
}
