package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// ingestMonths generates and stores a month of hour data per device and
// month, returns the expected figures by MN, month and code.
func ingestMonths(t testing.TB, db *store.DB, devs map[string]reconciletest.Device, months []string) map[string]*reconciletest.Expect {
	t.Helper()
	exp := map[string]*reconciletest.Expect{}
	var batch []store.Incoming
	for mn, d := range devs {
		for _, m := range months {
			frames, ex, err := reconciletest.Month(d, m)
			if err != nil {
				t.Fatal(err)
			}
			for code, x := range ex {
				exp[mn+"|"+m+"|"+code] = x
			}
			for i, f := range frames {
				batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: fmt.Sprintf("gen %s %s #%d", mn, m, i)})
			}
			// One corrupted copy per device and month: stored, rejected.
			bad := reconciletest.Corrupt(frames[0])
			batch = append(batch, store.Incoming{Packet: hj212.Parse(bad, hj212.Options{Lenient: true}), Origin: "gen corrupt"})
		}
	}
	// As ecotax import hj212 does: store, then bring the monthly figures
	// up to date (GET …/monitoring only reads them).
	tables, err := app.LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(app.Deps{Store: db, Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := svc.Ingest(context.Background(), filing.Principal{Role: filing.RoleAdmin}, batch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RefreshFigures(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if st.Rejected != len(devs)*len(months) || st.Stored != len(batch) {
		t.Fatalf("ingest %+v of %d", st, len(batch))
	}
	return exp
}

// TestScenario: a generated quarter of hour data for two outlets (gaps,
// fault, maintenance and calibration hours, a corrupted packet) is
// stored; the enterprise declares less SO2 than was monitored in
// January; the reconciliation flags it, with the tax both ways; each role
// sees what it may.
func TestScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		ids := registerA(t, e)
		must(t, e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeB, "name": "北京某厂", "region": "110105", "industry": "化学原料和化学制品制造业"}, nil), 201)

		// The environment officer maps the devices to the outlets.
		var dev struct {
			ID      int64
			Version int
		}
		must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-DA001", "outlet_no": "DA001", "valid_from": "2023-06-01"}, hdr{"Idempotency-Key": "dev-a"}), 201).json(t, &dev)
		must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-DW001", "outlet_no": "DW001", "valid_from": "2023-06-01"}, nil), 201)
		p := must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-DA001", "outlet_no": "DA009", "valid_from": "2024-02-01"}, nil), 409).problem(t)
		if p["code"] != "device_overlap" {
			t.Errorf("overlap: %v", p)
		}
		must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-X", "outlet_no": "DA001", "valid_from": "2024-01-01"}, nil), 403)

		air := reconciletest.Device{MN: "MN-DA001", Factors: []reconciletest.Factor{
			{Code: "a21026", CouMilli: 160, AvgTenths: 1200}, // SO2 ≈ 0.16 kg an hour
			{Code: "a21002", CouMilli: 105, AvgTenths: 900},  // NOx ≈ 0.105 kg an hour
		}, Gaps: map[int]bool{}, Flags: map[int]string{30: "D", 31: "M", 32: "C", 33: "B", 200: "T"}}
		for h := 100; h < 200; h++ {
			air.Gaps[h] = true
		}
		water := reconciletest.Device{MN: "MN-DW001", Factors: []reconciletest.Factor{{Code: "w01018", CouMilli: 4000, AvgTenths: 500}}}
		exp := ingestMonths(t, db, map[string]reconciletest.Device{"MN-DA001": air, "MN-DW001": water}, []string{"2024-01", "2024-02"})
		// March: the air device is silent; the water one sends.
		exp2 := ingestMonths(t, db, map[string]reconciletest.Device{"MN-DW001": water}, []string{"2024-03"})
		for k, v := range exp2 {
			exp[k] = v
		}

		// Monthly figures: what the generator counted by hand.
		var mon struct {
			Outlets []struct {
				OutletNo   string `json:"outlet_no"`
				Pollutant  string
				Basis      string
				EmissionKg *string `json:"emission_kg"`
				Valid      int
				Units      int
				Excluded   int
				Notes      []string
			}
			Devices []struct {
				MN     string
				Code   string
				Detail struct {
					Excluded []struct{ Flag, Reason string }
				}
			}
		}
		must(t, e.do("enterprise", "GET", "/v1/taxpayers/"+codeA+"/monitoring?month=2024-01", nil, nil), 200).json(t, &mon)
		so2 := exp["MN-DA001|2024-01|a21026"]
		found := false
		for _, o := range mon.Outlets {
			if o.OutletNo == "DA001" && o.Pollutant == "二氧化硫" {
				found = true
				if o.EmissionKg == nil || !decimal.RequireFromString(*o.EmissionKg).Equal(so2.TotalKg) || o.Valid != so2.Valid || o.Excluded != so2.Excluded || o.Units != 744 || o.Basis != "hour" {
					t.Errorf("SO2 January %+v, by hand %s kg, %d valid, %d excluded", o, so2.TotalKg, so2.Valid, so2.Excluded)
				}
			}
			if o.OutletNo == "DW001" && (o.Basis != "hour" || len(o.Notes) == 0) {
				t.Errorf("water from hour data must say so: %+v", o)
			}
		}
		if !found {
			t.Fatalf("no SO2 figure: %+v", mon.Outlets)
		}
		flagsLeftOut := map[string]bool{}
		for _, d := range mon.Devices {
			for _, x := range d.Detail.Excluded {
				flagsLeftOut[x.Flag] = true
			}
		}
		for _, f := range []string{"D", "M", "C", "B"} {
			if !flagsLeftOut[f] {
				t.Errorf("flag %s not listed among the left-out records", f)
			}
		}
		must(t, e.do("enterprise_b", "GET", "/v1/taxpayers/"+codeA+"/monitoring?month=2024-01", nil, nil), 404)

		// The enterprise declares, with January's SO2 far below the monitored figure.
		var d declaration
		must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": quarter(ids, "50")}, nil), 201).json(t, &d)
		must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", d.ID), obj{"version": 1}, nil), 200)
		for _, m := range []string{"2024-01", "2024-02", "2024-03"} {
			must(t, e.do("enterprise", "PUT", "/v1/taxpayers/"+codeA+"/outputs/"+m, obj{"product": "硫酸", "unit": "t", "quantity": "1200.5"}, nil), 201)
		}
		must(t, e.do("enterprise", "PUT", "/v1/taxpayers/"+codeA+"/outputs/2024-01", obj{"product": "硫酸", "unit": "t", "quantity": "1300"}, nil), 428)
		must(t, e.do("enterprise", "PUT", "/v1/taxpayers/"+codeA+"/outputs/2024-01", obj{"product": "硫酸", "unit": "t", "quantity": "1300"}, hdr{"If-Match": `"1"`}), 200)

		// The tax officer reconciles Chongqing.
		var run struct {
			Run struct {
				ID    int64
				Flags int
			}
			Results []struct {
				CreditCode    string `json:"credit_code"`
				Status        string
				DeclaredTax   *string `json:"declared_tax"`
				MonitoredTax  *string `json:"monitored_tax"`
				TaxDifference *string `json:"tax_difference"`
				Flags         []string
			}
		}
		must(t, e.do("enterprise", "POST", "/v1/reconciliations", obj{"period": "2024-Q1"}, nil), 403)
		must(t, e.do("tax_officer_bj", "POST", "/v1/reconciliations", obj{"period": "2024-Q1", "region": "500000"}, nil), 403)
		r := must(t, e.do("tax_officer", "POST", "/v1/reconciliations", obj{"period": "2024-Q1", "region": "500000"}, hdr{"Idempotency-Key": "run-1"}), 201)
		r.json(t, &run)
		if len(run.Results) != 1 || run.Results[0].CreditCode != codeA || run.Results[0].Status != "flagged" {
			t.Fatalf("run %s", trim(r.body))
		}
		res := run.Results[0]
		// The totals need not rise (the monitored concentrations may earn a
		// reduction the declaration did not claim); their difference is
		// what it says, and January's SO2 line is taxed higher below.
		if !dec(t, res.TaxDifference).Equal(dec(t, res.MonitoredTax).Sub(dec(t, res.DeclaredTax))) {
			t.Errorf("taxes: declared %v monitored %v difference %v", *res.DeclaredTax, *res.MonitoredTax, *res.TaxDifference)
		}

		// The flags, addressable for a review (复核).
		var fl struct {
			Flags []struct {
				CreditCode string `json:"credit_code"`
				Period     string
				Month      string
				OutletNo   string `json:"outlet_no"`
				SourceID   int64  `json:"source_id"`
				Pollutant  string
				Code       string
				Observed   string
				Parameter  string
				Rule       string
			}
		}
		must(t, e.do("tax_officer", "GET", "/v1/reconciliation/flags?period=2024-Q1&region=500000", nil, nil), 200).json(t, &fl)
		got := map[string]bool{}
		for _, f := range fl.Flags {
			got[f.Month+" "+f.OutletNo+" "+f.Pollutant+" "+f.Code] = true
			if f.Code == "monitored_above_declared" && f.Month == "2024-01" && f.Pollutant == "二氧化硫" {
				if f.SourceID != ids["so2"] || f.Observed != so2.TotalKg.String()+" kg" || !strings.Contains(f.Rule, "第二十条") || !strings.Contains(f.Parameter, "params.csv") {
					t.Errorf("flag %+v (monitored by hand %s)", f, so2.TotalKg)
				}
			}
		}
		// Expected by the rules, from the hand counts: SO2 declared 50 in
		// January and 90 in February, NOx 80.5; a 100-hour gap and four
		// flagged hours a month leave about 86 % of the hours.
		want := map[string]bool{
			"2024-03 DA001 二氧化硫 monitoring_missing": true, // the device went silent; the source is automatic
			"2024-03 DA001 氮氧化物 monitoring_missing": true,
		}
		declared := map[string]decimal.Decimal{"2024-01|a21026": decimal.NewFromInt(50), "2024-02|a21026": decimal.NewFromInt(90),
			"2024-01|a21002": decimal.RequireFromString("80.5"), "2024-02|a21002": decimal.RequireFromString("80.5")}
		names := map[string]string{"a21026": "二氧化硫", "a21002": "氮氧化物"}
		for k, dkg := range declared {
			m, code, _ := strings.Cut(k, "|")
			x := exp["MN-DA001|"+m+"|"+code]
			if x.TotalKg.GreaterThan(dkg.Mul(decimal.RequireFromString("1.05"))) {
				want[m+" DA001 "+names[code]+" monitored_above_declared"] = true
			}
			if x.Valid*10 < x.Hours*9 {
				want[m+" DA001 "+names[code]+" monitoring_incomplete"] = true
			}
		}
		if !want["2024-01 DA001 二氧化硫 monitored_above_declared"] || !want["2024-01 DA001 二氧化硫 monitoring_incomplete"] {
			t.Fatalf("the generated data do not make the case: %v", want)
		}
		for k := range want {
			if !got[k] {
				t.Errorf("missing flag %q", k)
			}
		}
		for k := range got {
			if !want[k] {
				t.Errorf("unexpected flag %q", k)
			}
		}
		// Another region's officer sees none of it; an enterprise may not list.
		var none struct{ Flags []any }
		must(t, e.do("tax_officer_bj", "GET", "/v1/reconciliation/flags?period=2024-Q1", nil, nil), 200).json(t, &none)
		if len(none.Flags) != 0 {
			t.Errorf("Beijing officer sees %v", none.Flags)
		}
		must(t, e.do("tax_officer_bj", "GET", "/v1/reconciliation/flags?period=2024-Q1&region=500000", nil, nil), 403)
		must(t, e.do("enterprise", "GET", "/v1/reconciliation/flags?period=2024-Q1", nil, nil), 403)
		must(t, e.do("env_officer", "GET", "/v1/reconciliation/results?period=2024-Q1", nil, nil), 200)

		// The enterprise reads its own reconciliation; another cannot.
		var own struct {
			Result struct{ Status string }
			Items  []struct {
				Month, Pollutant, Status string
				OutletNo                 string  `json:"outlet_no"`
				DeclaredKg               *string `json:"declared_kg"`
				MonitoredKg              *string `json:"monitored_kg"`
				DeclaredTax              *string `json:"declared_tax"`
				MonitoredTax             *string `json:"monitored_tax"`
			}
			Flags []any
		}
		must(t, e.do("enterprise", "GET", "/v1/taxpayers/"+codeA+"/reconciliation?period=2024-Q1", nil, nil), 200).json(t, &own)
		if own.Result.Status != "flagged" || len(own.Flags) != len(fl.Flags) || len(own.Items) == 0 {
			t.Errorf("own view %+v", own)
		}
		for _, it := range own.Items {
			if it.Month == "2024-01" && it.OutletNo == "DA001" && it.Pollutant == "二氧化硫" && (it.Status != "monitored_higher" || *it.DeclaredKg != "50" || !dec(t, it.MonitoredKg).Equal(so2.TotalKg) ||
				!dec(t, it.MonitoredTax).GreaterThan(dec(t, it.DeclaredTax))) {
				t.Errorf("January SO2 item %+v", it)
			}
		}
		must(t, e.do("enterprise_b", "GET", "/v1/taxpayers/"+codeA+"/reconciliation?period=2024-Q1", nil, nil), 404)
		must(t, e.do("enterprise", "GET", "/v1/taxpayers/"+codeA+"/reconciliation?period=2023-Q4", nil, nil), 404)

		// Runs: listed for officers; the replayed request created nothing new.
		must(t, e.do("tax_officer", "POST", "/v1/reconciliations", obj{"period": "2024-Q1", "region": "500000"}, hdr{"Idempotency-Key": "run-1"}), 201)
		var runs struct{ Runs []struct{ ID int64 } }
		must(t, e.do("tax_officer", "GET", "/v1/reconciliations?period=2024-Q1", nil, nil), 200).json(t, &runs)
		if len(runs.Runs) != 1 || runs.Runs[0].ID != run.Run.ID {
			t.Errorf("runs %+v", runs)
		}
		must(t, e.do("tax_officer", "GET", fmt.Sprintf("/v1/reconciliations/%d", run.Run.ID), nil, nil), 200)
		must(t, e.do("tax_officer_bj", "GET", fmt.Sprintf("/v1/reconciliations/%d", run.Run.ID), nil, nil), 404)

		// Stored packets: the rejected ones are kept with their reasons.
		var pk struct {
			Packets []struct{ Verdict, Reason, MN string }
		}
		must(t, e.do("tax_officer", "GET", "/v1/monitoring/packets?verdict=rejected", nil, nil), 200).json(t, &pk)
		if len(pk.Packets) != 5 || pk.Packets[0].Reason == "" {
			t.Errorf("rejected packets %+v", pk.Packets)
		}
		must(t, e.do("enterprise", "GET", "/v1/monitoring/packets", nil, nil), 400)
		must(t, e.do("enterprise", "GET", "/v1/monitoring/packets?mn=MN-DA001&limit=5", nil, nil), 200)
		must(t, e.do("enterprise_b", "GET", "/v1/monitoring/packets?mn=MN-DA001", nil, nil), 404)

		// Ending the air mapping in February moves March's silence out of
		// monitoring's reach: no device, but the source is still automatic.
		must(t, e.do("env_officer", "PUT", fmt.Sprintf("/v1/taxpayers/%s/devices/%d", codeA, dev.ID), obj{"mn": "MN-DA001", "outlet_no": "DA001", "valid_from": "2023-06-01", "valid_to": "2024-02-29"}, nil), 428)
		must(t, e.do("env_officer", "PUT", fmt.Sprintf("/v1/taxpayers/%s/devices/%d", codeA, dev.ID), obj{"mn": "MN-DA001", "outlet_no": "DA001", "valid_from": "2023-06-01", "valid_to": "2024-02-29"}, hdr{"If-Match": `"1"`}), 200)
		var devs struct {
			Devices []struct {
				ValidTo *string `json:"valid_to"`
			}
		}
		must(t, e.do("enterprise", "GET", "/v1/taxpayers/"+codeA+"/devices", nil, nil), 200).json(t, &devs)
		if len(devs.Devices) != 2 {
			t.Errorf("devices %+v", devs)
		}
		// Every change is in the audit log: two mappings made, one changed,
		// three outputs and a correction of one, one run.
		for entity, n := range map[string]int{"device": 3, "output": 4, "reconciliation": 1} {
			var log struct {
				Entries []struct{ Action, Actor string }
			}
			must(t, e.do("tax_officer", "GET", "/v1/audit?entity="+entity+"&credit_code="+codeA, nil, nil), 200).json(t, &log)
			if entity == "reconciliation" {
				must(t, e.do("tax_officer", "GET", "/v1/audit?entity="+entity, nil, nil), 200).json(t, &log)
			}
			if len(log.Entries) != n {
				t.Errorf("audit of %s: %d entries, want %d: %+v", entity, len(log.Entries), n, log.Entries)
			}
		}
	})
}
