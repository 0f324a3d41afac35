package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestExchangeDatasetsAndWorklist: the dataset catalogue carries every
// field with its label; a tax batch imported by an environment side that
// knows none of its taxpayers lists their records in the worklist, as
// JSON and as CSV.
func TestExchangeDatasetsAndWorklist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		T := newEnvWithKey(t, db, api.Config{}, exchangeKey)
		E := newEnvWithKey(t, sameDialect(t, db), api.Config{}, exchangeKey)
		T.addToken("tax_officer_cq", &filing.Token{Role: filing.RoleTaxOfficer, Region: "500000"})

		var cat struct {
			Datasets []struct {
				Name   string
				Fields []struct{ Name, Label, Absent string }
			}
		}
		must(t, T.do("tax_officer", "GET", "/v1/exchange/datasets", nil, nil), 200).json(t, &cat)
		names := map[string]bool{}
		for _, d := range cat.Datasets {
			names[d.Name] = true
			for _, f := range d.Fields {
				if f.Label == "" {
					t.Errorf("%s.%s has no label", d.Name, f.Name)
				}
				if d.Name == "declaration_lines" && f.Name == "relief_code" && f.Absent == "" {
					t.Error("relief_code is sent empty without a reason")
				}
			}
		}
		for _, n := range []string{"declaration_lines", "taxpayers", "tax_violations", "polluters", "permits", "monitoring_monthly", "supervisory_samples", "error_notices"} {
			if !names[n] {
				t.Errorf("no dataset %s", n)
			}
		}
		must(t, T.do("enterprise", "GET", "/v1/exchange/datasets", nil, nil), 403)

		registerA(t, T)
		var out batchView
		must(t, T.do("tax_officer_cq", "POST", "/v1/exchange/exports", obj{"direction": "tax_to_env", "period": "2024-Q1"}, nil), 201).json(t, &out)
		if len(out.values()["taxpayers"]) == 0 {
			t.Fatalf("no taxpayers rows: %+v", out.values())
		}
		archive := must(t, T.do("tax_officer_cq", "GET", "/v1/exchange/batches/"+out.Batch.BatchID+"/archive", nil, nil), 200).body
		must(t, E.doZip("env_officer", "/v1/exchange/imports", archive), 201)

		var wl struct {
			Items []struct {
				Dataset    string
				CreditCode string `json:"credit_code"`
				Mismatch   struct{ Field, Value string }
			}
		}
		must(t, E.do("env_officer", "GET", "/v1/exchange/worklist?direction=tax_to_env", nil, nil), 200).json(t, &wl)
		if len(wl.Items) != len(out.values()["taxpayers"]) {
			t.Fatalf("worklist %+v", wl.Items)
		}
		for _, it := range wl.Items {
			if it.Mismatch.Field != "credit_code" || it.Mismatch.Value != codeA {
				t.Errorf("worklist item %+v", it)
			}
		}
		r := must(t, E.do("env_officer", "GET", "/v1/exchange/worklist?format=csv", nil, nil), 200)
		if lines := strings.Split(strings.TrimSpace(string(r.body)), "\n"); len(lines) != len(wl.Items)+1 || !strings.Contains(lines[0], "credit_code") {
			t.Errorf("worklist CSV: %s", r.body)
		}
		must(t, E.do("env_officer", "GET", "/v1/exchange/worklist?format=pdf", nil, nil), 400)
		must(t, E.do("env_officer", "GET", "/v1/exchange/worklist?direction=sideways", nil, nil), 400)
		must(t, E.do("enterprise", "GET", "/v1/exchange/worklist", nil, nil), 403)

		// The same worklist on the environment officer's page, in plain Chinese.
		b := newBrowser(t, E)
		b.signIn(E.tokens["env_officer"])
		pg := b.get("/app/exchange/worklist?direction=tax_to_env")
		if pg.status != 200 || !strings.Contains(pg.body, "该纳税人未在本系统登记") || !strings.Contains(pg.body, codeA) ||
			!strings.Contains(pg.body, fmt.Sprintf("共 %d 条待核对", len(wl.Items))) {
			t.Errorf("worklist page: %d %s", pg.status, pg.body)
		}
		plainChinese(t, "worklist page", pg.body)
	})
}
