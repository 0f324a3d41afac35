package pages

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/web"
)

// A taxpayer's monthly production output (产量) on pages: the enterprise
// records what it made each month; the reconciliation divides each
// month's emissions by it to compare the taxpayer with others of its
// industry (排放强度). A month is recorded once and replaced at the version
// listed (app.PutOutput); officers read the list.

// outputPage is a taxpayer's outputs and the form to record one.
type outputPage struct {
	Taxpayer *filing.Taxpayer
	Outputs  []reconcile.Output
	CanWrite bool
	Saved    string // the month just recorded
	Vals     url.Values
	By       map[string][]string
	Top      []web.Explained
	Editing  bool // the form replaces a listed month
}

// Get is what was typed in an input.
func (o *outputPage) Get(k string) string { return o.Vals.Get(k) }

// Err are the errors beside an input.
func (o *outputPage) Err(k string) []string { return o.By[k] }

// outputLabel names the form's inputs for the errors.
var outputLabel = map[string]string{"month": "月份", "product": "主要产品", "unit": "计量单位", "quantity": "产量"}

func (s *Server) webOutputs(c echo.Context) error {
	pg := &outputPage{Vals: url.Values{}, By: map[string][]string{}, Saved: c.QueryParam("saved")}
	// ?month= fills the form with a listed month to change it.
	pg.Vals.Set("month", strings.TrimSpace(c.QueryParam("month")))
	return s.renderOutputs(c, http.StatusOK, pg)
}

func (s *Server) renderOutputs(c echo.Context, status int, pg *outputPage) error {
	p, err := allowed(c, filing.ActDeclarationRead)
	if err != nil {
		return s.webError(c, err)
	}
	r, err := s.app.TaxpayerRecord(ctx(c), p, c.Param("code"))
	if err != nil {
		return s.webError(c, err)
	}
	pg.Taxpayer = r.Taxpayer
	pg.CanWrite = p.Can(filing.ActOutputWrite)
	if pg.Outputs, err = s.app.Outputs(ctx(c), p, r.Taxpayer.CreditCode, "", ""); err != nil {
		return s.webError(c, err)
	}
	// Newest first (the store lists by month): the months people change
	// are the recent ones.
	slices.Reverse(pg.Outputs)
	// A month picked from the list (or sent back with errors) shows what
	// is recorded for it, and is replaced at its version.
	if m := pg.Get("month"); m != "" {
		for _, o := range pg.Outputs {
			if o.Month != m {
				continue
			}
			pg.Editing = true
			for k, v := range map[string]string{"product": o.Product, "unit": o.Unit, "quantity": o.Quantity.String(), "version": strconv.Itoa(o.Version)} {
				if !pg.Vals.Has(k) {
					pg.Vals.Set(k, v)
				}
			}
		}
	}
	return s.render(c, status, "outputs", s.page(c, pg.Taxpayer.Name+" · 月度产量", pg))
}

func (s *Server) webRecordOutput(c echo.Context) error {
	p, err := allowed(c, filing.ActOutputWrite)
	if err != nil {
		return s.webError(c, err)
	}
	vals, _ := c.FormParams()
	t := func(k string) string { return strings.TrimSpace(vals.Get(k)) }
	pg := &outputPage{Vals: vals, By: map[string][]string{}}
	o := reconcile.Output{CreditCode: c.Param("code"), Month: t("month"), Product: t("product"), Unit: t("unit")}
	if q := t("quantity"); q == "" {
		pg.By["quantity"] = []string{"产量必须填写。"}
	} else if d, msg := web.ParseNumber(q); msg != "" {
		pg.By["quantity"] = []string{"产量" + msg}
	} else {
		o.Quantity = d
	}
	var v app.IfMatch
	if ver := t("version"); ver != "" {
		n, err := strconv.Atoi(ver)
		if err != nil || n < 1 {
			pg.Top = append(pg.Top, web.Explained{Text: "请从列表中点“修改”再改这个月的产量。", Path: "version", Code: "invalid_value", Detail: "version must be a positive whole number"})
			pg.Vals.Del("version")
		}
		v = app.IfMatch{Version: n, Stated: true}
	}
	for _, e := range o.Validate() {
		if len(pg.By[e.Path]) == 0 {
			pg.By[e.Path] = append(pg.By[e.Path], outputText(e))
		}
	}
	if len(pg.By) == 0 && len(pg.Top) == 0 && !v.Stated {
		// A month recorded already is changed from the list, at the
		// version shown, never overwritten unseen.
		have, err := s.app.Outputs(ctx(c), p, o.CreditCode, o.Month, o.Month)
		if err != nil {
			return s.webError(c, err)
		}
		if len(have) > 0 {
			pg.By["month"] = []string{"这个月的产量已填报过：要修改，请在下面的列表中点该月的“修改”。"}
		}
	}
	if len(pg.By) > 0 || len(pg.Top) > 0 {
		return s.renderOutputs(c, httpx.Status(calc.KindInvalid), pg)
	}
	if _, _, err := s.app.PutOutput(ctx(c), p, o, v); err != nil {
		var ce *calc.Error
		if !errors.As(err, &ce) || (ce.Kind != calc.KindInvalid && ce.Kind != calc.KindConflict) {
			return s.webError(c, err)
		}
		if ce.Kind == calc.KindConflict {
			pg.Top = append(pg.Top, web.Explained{Text: "这个月的产量刚被修改过：下面的列表和表单是最新的数据，请核对后再改。", Code: ce.Code, Detail: ce.Detail})
			// Sent back without the stale version and figures: the form
			// shows the month as it now stands.
			for _, k := range []string{"version", "product", "unit", "quantity"} {
				pg.Vals.Del(k)
			}
		}
		for _, e := range ce.Errors {
			pg.By[e.Path] = append(pg.By[e.Path], outputText(e))
		}
		if ce.Kind == calc.KindInvalid && len(ce.Errors) == 0 {
			pg.Top = append(pg.Top, web.Explained{Text: ce.Title, Code: ce.Code, Detail: ce.Detail})
		}
		return s.renderOutputs(c, httpx.Status(ce.Kind), pg)
	}
	return c.Redirect(http.StatusSeeOther, "/app/taxpayers/"+url.PathEscape(o.CreditCode)+"/outputs?"+url.Values{"saved": {o.Month}}.Encode())
}

// outputText writes an output's field error in plain Chinese.
func outputText(e calc.FieldError) string {
	label := outputLabel[e.Path]
	if label == "" {
		label = "此项"
	}
	switch {
	case e.Code == "required":
		return label + "必须填写。"
	case e.Path == "month":
		return "月份请按 2024-01 的格式填写。"
	case e.Code == "invalid_number":
		return "产量不能为负数。"
	case e.Code == "invalid_value":
		return label + "最多 100 个字，不能换行。"
	}
	return web.Explain(e, nil).Text
}
