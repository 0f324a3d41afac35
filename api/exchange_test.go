package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

var exchangeKey = []byte("test exchange key, at least 32 bytes long")

func init() {
	openapi3filter.RegisterBodyDecoder("application/zip", openapi3filter.FileBodyDecoder)
}

// addToken gives an env one more named token.
func (e *env) addToken(name string, tok *filing.Token) {
	e.t.Helper()
	secret := filing.TokenPrefix + "test-" + name
	if err := e.db.InTx(context.Background(), func(tx *store.Tx) error { return tx.InsertToken(tok, filing.HashToken(secret)) }); err != nil {
		e.t.Fatal(err)
	}
	e.tokens[name] = secret
}

// doZip posts an archive, checked against api/openapi.yaml like e.do.
func (e *env) doZip(who, path string, data []byte) *resp {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/zip")
	req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	r := &resp{status: res.StatusCode, header: res.Header, body: out}
	e.validate(req, data, r)
	return r
}

// sameDialect opens a second, empty database of the same kind as db: the
// other bureau's system.
func sameDialect(t *testing.T, db *store.DB) *store.DB {
	if db.Dialect() == store.Postgres {
		return storetest.OpenPostgres(t)
	}
	return storetest.OpenSQLite(t)
}

type review struct {
	ID           int64
	Ref          string
	Status       string
	Version      int
	ItemStatus   string `json:"item_status"`
	ReceivedOn   string `json:"received_on"`
	Deadline     string
	Opinion      *string
	Overdue      bool
	DaysLate     int    `json:"days_late"`
	CorrectionID *int64 `json:"correction_id"`
	Corrections  []struct {
		OutletNo   string  `json:"outlet_no"`
		Month      string  `json:"month"`
		EmissionKg *string `json:"emission_kg"`
	}
}

type batchView struct {
	Batch struct {
		BatchID string `json:"batch_id"`
		Records int
		Origin  string
	}
	Manifest        exchange.Manifest
	Records         []batchRecord
	AlreadyImported bool `json:"already_imported"`
}

type batchRecord struct {
	Dataset string
	Line    int
	Key     string
	Outcome string
	Values  map[string]*string
}

func (b *batchView) values() map[string][]map[string]*string {
	out := map[string][]map[string]*string{}
	for _, r := range b.Records {
		out[r.Dataset] = append(out[r.Dataset], r.Values)
	}
	return out
}

func (b *batchView) outcomes(dataset string) []string {
	var out []string
	for _, r := range b.Records {
		if r.Dataset == dataset {
			out = append(out, r.Outcome)
		}
	}
	return out
}

func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	files, err := exchange.Unpack(data)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// rezip packs files as a plain archive, without the exchange's care (a
// tamperer's tool).
func rezip(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range files {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func setClock(t *testing.T, at time.Time) {
	old := clock
	clock = at
	t.Cleanup(func() { clock = old })
}

// TestReviewAndExchangeEndToEnd is the loop of issue 4 between two
// systems, on each database: the tax side (T) declares, opens a review and
// sends it in a batch; the environment side (E) imports it, answers with a
// corrected figure, records a penalty and sends both back; T imports them,
// applies the opinion — a new revision with the tax difference, the
// penalty's 产生量 as the base — and what each side reads back of a batch
// is identical; tampered copies are refused and store nothing.
func TestReviewAndExchangeEndToEnd(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		T := newEnvWithKey(t, db, api.Config{}, exchangeKey)
		E := newEnvWithKey(t, sameDialect(t, db), api.Config{}, exchangeKey)
		T.addToken("tax_officer_cq", &filing.Token{Role: filing.RoleTaxOfficer, Region: "500000"})

		// T: taxpayer A declares 2024-Q1 (SO2 in January: 100 kg) and submits.
		ids := registerA(t, T)
		var d1 declaration
		must(t, T.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": quarter(ids, "100")}, nil), 201).json(t, &d1)
		must(t, T.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", d1.ID), nil, hdr{"If-Match": `"1"`}), 200).json(t, &d1)
		// E knows the same taxpayer and outlets.
		registerA(t, E)

		// T: the tax officer opens a review of SO2 at DA001 in January.
		open := obj{"credit_code": codeA, "period": "2024-Q1", "outlet_no": "DA001", "pollutant": "二氧化硫", "month": "2024-01",
			"flag_code": "monitored_above_declared", "reason": "在线监测排放量高于申报量"}
		var rv review
		first := must(t, T.do("tax_officer_cq", "POST", "/v1/reviews", open, hdr{"Idempotency-Key": "rv-1"}), 201)
		first.json(t, &rv)
		if rv.Status != "open" || rv.ItemStatus != "declared" || rv.ReceivedOn != "2024-05-20" || rv.Deadline != "2024-06-04" {
			t.Fatalf("opened review: %s", first.body)
		}
		again := must(t, T.do("tax_officer_cq", "POST", "/v1/reviews", open, hdr{"Idempotency-Key": "rv-1"}), 201)
		if !bytes.Equal(again.body, first.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Error("the replayed review differs")
		}
		if p := must(t, T.do("tax_officer", "POST", "/v1/reviews", open, nil), 409).problem(t); p["code"] != "review_exists" {
			t.Errorf("second live review: %v", p)
		}
		must(t, T.do("enterprise", "POST", "/v1/reviews", open, nil), 403)
		must(t, T.do("tax_officer_bj", "POST", "/v1/reviews", open, nil), 404)
		must(t, T.do("tax_officer_bj", "GET", fmt.Sprintf("/v1/reviews/%d", rv.ID), nil, nil), 404)
		var mine struct{ Reviews []review }
		must(t, T.do("enterprise", "GET", "/v1/reviews", nil, nil), 200).json(t, &mine)
		if len(mine.Reviews) != 1 {
			t.Errorf("the enterprise sees %d of its reviews", len(mine.Reviews))
		}
		must(t, T.do("enterprise_b", "GET", "/v1/reviews", nil, nil), 200).json(t, &mine)
		if len(mine.Reviews) != 0 {
			t.Errorf("another enterprise sees %d reviews", len(mine.Reviews))
		}

		// T → E: the tax side's batch for the quarter, as XLSX.
		var out1 batchView
		r := must(t, T.do("tax_officer_cq", "POST", "/v1/exchange/exports", obj{"direction": "tax_to_env", "period": "2024-Q1", "format": "xlsx"}, nil), 201)
		r.json(t, &out1)
		if n := len(out1.values()["review_requests"]); n != 1 || len(out1.values()["declarations"]) != 1 || len(out1.values()["arrears"]) != 1 {
			t.Fatalf("tax batch: %s", trim(r.body))
		}
		must(t, T.do("env_officer", "POST", "/v1/exchange/exports", obj{"direction": "tax_to_env", "period": "2024-Q1"}, nil), 403)
		must(t, T.do("enterprise", "POST", "/v1/exchange/exports", obj{"direction": "tax_to_env", "period": "2024-Q1"}, nil), 403)
		archive1 := must(t, T.do("tax_officer_cq", "GET", "/v1/exchange/batches/"+out1.Batch.BatchID+"/archive", nil, nil), 200).body

		// E: tampered copies are refused with the reason, and nothing is stored.
		files := unzip(t, archive1)
		tampered := map[string]func(map[string][]byte){
			"file_changed": func(f map[string][]byte) {
				b := append([]byte(nil), f["declarations.xlsx"]...)
				b[len(b)/2] ^= 1
				f["declarations.xlsx"] = b
			},
			"bad_signature": func(f map[string][]byte) {
				f[exchange.ManifestName] = bytes.Replace(f[exchange.ManifestName], []byte(`"rows": 1`), []byte(`"rows": 2`), 1)
			},
			"file_missing":    func(f map[string][]byte) { delete(f, "payments.xlsx") },
			"file_unexpected": func(f map[string][]byte) { f["notes.txt"] = []byte("hello") },
		}
		for code, edit := range tampered {
			copyFiles := map[string][]byte{}
			for k, v := range files {
				copyFiles[k] = v
			}
			edit(copyFiles)
			p := must(t, E.doZip("env_officer", "/v1/exchange/imports", rezip(t, copyFiles)), 400).problem(t)
			if p["code"] != "batch_refused" || p["errors"].([]any)[0].(map[string]any)["code"] != code {
				t.Errorf("%s: %v", code, p)
			}
		}
		var none struct{ Batches []any }
		must(t, E.do("admin", "GET", "/v1/exchange/batches", nil, nil), 200).json(t, &none)
		if len(none.Batches) != 0 {
			t.Fatalf("a refused batch was stored: %d", len(none.Batches))
		}
		must(t, E.doZip("tax_officer", "/v1/exchange/imports", archive1), 403) // the tax side does not import its own direction

		// E: the untouched batch is imported once; the second time changes nothing.
		var in1 batchView
		must(t, E.doZip("env_officer", "/v1/exchange/imports", archive1), 201).json(t, &in1)
		if o := in1.outcomes("review_requests"); len(o) != 1 || !strings.HasPrefix(o[0], "created: review ") {
			t.Fatalf("review request outcome %v", o)
		}
		var again1 batchView
		must(t, E.doZip("env_officer", "/v1/exchange/imports", archive1), 200).json(t, &again1)
		if !again1.AlreadyImported {
			t.Error("second import not reported as already imported")
		}
		// Read back identical: the records E stored are the records T sent,
		// and E's archive is T's byte for byte.
		var back1 batchView
		must(t, E.do("env_officer", "GET", "/v1/exchange/batches/"+out1.Batch.BatchID, nil, nil), 200).json(t, &back1)
		if !reflect.DeepEqual(back1.values(), out1.values()) || !reflect.DeepEqual(back1.Manifest, out1.Manifest) {
			t.Errorf("the batch read back on E differs from what T sent")
		}
		if got := must(t, E.do("env_officer", "GET", "/v1/exchange/batches/"+out1.Batch.BatchID+"/archive", nil, nil), 200).body; !bytes.Equal(got, archive1) {
			t.Error("E's archive differs from T's")
		}

		// E: the environment officer answers the review it received, with a
		// corrected January figure, and records a penalty on the water
		// outlet for February with the 产生量.
		var rvE struct{ Reviews []review }
		must(t, E.do("env_officer", "GET", "/v1/reviews?status=open", nil, nil), 200).json(t, &rvE)
		if len(rvE.Reviews) != 1 || rvE.Reviews[0].Ref != rv.Ref || rvE.Reviews[0].Deadline != "2024-06-04" {
			t.Fatalf("E's open reviews: %+v", rvE.Reviews)
		}
		answer := obj{"opinion": "corrected", "note": "在线监测数据有效, 1月排放量应为150千克",
			"corrections": []obj{{"outlet_no": "DA001", "pollutant": "二氧化硫", "month": "2024-01", "emission_kg": "150"}}}
		must(t, E.do("tax_officer", "POST", fmt.Sprintf("/v1/reviews/%d/answer", rvE.Reviews[0].ID), answer, hdr{"If-Match": `"1"`}), 403)
		must(t, E.do("env_officer", "POST", fmt.Sprintf("/v1/reviews/%d/answer", rvE.Reviews[0].ID), answer, nil), 428)
		must(t, E.do("env_officer", "POST", fmt.Sprintf("/v1/reviews/%d/answer", rvE.Reviews[0].ID), answer, hdr{"If-Match": `"1"`}), 200)
		if p := must(t, E.do("env_officer", "POST", fmt.Sprintf("/v1/reviews/%d/answer", rvE.Reviews[0].ID), obj{"opinion": "confirmed"}, hdr{"If-Match": `"2"`}), 409).problem(t); p["code"] != "review_answered" {
			t.Errorf("second answer: %v", p)
		}
		penalty := obj{"case_no": "渝环罚〔2024〕12号", "outlet_no": "DW001", "case_code": "illegal_discharge", "period_from": "2024-02-03",
			"period_to": "2024-02-10", "decided_on": "2024-04-10", "pollutants": []string{"化学需氧量"},
			"generated": []obj{{"pollutant": "化学需氧量", "month": "2024-02", "generated_kg": "4000.5"}}}
		must(t, E.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/penalties", penalty, nil), 201)

		// E → T: the environment side's batch, as CSV.
		var out2 batchView
		must(t, E.do("env_officer", "POST", "/v1/exchange/exports", obj{"direction": "env_to_tax", "period": "2024-Q1", "format": "csv"}, nil), 201).json(t, &out2)
		archive2 := must(t, E.do("env_officer", "GET", "/v1/exchange/batches/"+out2.Batch.BatchID+"/archive", nil, nil), 200).body
		var in2 batchView
		must(t, T.doZip("tax_officer_cq", "/v1/exchange/imports", archive2), 201).json(t, &in2)
		if o := in2.outcomes("review_opinions"); len(o) != 1 || o[0] != fmt.Sprintf("answered: review %d", rv.ID) {
			t.Errorf("opinion outcome %v", o)
		}
		if o := in2.outcomes("penalties"); len(o) != 1 || !strings.HasPrefix(o[0], "created: penalty ") {
			t.Errorf("penalty outcome %v", o)
		}
		must(t, T.doZip("tax_officer_cq", "/v1/exchange/imports", archive2), 200)
		var back2 batchView
		must(t, T.do("tax_officer_cq", "GET", "/v1/exchange/batches/"+out2.Batch.BatchID, nil, nil), 200).json(t, &back2)
		if !reflect.DeepEqual(back2.values(), out2.values()) {
			t.Error("the batch read back on T differs from what E sent")
		}

		// T: the review is answered; applying it files the correction.
		var got review
		must(t, T.do("tax_officer_cq", "GET", fmt.Sprintf("/v1/reviews/%d", rv.ID), nil, nil), 200).json(t, &got)
		if got.Status != "answered" || got.Opinion == nil || *got.Opinion != "corrected" || len(got.Corrections) != 1 || *got.Corrections[0].EmissionKg != "150" {
			t.Fatalf("T's review after import: %+v", got)
		}
		must(t, T.do("env_officer", "POST", fmt.Sprintf("/v1/reviews/%d/apply", rv.ID), nil, hdr{"If-Match": fmt.Sprintf(`"%d"`, got.Version)}), 403)
		must(t, T.do("tax_officer_cq", "POST", fmt.Sprintf("/v1/reviews/%d/apply", rv.ID), nil, hdr{"If-Match": fmt.Sprintf(`"%d"`, got.Version)}), 200).json(t, &got)
		if got.Status != "applied" || got.CorrectionID == nil {
			t.Fatalf("applied review: %+v", got)
		}
		var d2 struct {
			declaration
			Figures []struct {
				SourceID   int64   `json:"source_id"`
				Month      string  `json:"month"`
				EmissionKg *string `json:"emission_kg"`
			}
			Assessment struct {
				Lines []struct {
					Source, Month, Pollutant, Quantity string
				}
			}
		}
		must(t, T.do("tax_officer_cq", "GET", fmt.Sprintf("/v1/declarations/%d", *got.CorrectionID), nil, nil), 200).json(t, &d2)
		if d2.Revision != 2 || d2.ReplacesID == nil || *d2.ReplacesID != d1.ID || d2.Status != "submitted" {
			t.Fatalf("correction: %+v", d2.declaration)
		}
		total, prev, diff := dec(t, d2.TotalTax), dec(t, d2.PreviousTax), dec(t, d2.TaxDifference)
		if !prev.Equal(dec(t, d1.TotalTax)) || !diff.Equal(total.Sub(prev)) || diff.Sign() <= 0 {
			t.Errorf("previous %s, total %s, difference %s (original %s)", prev, total, diff, *d1.TotalTax)
		}
		bases := map[string]string{}
		for _, l := range d2.Assessment.Lines {
			bases[l.Source+" "+l.Month+" "+l.Pollutant] = l.Quantity
		}
		if bases["DA001 2024-01 二氧化硫"] != "150" || bases["DW001 2024-02 化学需氧量(CODcr)"] != "4000.5" || bases["DW001 2024-03 化学需氧量(CODcr)"] != "2880" {
			t.Errorf("bases of the correction: %v", bases)
		}
		// The original revision is untouched.
		var orig struct {
			declaration
			Figures []struct {
				SourceID   int64   `json:"source_id"`
				Month      string  `json:"month"`
				EmissionKg *string `json:"emission_kg"`
			}
		}
		must(t, T.do("tax_officer_cq", "GET", fmt.Sprintf("/v1/declarations/%d", d1.ID), nil, nil), 200).json(t, &orig)
		for _, f := range orig.Figures {
			if f.SourceID == ids["so2"] && f.Month == "2024-01" && *f.EmissionKg != "100" {
				t.Errorf("the original January figure became %s", *f.EmissionKg)
			}
		}
		if orig.Status != "submitted" || *orig.TotalTax != *d1.TotalTax {
			t.Errorf("the original revision changed: %+v", orig.declaration)
		}
		must(t, T.do("tax_officer_cq", "POST", fmt.Sprintf("/v1/reviews/%d/apply", rv.ID), nil, hdr{"If-Match": fmt.Sprintf(`"%d"`, got.Version)}), 409)

		// T → E again: the new revision goes out with its difference as arrears.
		var out3 batchView
		must(t, T.do("tax_officer_cq", "POST", "/v1/exchange/exports", obj{"direction": "tax_to_env", "period": "2024-Q1", "format": "jsonl"}, nil), 201).json(t, &out3)
		decls := out3.values()["declarations"]
		if len(decls) != 2 || *decls[1]["revision"] != "2" || *decls[1]["replaces_revision"] != "1" || *decls[1]["tax_difference"] != diff.StringFixed(2) {
			t.Errorf("declarations sent: %v", decls)
		}
		var in3 batchView
		must(t, E.doZip("env_officer", "/v1/exchange/imports", must(t, T.do("tax_officer_cq", "GET", "/v1/exchange/batches/"+out3.Batch.BatchID+"/archive", nil, nil), 200).body), 201).json(t, &in3)
		if o := in3.outcomes("review_requests"); len(o) != 1 || !strings.HasPrefix(o[0], "unchanged: review ") {
			t.Errorf("the known request: %v", o)
		}
	})
}

// TestReviewsOverdue: an open review is listed as overdue from the day
// after its last day (received + 15 days), and an answer after it is late.
func TestReviewsOverdue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		var rv review
		must(t, e.do("tax_officer", "POST", "/v1/reviews", obj{"credit_code": codeA, "period": "2024-Q1", "outlet_no": "DW001",
			"flag_code": "no_declaration", "reason": "未按期申报"}, nil), 201).json(t, &rv)
		if rv.ItemStatus != "no_declaration" || rv.Deadline != "2024-06-04" {
			t.Fatalf("review: %+v", rv)
		}
		for _, c := range []struct {
			at   time.Time
			want int
			late int
		}{
			{time.Date(2024, 6, 4, 15, 59, 0, 0, time.UTC), 0, 0}, // 23:59 in Beijing on the last day
			{time.Date(2024, 6, 4, 16, 0, 0, 0, time.UTC), 1, 1},  // 00:00 the next day in Beijing
			{time.Date(2024, 6, 10, 2, 0, 0, 0, time.UTC), 1, 6},
		} {
			setClock(t, c.at)
			var list struct{ Reviews []review }
			must(t, e.do("env_officer", "GET", "/v1/reviews?overdue=true", nil, nil), 200).json(t, &list)
			if len(list.Reviews) != c.want || (c.want > 0 && (!list.Reviews[0].Overdue || list.Reviews[0].DaysLate != c.late)) {
				t.Errorf("%s: %+v, want %d overdue, %d days late", c.at, list.Reviews, c.want, c.late)
			}
		}
		must(t, e.do("env_officer", "GET", "/v1/reviews?overdue=maybe", nil, nil), 400)
		must(t, e.do("env_officer", "POST", fmt.Sprintf("/v1/reviews/%d/answer", rv.ID), obj{"opinion": "cannot_determine", "note": "无监测数据"}, hdr{"If-Match": `"1"`}), 200).json(t, &rv)
		if rv.Status != "answered" || rv.Overdue || rv.DaysLate != 6 {
			t.Errorf("late answer: %+v", rv)
		}
		// Nothing to correct: applying closes it.
		must(t, e.do("tax_officer", "POST", fmt.Sprintf("/v1/reviews/%d/apply", rv.ID), nil, hdr{"If-Match": `"2"`}), 200).json(t, &rv)
		if rv.Status != "closed" || rv.CorrectionID != nil {
			t.Errorf("closed review: %+v", rv)
		}
	})
}

// TestReviewBadInput: each bad field is named; nothing is stored.
func TestReviewBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		ids := registerA(t, e)
		base := func() obj {
			return obj{"credit_code": codeA, "period": "2024-Q1", "outlet_no": "DA001", "pollutant": "二氧化硫", "flag_code": "x", "reason": "r"}
		}
		for path, edit := range map[string]func(o obj){
			"period":    func(o obj) { o["period"] = "2024-Q5" },
			"month":     func(o obj) { o["month"] = "2024-05" },
			"flag_code": func(o obj) { o["flag_code"] = "Not A Code" },
			"reason":    func(o obj) { o["reason"] = "" },
			"outlet_no": func(o obj) { o["outlet_no"] = "DA404" },
			"pollutant": func(o obj) { o["pollutant"] = "汞及其化合物" },
			"source_id": func(o obj) { delete(o, "outlet_no"); o["source_id"] = 999999 },
			"nope":      func(o obj) { o["nope"] = 1 },
		} {
			o := base()
			edit(o)
			if p := must(t, e.do("tax_officer", "POST", "/v1/reviews", o, nil), 400).problem(t); firstPath(p) != path {
				t.Errorf("%s: %v", path, p)
			}
		}
		var rv review
		must(t, e.do("tax_officer", "POST", "/v1/reviews", base(), nil), 201).json(t, &rv)
		for path, corr := range map[string]obj{
			"corrections[0].outlet_no":    {"outlet_no": "DW001", "pollutant": "化学需氧量", "month": "2024-01", "emission_kg": "1"},
			"corrections[0].month":        {"source_id": ids["so2"], "month": "2024-04", "emission_kg": "1"},
			"corrections[0]":              {"source_id": ids["so2"], "month": "2024-01"},
			"corrections[0].wastewater_t": {"source_id": ids["so2"], "month": "2024-01", "wastewater_t": "1"},
			"corrections[0].source_id":    {"source_id": 999999, "month": "2024-01", "emission_kg": "1"},
			"corrections[0].emission_kg":  {"source_id": ids["so2"], "month": "2024-01", "emission_kg": "-1"},
		} {
			body := obj{"opinion": "corrected", "note": "n", "corrections": []obj{corr}}
			if p := must(t, e.do("env_officer", "POST", fmt.Sprintf("/v1/reviews/%d/answer", rv.ID), body, hdr{"If-Match": `"1"`}), 400).problem(t); firstPath(p) != path {
				t.Errorf("%s: %v", path, p)
			}
		}
		if p := must(t, e.do("env_officer", "POST", fmt.Sprintf("/v1/reviews/%d/answer", rv.ID), obj{"opinion": "confirmed", "corrections": []obj{{"source_id": ids["so2"], "month": "2024-01", "emission_kg": "1"}}}, hdr{"If-Match": `"1"`}), 400).problem(t); firstPath(p) != "corrections" {
			t.Errorf("corrections with confirmed: %v", p)
		}
		must(t, e.do("env_officer", "POST", fmt.Sprintf("/v1/reviews/%d/answer", rv.ID), obj{"opinion": "confirmed"}, hdr{"If-Match": `"7"`}), 409)
		var still review
		must(t, e.do("env_officer", "GET", fmt.Sprintf("/v1/reviews/%d", rv.ID), nil, nil), 200).json(t, &still)
		if still.Status != "open" || still.Version != 1 {
			t.Errorf("a refused answer changed the review: %+v", still)
		}
		// A review of corrected figures on a declaration never filed
		// cannot become a correction.
		must(t, e.do("env_officer", "POST", fmt.Sprintf("/v1/reviews/%d/answer", rv.ID), obj{"opinion": "corrected", "note": "n",
			"corrections": []obj{{"source_id": ids["so2"], "month": "2024-01", "emission_kg": "1.5"}}}, hdr{"If-Match": `"1"`}), 200)
		if p := must(t, e.do("tax_officer", "POST", fmt.Sprintf("/v1/reviews/%d/apply", rv.ID), nil, hdr{"If-Match": `"2"`}), 409).problem(t); p["code"] != "no_declaration" {
			t.Errorf("apply without a declaration: %v", p)
		}
	})
}

// TestExchangeKeyRequired: without a key nothing is signed or read.
func TestExchangeKeyRequired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvWithKey(t, db, api.Config{}, []byte("short"))
		if p := must(t, e.do("admin", "POST", "/v1/exchange/exports", obj{"direction": "tax_to_env", "period": "2024-Q1"}, nil), 503).problem(t); p["code"] != "exchange_key_missing" {
			t.Errorf("export without a key: %v", p)
		}
		must(t, e.doZip("admin", "/v1/exchange/imports", []byte("PK\x05\x06"+strings.Repeat("\x00", 18))), 503)
	})
}

// TestPenaltyFlagsThePrecheck: a penalty record without the 产生量 makes
// the pre-check of a declaration it covers fail on the figures that need
// one; a revision of the record adding the 产生量 makes it pass, on the
// 产生量. The superseded revision stays readable.
func TestPenaltyFlagsThePrecheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		ids := registerA(t, e)
		var d declaration
		must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": quarter(ids, "100")}, nil), 201).json(t, &d)
		pen := obj{"case_no": "渝环罚〔2024〕7号", "outlet_no": "DA001", "case_code": "tampered_data", "period_from": "2024-03-01",
			"period_to": "2024-03-31", "decided_on": "2024-04-20", "pollutants": []string{"二氧化硫", "氮氧化物"}}
		must(t, e.do("tax_officer", "POST", "/v1/taxpayers/"+codeA+"/penalties", pen, nil), 403)
		var p1 struct {
			ID       int64
			Revision int
			Affected []struct{ ID int64 } `json:"affected_declarations"`
		}
		must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/penalties", pen, hdr{"Idempotency-Key": "p1"}), 201).json(t, &p1)
		if p := must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/penalties", pen, nil), 409).problem(t); p["code"] != "penalty_exists" {
			t.Errorf("the same decision again: %v", p)
		}
		var pc struct {
			OK     bool
			Errors []struct{ Path, Code string }
		}
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/precheck", d.ID), nil, nil), 200).json(t, &pc)
		if pc.OK || len(pc.Errors) != 2 {
			t.Fatalf("pre-check under a penalty without 产生量: %+v", pc)
		}
		for _, fe := range pc.Errors {
			if !strings.HasSuffix(fe.Path, ".generated_kg") || fe.Code != "required" {
				t.Errorf("flag %+v", fe)
			}
		}
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", d.ID), nil, hdr{"If-Match": `"1"`}), 400)

		rev2 := obj{"case_no": "渝环罚〔2024〕7号", "outlet_no": "DA001", "case_code": "tampered_data", "period_from": "2024-03-01",
			"period_to": "2024-03-31", "decided_on": "2024-04-20", "pollutants": []string{"二氧化硫", "氮氧化物"}, "replaces_id": p1.ID,
			"generated": []obj{{"pollutant": "二氧化硫", "month": "2024-03", "generated_kg": "321.5"}, {"pollutant": "氮氧化物", "month": "2024-03", "generated_kg": "200"}}}
		var p2 struct {
			Revision int
			Affected []struct{ ID int64 } `json:"affected_declarations"`
		}
		must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/penalties", rev2, nil), 201).json(t, &p2)
		if p2.Revision != 2 {
			t.Errorf("revision %d", p2.Revision)
		}
		if p := must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/penalties", rev2, nil), 409).problem(t); p["code"] != "penalty_superseded" {
			t.Errorf("revising a superseded record: %v", p)
		}
		var ok struct {
			OK         bool
			Assessment struct {
				Lines []struct{ Source, Month, Pollutant, Quantity string }
			}
		}
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/precheck", d.ID), nil, nil), 200).json(t, &ok)
		if !ok.OK {
			t.Fatal("pre-check still fails with the 产生量 given")
		}
		for _, l := range ok.Assessment.Lines {
			if l.Source == "DA001" && l.Month == "2024-03" && l.Pollutant == "二氧化硫" && !decimal.RequireFromString(l.Quantity).Equal(decimal.RequireFromString("321.5")) {
				t.Errorf("March SO2 base %s, want the 产生量 321.5", l.Quantity)
			}
		}
		var list struct {
			Penalties []struct{ Status string }
		}
		must(t, e.do("enterprise", "GET", "/v1/taxpayers/"+codeA+"/penalties", nil, nil), 200).json(t, &list)
		if len(list.Penalties) != 2 || list.Penalties[0].Status != "superseded" || list.Penalties[1].Status != "active" {
			t.Errorf("history: %+v", list.Penalties)
		}
		must(t, e.do("enterprise_b", "GET", fmt.Sprintf("/v1/penalties/%d", p1.ID), nil, nil), 404)
		for path, edit := range map[string]func(o obj){
			"case_code":     func(o obj) { o["case_code"] = "speeding" },
			"outlet_no":     func(o obj) { o["outlet_no"] = "DA404" },
			"pollutants[0]": func(o obj) { o["pollutants"] = []string{"苯"} },
			"period_to":     func(o obj) { o["period_to"] = "2024-02-01" },
			"generated[0].generated_kg": func(o obj) {
				o["generated"] = []obj{{"pollutant": "二氧化硫", "month": "2024-03"}}
			},
		} {
			o := obj{}
			for k, v := range pen {
				o[k] = v
			}
			o["case_no"] = "another " + path
			edit(o)
			if p := must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/penalties", o, nil), 400).problem(t); firstPath(p) != path {
				t.Errorf("%s: %v", path, p)
			}
		}
	})
}

// TestIssue4Roles walks the routes of reviews, penalties and the exchange
// as every role: the roles outside the table of docs/exchange.md get 403
// before anything is read or written.
func TestIssue4Roles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvWithKey(t, db, api.Config{}, exchangeKey)
		registerA(t, e)
		routes := []struct {
			method, path string
			body         any
			allowed      []string
		}{
			{"POST", "/v1/reviews", obj{"credit_code": codeA, "period": "2024-Q1", "outlet_no": "DA001", "flag_code": "x", "reason": "r"}, []string{"tax_officer", "admin"}},
			{"GET", "/v1/reviews", nil, []string{"enterprise", "tax_officer", "env_officer", "admin"}},
			{"POST", "/v1/taxpayers/" + codeA + "/penalties", obj{"case_no": "n", "outlet_no": "DA001", "case_code": "no_monitoring", "period_from": "2024-01-01",
				"period_to": "2024-01-31", "decided_on": "2024-02-01", "pollutants": []string{"二氧化硫"}}, []string{"env_officer", "admin"}},
			{"GET", "/v1/taxpayers/" + codeA + "/penalties", nil, []string{"enterprise", "tax_officer", "env_officer", "admin"}},
			{"POST", "/v1/exchange/exports", obj{"direction": "tax_to_env", "period": "2024-Q1"}, []string{"tax_officer", "admin"}},
			{"GET", "/v1/exchange/batches", nil, []string{"tax_officer", "env_officer", "admin"}},
		}
		for _, r := range routes {
			for _, role := range []string{"enterprise", "tax_officer", "env_officer", "finance", "admin"} {
				res := e.do(role, r.method, r.path, r.body, hdr{"Idempotency-Key": role + r.path})
				if contains(r.allowed, role) == (res.status == 403) {
					t.Errorf("%s %s as %s: %d %s", r.method, r.path, role, res.status, trim(res.body))
				}
			}
		}
	})
}
