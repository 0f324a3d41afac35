package sheet

import (
	"fmt"
	"strings"

	"github.com/ecotax/ecotax/calc"
)

// ToCell places an error on figures[i].field of an imported workbook on
// its cell (申报数据!G3), from the rows ReadFigures read and its header row.
func ToCell(fe calc.FieldError, rowOf []int, cols []string) calc.FieldError {
	var i int
	var field string
	if _, err := fmt.Sscanf(fe.Path, "figures[%d]", &i); err != nil || i < 0 || i >= len(rowOf) {
		return fe
	}
	if j := strings.Index(fe.Path, "]."); j >= 0 {
		field = fe.Path[j+2:]
	}
	header := ColSourceID
	switch field {
	case "", "source_id":
	case "month":
		header = ColMonth
	default:
		for _, c := range Columns {
			if c.Field == field {
				header = c.Header
			}
		}
	}
	col := 1
	for k, h := range cols {
		if h == header {
			col = k + 1
		}
	}
	return CellErr(col, rowOf[i], header, fe.Code, fe.Message)
}
