package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// rowsOf are the records of one dataset of a batch view, by field name.
func rowsOf(v *app.BatchView, dataset string) []map[string]string {
	var out []map[string]string
	for _, r := range v.Records {
		if r.Dataset != dataset {
			continue
		}
		m := map[string]string{"_outcome": r.Outcome}
		for k, p := range r.Values {
			if p != nil {
				m[k] = *p
			}
		}
		out = append(out, m)
	}
	return out
}

// filesOf are the datasets listed in a batch's manifest.
func filesOf(v *app.BatchView) map[string]int {
	out := map[string]int{}
	for _, f := range v.Manifest.Files {
		out[f.Dataset] = f.Rows
	}
	return out
}

// TestExchangeBasicRecords (issue 15): both directions exported from an
// empty and from a seeded database carry every dataset of their
// direction; monitoring data in gives monitoring_monthly rows out; each
// side's import lists the other side's records it cannot match as a
// worklist; a second import changes nothing; a tampered batch is refused.
func TestExchangeBasicRecords(t *testing.T) {
	tables, err := app.LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		T, E := twoSides(t, db, tables)
		ctx := context.Background()
		export := func(s *app.Service, p filing.Principal, dir string) *app.BatchView {
			t.Helper()
			out, err := s.ExportBatch(ctx, p, app.Idem{}, app.ExportRequest{Direction: dir, Period: "2024-Q1"})
			if err != nil {
				t.Fatal(err)
			}
			return out.Value
		}
		// Empty databases: every dataset of the direction, no rows.
		for _, c := range []struct {
			s   *app.Service
			p   filing.Principal
			dir string
		}{{T, tax, exchange.TaxToEnv}, {E, env, exchange.EnvToTax}} {
			v := export(c.s, c.p, c.dir)
			files := filesOf(v)
			for _, d := range exchange.Of(c.dir) {
				if n, ok := files[d.Name]; !ok || n != 0 {
					t.Errorf("empty %s export: %s listed %v with %d rows", c.dir, d.Name, ok, n)
				}
			}
		}

		// T: the taxpayer with a source and a filed revision with a line,
		// and a second taxpayer the environment side does not know.
		src := register(t, T)
		if _, err := T.RegisterTaxpayer(ctx, admin, app.Idem{}, filing.Taxpayer{CreditCode: "91500000MA5U7XXX1A", Name: "税务独有", Region: "500103"}); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			d := &filing.Declaration{CreditCode: code, Period: "2024-Q1", Revision: 1, Deadline: "2024-04-15"}
			if err := tx.InsertDeclaration(d); err != nil {
				return err
			}
			if err := tx.PutFigures(d.ID, []filing.Figure{{SourceID: src, Month: "2024-01", EmissionKg: num("1000"), AvgConcentration: num("60"), MaxConcentration: num("80")}}); err != nil {
				return err
			}
			tax := decimal.RequireFromString("631.58")
			return tx.Submit(d, decimal.RequireFromString("1263.16"), tax, tax, []byte(`{"lines":[{"source":"DA001","month":"2024-01","kind":"air",
				"pollutant":"二氧化硫","quantity":"1000","unit":"kg","equivalent_value":"0.95","equivalents":"1052.63","rate":"1.2",
				"tax_due":"1263.16","reduction_factor":"0.5","reduction":"631.58","tax":"631.58","rules":[]}]}`), "test")
		}); err != nil {
			t.Fatal(err)
		}

		// E: the same taxpayer with its source and a device that sent
		// January, and a polluter the tax side does not know.
		register(t, E)
		if _, err := E.RegisterTaxpayer(ctx, admin, app.Idem{}, filing.Taxpayer{CreditCode: "91440300708461136T", Name: "环保独有", Region: "500103"}); err != nil {
			t.Fatal(err)
		}
		for _, d := range []reconcile.Device{{CreditCode: code, MN: "MN-K", OutletNo: "DA001", ValidFrom: "2024-01-01"},
			{CreditCode: "91440300708461136T", MN: "MN-Z", OutletNo: "DA009", ValidFrom: "2024-01-01"}} {
			if _, err := E.RegisterDevice(ctx, admin, app.Idem{}, d); err != nil {
				t.Fatal(err)
			}
		}
		frames, exp, err := reconciletest.Month(reconciletest.Device{MN: "MN-K", Factors: []reconciletest.Factor{
			{Code: "a21026", CouMilli: 100, AvgTenths: 300}, {Code: "a00000", CouMilli: 5000000, AvgTenths: 10}}}, "2024-01")
		if err != nil {
			t.Fatal(err)
		}
		var batch []store.Incoming
		for _, f := range frames {
			batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "test"})
		}
		if _, _, err := E.Ingest(ctx, admin, batch); err != nil {
			t.Fatal(err)
		}
		if _, err := E.RefreshFigures(ctx, 100); err != nil {
			t.Fatal(err)
		}

		// T → E.
		tv := export(T, tax, exchange.TaxToEnv)
		lines := rowsOf(tv, "declaration_lines")
		if len(lines) != 1 || lines[0]["tax_source_no"] == "" || lines[0]["avg_concentration"] != "60" || lines[0]["standard_concentration"] != "200" ||
			lines[0]["relief_code"] != "" || lines[0]["relief_basis"] == "" || lines[0]["reduction"] != "631.58" {
			t.Errorf("declaration_lines %v", lines)
		}
		if tps := rowsOf(tv, "taxpayers"); len(tps) != 2 {
			t.Errorf("taxpayers %v", tps)
		}
		if red := rowsOf(tv, "reductions"); len(red) != 1 || red[0]["relief_basis"] == "" || red[0]["relief_code"] != "" {
			t.Errorf("reductions %v", red)
		}
		if v := rowsOf(tv, "tax_violations"); len(v) != 1 || v[0]["violation"] == "" {
			t.Errorf("tax_violations (filed after the deadline) %v", v)
		}
		_, tfiles, err := T.BatchFiles(ctx, tax, tv.Batch.BatchID)
		if err != nil {
			t.Fatal(err)
		}
		in, err := E.ImportBatch(ctx, env, tfiles)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rowsOf(in, "taxpayers") {
			want := "matched"
			if r["credit_code"] != code {
				want = "unmatched: credit_code 91500000MA5U7XXX1A: taxpayer not registered here"
			}
			if r["_outcome"] != want {
				t.Errorf("import of taxpayer %s: %q, want %q", r["credit_code"], r["_outcome"], want)
			}
		}
		wl, err := E.Worklist(ctx, env, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(wl) != 1 || wl[0].Dataset != "taxpayers" || wl[0].Mismatch.Field != "credit_code" || wl[0].CreditCode != "91500000MA5U7XXX1A" {
			t.Fatalf("environment worklist %+v", wl)
		}

		// E registers the taxpayer's permit (排污许可): it travels in permits
		// and beside the outlet in polluters. A number not built per HJ 608
		// from the holder's credit code is refused; an enterprise cannot
		// register one.
		permitNo := code + "001P"
		line := []exchange.PermitLine{{OutletNo: "DA001", Pollutant: "二氧化硫", Standard: "GB 13271-2014", ConcentrationLimit: num("200")}}
		if _, err := E.RegisterPermit(ctx, env, app.Idem{}, code, exchange.Permit{PermitNo: permitNo, ValidFrom: "2023-06-01", Lines: line}); err != nil {
			t.Fatal(err)
		}
		if _, err := E.RegisterPermit(ctx, env, app.Idem{}, code, exchange.Permit{PermitNo: "91440300708461136T001P", ValidFrom: "2023-06-01", Lines: line}); kindOf(err) != "invalid" {
			t.Errorf("a permit number of another credit code: %v", err)
		}
		if _, err := E.RegisterPermit(ctx, env, app.Idem{}, code, exchange.Permit{PermitNo: permitNo, ValidFrom: "2023-06-01", Lines: line}); kindOf(err) != "conflict" {
			t.Errorf("the same permit twice: %v", err)
		}
		if _, err := E.RegisterPermit(ctx, filing.Principal{Role: filing.RoleEnterprise, CreditCode: code}, app.Idem{}, code,
			exchange.Permit{PermitNo: code + "002P", ValidFrom: "2023-06-01", Lines: line}); kindOf(err) != "forbidden" {
			t.Errorf("an enterprise registered a permit: %v", err)
		}
		if ps, err := E.Permits(ctx, env, code); err != nil || len(ps) != 1 || len(ps[0].Lines) != 1 || ps[0].Lines[0].ConcentrationLimit.Decimal.String() != "200" {
			t.Errorf("permits %+v %v", ps, err)
		}

		// E records an agency's supervisory measurement of the outlet in
		// February, and one of last year (outside the period).
		sample := exchange.Sample{OutletNo: "DA001", Pollutant: "二氧化硫", SampledOn: "2024-02-20", ReportNo: "JC-2024-0131",
			Agency: "重庆市生态环境监测中心", Concentration: num("41.5"), Flow: num("12000"), FlowUnit: "m³/h"}
		if _, err := E.RecordSample(ctx, env, app.Idem{}, code, sample); err != nil {
			t.Fatal(err)
		}
		old := sample
		old.SampledOn = "2023-11-02"
		if _, err := E.RecordSample(ctx, env, app.Idem{}, code, old); err != nil {
			t.Fatal(err)
		}
		if _, err := E.RecordSample(ctx, env, app.Idem{}, code, sample); kindOf(err) != "conflict" {
			t.Errorf("the same report twice: %v", err)
		}
		if _, err := E.RecordSample(ctx, env, app.Idem{}, code, exchange.Sample{OutletNo: "DA001", Pollutant: "二氧化硫", SampledOn: "2024-02-20",
			ReportNo: "x", Flow: num("1")}); kindOf(err) != "invalid" {
			t.Errorf("a measurement without concentration and flow unit: %v", err)
		}
		if ss, err := E.Samples(ctx, env, code, "2024-Q1"); err != nil || len(ss) != 1 || ss[0].ReportNo != "JC-2024-0131" {
			t.Errorf("samples of 2024-Q1: %+v %v", ss, err)
		}

		// E → T.
		ev := export(E, env, exchange.EnvToTax)
		if sr := rowsOf(ev, "supervisory_samples"); len(sr) != 1 || sr[0]["sampled_on"] != "2024-02-20" || sr[0]["concentration"] != "41.5" ||
			sr[0]["report_no"] != "JC-2024-0131" || sr[0]["flow_unit"] != "m³/h" || sr[0]["credit_code"] != code {
			t.Errorf("supervisory_samples rows %v", sr)
		}
		if pr := rowsOf(ev, "permits"); len(pr) != 1 || pr[0]["permit_no"] != permitNo || pr[0]["outlet_no"] != "DA001" ||
			pr[0]["concentration_limit"] != "200" || pr[0]["valid_from"] != "2023-06-01" || pr[0]["credit_code"] != code {
			t.Errorf("permits rows %v", pr)
		}
		mon := rowsOf(ev, "monitoring_monthly")
		if len(mon) != 1 {
			t.Fatalf("monitoring_monthly %v", mon)
		}
		m := mon[0]
		if m["mn"] != "MN-K" || m["outlet_no"] != "DA001" || m["month"] != "2024-01" || m["pollutant"] != "二氧化硫" || m["unit"] != "kg" ||
			m["quantity"] != exp["a21026"].TotalKg.String() || m["concentration_basis"] != "hourly" || m["flow"] == "" || m["flow_unit"] != "万标立方米" ||
			m["avg_concentration"] == "" || m["completeness"] == "" {
			t.Errorf("monitoring_monthly row %v (by hand %s kg)", m, exp["a21026"].TotalKg)
		}
		pol := rowsOf(ev, "polluters")
		if len(pol) != 2 {
			t.Errorf("polluters %v", pol)
		}
		for _, r := range pol {
			if r["credit_code"] == code && (r["mn"] != "MN-K" || r["monitoring"] != "automatic" || r["permit_no"] != permitNo) {
				t.Errorf("polluter %v", r)
			}
		}
		_, efiles, err := E.BatchFiles(ctx, env, ev.Batch.BatchID)
		if err != nil {
			t.Fatal(err)
		}
		// A tampered batch is refused and leaves nothing.
		bad := map[string][]byte{}
		for k, v := range efiles {
			bad[k] = v
		}
		name := exchange.FileName("monitoring_monthly", exchange.JSONL)
		bad[name] = append([]byte(nil), bad[name]...)
		bad[name][len(bad[name])-3] ^= 1
		if _, err := T.ImportBatch(ctx, tax, bad); !isKind(err, "invalid") {
			t.Fatalf("tampered batch: %v", err)
		}
		if wl, err := T.Worklist(ctx, tax, ""); err != nil || len(wl) != 0 {
			t.Fatalf("after a refused batch the worklist is %v %v", wl, err)
		}
		first, err := T.ImportBatch(ctx, tax, efiles)
		if err != nil {
			t.Fatal(err)
		}
		wl, err = T.Worklist(ctx, tax, exchange.EnvToTax)
		if err != nil {
			t.Fatal(err)
		}
		// The unknown polluter, and MN-K on a known outlet that T has no
		// device for (polluters and monitoring_monthly).
		got := map[string]string{}
		for _, w := range wl {
			got[w.Dataset+" "+w.CreditCode] = w.Mismatch.Field
		}
		want := map[string]string{"polluters 91440300708461136T": "credit_code", "polluters " + code: "mn", "monitoring_monthly " + code: "mn"}
		if len(got) != len(want) || len(wl) != 3 {
			t.Fatalf("tax worklist %+v", wl)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("tax worklist %s: %q, want %q", k, got[k], v)
			}
		}
		// The same batch again changes nothing.
		again, err := T.ImportBatch(ctx, tax, efiles)
		if err != nil || !again.AlreadyImported || len(again.Records) != len(first.Records) {
			t.Fatalf("second import: %v", err)
		}
		if wl2, err := T.Worklist(ctx, tax, ""); err != nil || len(wl2) != len(wl) {
			t.Fatalf("worklist after the second import %d, want %d (%v)", len(wl2), len(wl), err)
		}
		// Registering the device here clears the MN items.
		if _, err := T.RegisterDevice(ctx, admin, app.Idem{}, reconcile.Device{CreditCode: code, MN: "MN-K", OutletNo: "DA001", ValidFrom: "2024-01-01"}); err != nil {
			t.Fatal(err)
		}
		if wl, err := T.Worklist(ctx, tax, ""); err != nil || len(wl) != 1 {
			t.Fatalf("worklist after registering MN-K: %+v %v", wl, err)
		}
		if _, err := T.Worklist(ctx, filing.Principal{Role: filing.RoleEnterprise, CreditCode: code}, ""); err == nil {
			t.Error("an enterprise read the worklist")
		}
	})
}

// kindOf is the kind of a *calc.Error, "" for anything else.
func kindOf(err error) string {
	var ce *calc.Error
	if errors.As(err, &ce) {
		return string(ce.Kind)
	}
	return ""
}
