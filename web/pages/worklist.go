package pages

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/web"
)

// The identification worklist (实施条例 第十九条): records the other
// bureau sent that match nothing registered here — a taxpayer, an outlet
// or a monitoring device — for the officer to register or report back.

// mismatchLabel says, in plain words, what could not be matched.
var mismatchLabel = map[string]string{
	"credit_code": "该纳税人未在本系统登记",
	"outlet_no":   "该排放口未在本系统登记",
	"mn":          "该监测设备未对应到本纳税人的排放口",
}

var directionLabel = map[string]string{
	exchange.TaxToEnv: "税务机关发来（纳税人、申报信息）",
	exchange.EnvToTax: "生态环境部门发来（排污单位、监测信息）",
}

type workRow struct {
	Dataset  string // the dataset's Chinese title
	Line     int
	Code     string
	Name     string // the taxpayer's name as the other bureau sent it
	What     string // the field not matched, in plain words
	Value    string
	Detail   string // the English reason, folded
	BatchID  string
	Received string
}

type worklistPage struct {
	Direction  string
	Directions []web.Option
	Rows       []workRow
}

func (s *Server) webWorklist(c echo.Context) error {
	p, err := allowed(c, filing.ActExchangeRead)
	if err != nil {
		return s.webError(c, err)
	}
	dir := c.QueryParam("direction")
	items, err := s.app.Worklist(ctx(c), p, dir)
	if err != nil {
		return s.webError(c, err)
	}
	pg := &worklistPage{Direction: dir, Directions: options(directionLabel)}
	for _, it := range items {
		title := it.Dataset
		if d, ok := exchange.Lookup(it.Dataset); ok && d.Title != "" {
			title = d.Title
		}
		what := mismatchLabel[it.Mismatch.Field]
		if what == "" {
			what = "无法对应"
		}
		row := workRow{Dataset: title, Line: it.Line, Code: it.CreditCode, What: what, Value: it.Mismatch.Value,
			Detail: it.Mismatch.Field + ": " + it.Mismatch.Reason, BatchID: it.BatchID}
		// The name the other bureau gave, beside the code, when its record has one.
		for _, k := range []string{"taxpayer_name", "name"} {
			if v := it.Values[k]; v != nil && *v != "" {
				row.Name = *v
				break
			}
		}
		pg.Rows = append(pg.Rows, row)
	}
	return s.render(c, http.StatusOK, "worklist", s.page(c, "信息共享待核对", pg))
}
