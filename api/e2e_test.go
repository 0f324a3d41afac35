package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

func must(t testing.TB, r *resp, status int) *resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, trim(r.body))
	}
	return r
}

type obj = map[string]any

// registerA registers taxpayer A (as the tax officer) and its five tax
// sources (as the enterprise) and returns the source IDs by outlet.
func registerA(t testing.TB, e *env) map[string]int64 {
	must(t, e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeA, "name": "示例化工有限公司", "region": "500103", "industry": "化学原料和化学制品制造业"}, nil), 201)
	ids := map[string]int64{}
	for key, src := range map[string]obj{
		"so2":   {"outlet_no": "DA001", "outlet_name": "锅炉废气排放口", "kind": "air", "pollutant": "二氧化硫", "method": "automatic", "standard": "GB 13271-2014", "standard_concentration": "200", "valid_from": "2018-01-01"},
		"nox":   {"outlet_no": "DA001", "outlet_name": "锅炉废气排放口", "kind": "air", "pollutant": "氮氧化物", "method": "automatic", "standard_concentration": "200", "valid_from": "2018-01-01"},
		"cod":   {"outlet_no": "DW001", "outlet_name": "总排口", "kind": "water", "pollutant": "化学需氧量", "method": "monitoring", "standard_concentration": "100", "valid_from": "2018-01-01"},
		"noise": {"outlet_no": "N1", "outlet_name": "厂界东", "kind": "noise", "day_limit_db": "65", "night_limit_db": "55", "valid_from": "2018-01-01"},
		"waste": {"outlet_no": "S1", "outlet_name": "尾矿库", "kind": "solid_waste", "pollutant": "尾矿", "valid_from": "2018-01-01"},
	} {
		var out struct{ ID int64 }
		must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/sources", src, hdr{"Idempotency-Key": "src-" + key}), 201).json(t, &out)
		ids[key] = out.ID
	}
	return ids
}

// quarter is a full Q1 2024: every source, every month.
func quarter(ids map[string]int64, so2Jan string) []obj {
	var figs []obj
	for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
		so2 := "90"
		if m == "2024-01" {
			so2 = so2Jan
		}
		figs = append(figs,
			obj{"source_id": ids["so2"], "month": m, "emission_kg": so2, "avg_concentration": "120", "max_concentration": "150"},
			obj{"source_id": ids["nox"], "month": m, "emission_kg": "80.5"},
			obj{"source_id": ids["cod"], "month": m, "emission_kg": "2880", "wastewater_t": "24000"},
			obj{"source_id": ids["noise"], "month": m, "day_measured_db": "71", "day_exceed_days": 16},
			obj{"source_id": ids["waste"], "month": m, "generated_t": "1000", "stored_t": "200", "disposed_t": "0", "utilized_t": "300"},
		)
	}
	return figs
}

type declaration struct {
	ID            int64
	Revision      int
	ReplacesID    *int64 `json:"replaces_id"`
	Status        string
	Version       int
	Deadline      string
	TotalTax      *string `json:"total_tax"`
	PreviousTax   *string `json:"previous_tax"`
	TaxDifference *string `json:"tax_difference"`
	Owed          *string
	Surcharge     *struct {
		Days   int
		Amount string
		Paid   bool
	}
}

func dec(t testing.TB, s *string) decimal.Decimal {
	t.Helper()
	if s == nil {
		t.Fatal("amount missing")
	}
	return decimal.RequireFromString(*s)
}

func TestEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})

		// Idempotent creation: same key and body → same answer, no second row.
		tpB := obj{"credit_code": codeB, "name": "另一家公司", "region": "500104"}
		first := must(t, e.do("tax_officer", "POST", "/v1/taxpayers", tpB, hdr{"Idempotency-Key": "k-b"}), 201)
		again := must(t, e.do("tax_officer", "POST", "/v1/taxpayers", tpB, hdr{"Idempotency-Key": "k-b"}), 201)
		if !bytes.Equal(first.body, again.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay differs: %s / %s", first.body, again.body)
		}
		tpB["name"] = "改了名字"
		if p := must(t, e.do("tax_officer", "POST", "/v1/taxpayers", tpB, hdr{"Idempotency-Key": "k-b"}), 409).problem(t); p["code"] != "idempotency_key_reused" {
			t.Errorf("reused key: %v", p)
		}
		must(t, e.do("tax_officer", "POST", "/v1/taxpayers", tpB, nil), 409) // already registered

		ids := registerA(t, e)

		// Change a source: stale version 409, right version 200, history kept.
		src := fmt.Sprintf("/v1/taxpayers/%s/sources/%d", codeA, ids["nox"])
		change := obj{"outlet_no": "DA001", "outlet_name": "锅炉废气排放口(改造后)", "kind": "air", "pollutant": "氮氧化物", "method": "automatic", "standard_concentration": "150", "valid_from": "2018-01-01"}
		must(t, e.do("enterprise", "PUT", src, change, nil), 428)
		must(t, e.do("enterprise", "PUT", src, change, hdr{"If-Match": `"7"`}), 409)
		r := must(t, e.do("enterprise", "PUT", src, change, hdr{"If-Match": `"1"`}), 200)
		if r.header.Get("ETag") != `"2"` {
			t.Errorf("ETag after change: %q", r.header.Get("ETag"))
		}
		var hist struct{ History []struct{ Version int } }
		must(t, e.do("env_officer", "GET", src+"/history", nil, nil), 200).json(t, &hist)
		if len(hist.History) != 2 {
			t.Errorf("history: %+v", hist)
		}

		// Declare Q1, pre-check, submit.
		var d declaration
		must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": quarter(ids, "100")}, hdr{"Idempotency-Key": "q1"}), 201).json(t, &d)
		if d.Status != "draft" || d.Revision != 1 || d.Deadline != "2024-04-15" {
			t.Fatalf("draft: %+v", d)
		}
		var pre struct {
			OK     bool
			Errors []obj
		}
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/precheck", d.ID), nil, nil), 200).json(t, &pre)
		if !pre.OK {
			t.Fatalf("precheck: %+v", pre)
		}
		decl := fmt.Sprintf("/v1/declarations/%d", d.ID)
		must(t, e.do("enterprise", "POST", decl+"/submit", nil, nil), 428)
		must(t, e.do("enterprise", "POST", decl+"/submit", nil, hdr{"If-Match": `"9"`}), 409)
		must(t, e.do("enterprise", "POST", decl+"/submit", obj{"version": 1}, nil), 200).json(t, &d)
		if d.Status != "submitted" || d.TotalTax == nil || dec(t, d.TotalTax).Sign() <= 0 {
			t.Fatalf("submitted: %+v", d)
		}
		tax1 := dec(t, d.TotalTax)

		// The stored declaration agrees with the public calculator.
		var calcOut struct {
			TotalTax string `json:"total_tax"`
		}
		var built struct{ Assessment obj }
		must(t, e.do("finance", "GET", decl, nil, nil), 200).json(t, &built)
		if built.Assessment["total_tax"] != d.TotalTax2() {
			t.Errorf("assessment total %v vs %s", built.Assessment["total_tax"], d.TotalTax2())
		}
		_ = calcOut

		// Submitted: immutable.
		p := must(t, e.do("enterprise", "PUT", decl+"/figures", obj{"figures": quarter(ids, "1"), "version": d.Version}, nil), 409).problem(t)
		if p["code"] != "declaration_immutable" {
			t.Errorf("edit after submit: %v", p)
		}

		// Correction (更正申报): a new revision with the difference in tax.
		var c2 declaration
		must(t, e.do("enterprise", "POST", decl+"/corrections", obj{"figures": quarter(ids, "300")}, hdr{"Idempotency-Key": "corr-1"}), 201).json(t, &c2)
		if c2.Revision != 2 || c2.ReplacesID == nil || *c2.ReplacesID != d.ID || c2.Status != "draft" {
			t.Fatalf("correction: %+v", c2)
		}
		must(t, e.do("enterprise", "POST", decl+"/corrections", nil, nil), 409) // revision 1 is no longer the latest
		corr := fmt.Sprintf("/v1/declarations/%d", c2.ID)

		// XLSX round trip: the template, one changed cell, imported.
		tmpl := must(t, e.do("enterprise", "GET", corr+"/template", nil, nil), 200)
		book := importBook(t, tmpl.body, func(f *excelize.File, rows [][]string) {
			for i, row := range rows {
				if i > 0 && row[0] == strconv.FormatInt(ids["so2"], 10) && row[1] == "2024-01" {
					f.SetCellStr("申报数据", cellName(t, 7, i+1), "320")
				}
			}
		})
		must(t, e.do("enterprise", "POST", corr+"/import", book, hdr{"If-Match": `"1"`}), 200).json(t, &c2)
		bad := importBook(t, tmpl.body, func(f *excelize.File, rows [][]string) {
			f.SetCellStr("申报数据", cellName(t, 7, 3), "-5")
			f.SetCellStr("申报数据", "B4", "七月")
		})
		p = must(t, e.do("enterprise", "POST", corr+"/import", bad, hdr{"If-Match": `"2"`}), 400).problem(t)
		if firstPath(p) != "申报数据!G3" || len(p["errors"].([]any)) != 2 {
			t.Errorf("row-level import errors: %v", p["errors"])
		}
		must(t, e.do("enterprise", "POST", corr+"/submit", nil, hdr{"If-Match": `"2"`}), 200).json(t, &c2)
		tax2 := dec(t, c2.TotalTax)
		if !tax2.GreaterThan(tax1) || !dec(t, c2.PreviousTax).Equal(tax1) || !dec(t, c2.TaxDifference).Equal(tax2.Sub(tax1)) {
			t.Errorf("difference: %s → %s shown as %v", tax1, tax2, *c2.TaxDifference)
		}

		// Accept (受理) locks; the env officer cannot; a locked one cannot be corrected.
		must(t, e.do("env_officer", "POST", corr+"/accept", nil, hdr{"If-Match": `"3"`}), 403)
		must(t, e.do("tax_officer", "POST", decl+"/accept", nil, hdr{"If-Match": `"2"`}), 409) // replaced
		must(t, e.do("tax_officer", "POST", corr+"/accept", nil, hdr{"If-Match": `"3"`}), 200).json(t, &c2)
		if c2.Status != "accepted" {
			t.Errorf("accepted: %+v", c2)
		}
		if p := must(t, e.do("enterprise", "POST", corr+"/corrections", nil, nil), 409).problem(t); p["code"] != "declaration_locked" {
			t.Errorf("correct after accept: %v", p)
		}

		// Payment after the deadline: 滞纳金 from 2024-04-16 to 2024-05-20 = 35 days.
		must(t, e.do("finance", "POST", decl+"/payment", obj{"paid_on": "2024-05-20", "amount": tax1.StringFixed(2), "version": 2}, nil), 200).json(t, &d)
		want := tax1.Mul(decimal.RequireFromString("0.0005")).Mul(decimal.NewFromInt(35)).Round(2)
		if d.Surcharge == nil || d.Surcharge.Days != 35 || !decimal.RequireFromString(d.Surcharge.Amount).Equal(want) || !d.Surcharge.Paid {
			t.Errorf("surcharge: %+v, want 35 days %s", d.Surcharge, want)
		}
		must(t, e.do("tax_officer", "GET", corr, nil, nil), 200).json(t, &c2)
		if c2.Surcharge == nil || c2.Surcharge.Days != 35 || c2.Surcharge.Paid || !dec(t, c2.Owed).Equal(tax2.Sub(tax1)) {
			t.Errorf("unpaid correction's surcharge as of today: %+v owed %v", c2.Surcharge, c2.Owed)
		}

		// Exports with the form's Chinese headers.
		for _, who := range []string{"enterprise", "tax_officer", "env_officer", "finance", "admin"} {
			x := must(t, e.do(who, "GET", "/v1/taxpayers/"+codeA+"/sources/export?format=xlsx", nil, nil), 200)
			rows := xlsxRows(t, x.body)
			if len(rows) < 10 || rows[0][0] != "环境保护税税源明细表" {
				t.Errorf("sources xlsx: %v", rows)
			}
			cs := must(t, e.do(who, "GET", "/v1/taxpayers/"+codeA+"/sources/export?format=csv", nil, nil), 200)
			recs := csvRows(t, cs.body)
			if len(recs) != 6 || recs[0][2] != "税源编号" {
				t.Errorf("sources csv: %v", recs)
			}
			dx := must(t, e.do(who, "GET", corr+"/export?format=xlsx", nil, nil), 200)
			if !strings.Contains(fmt.Sprint(xlsxRows(t, dx.body)), "应补(退)税额") {
				t.Errorf("declaration xlsx lacks the difference")
			}
			dc := csvRows(t, must(t, e.do(who, "GET", decl+"/export?format=csv", nil, nil), 200).body)
			if dc[0][0] != "税源编号" || len(dc) < 16 || dc[1][0] == "" {
				t.Errorf("declaration csv: %v", dc[:2])
			}
		}

		// The audit log has it all, and only officers and admins read it.
		var audit struct {
			Entries []struct{ Action, Actor string }
		}
		must(t, e.do("admin", "GET", "/v1/audit?credit_code="+codeA, nil, nil), 200).json(t, &audit)
		if len(audit.Entries) < 12 {
			t.Errorf("audit: %d entries", len(audit.Entries))
		}
		must(t, e.do("enterprise", "GET", "/v1/audit", nil, nil), 403)

		// Operations.
		must(t, e.do("", "GET", "/healthz", nil, nil), 200)
		must(t, e.do("", "GET", "/readyz", nil, nil), 200)
		m := must(t, e.do("", "GET", "/metrics", nil, nil), 200)
		if !bytes.Contains(m.body, []byte(`ecotax_http_requests_total{method="POST",route="/v1/declarations/:id/submit",status="200"}`)) {
			t.Errorf("metrics lack the submit route")
		}
		must(t, e.do("", "GET", "/openapi.yaml", nil, nil), 200)
	})
}

// TotalTax2 is the declaration's total as the assessment writes it.
func (d declaration) TotalTax2() string {
	if d.TotalTax == nil {
		return ""
	}
	return *d.TotalTax
}

func cellName(t testing.TB, col, row int) string {
	c, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func importBook(t testing.TB, template []byte, edit func(f *excelize.File, rows [][]string)) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(template))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("申报数据")
	if err != nil {
		t.Fatal(err)
	}
	edit(f, rows)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xlsxRows(t testing.TB, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func csvRows(t testing.TB, data []byte) [][]string {
	t.Helper()
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

var _ = http.MethodGet
