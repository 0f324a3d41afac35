package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

var (
	monReaders   = []string{"enterprise", "tax_officer", "env_officer", "admin"}
	deviceWriter = []string{"tax_officer", "env_officer", "admin"}
	rcReaders    = []string{"tax_officer", "env_officer", "admin"}
	keyWriters   = []string{"env_officer", "admin"}
)

// monRoutes are the monitoring and reconciliation routes; {dev} is a
// device mapping and {run} a run made in the setup.
var monRoutes = []route{
	{"create device", "POST", "/v1/taxpayers/{A}/devices", func(*world) any {
		return obj{"mn": "MN-ROLE", "outlet_no": "DA001", "valid_from": "2024-01-01"}
	}, nil, deviceWriter},
	{"list devices", "GET", "/v1/taxpayers/{A}/devices", nil, nil, monReaders},
	{"get device", "GET", "/v1/taxpayers/{A}/devices/{dev}", nil, nil, monReaders},
	{"change device", "PUT", "/v1/taxpayers/{A}/devices/{dev}", func(*world) any {
		return obj{"mn": "MN-SETUP", "outlet_no": "DA001", "valid_from": "2023-01-01", "note": "checked"}
	}, hdr{"If-Match": `"1"`}, deviceWriter},
	{"monthly figures", "GET", "/v1/taxpayers/{A}/monitoring?month=2024-01", nil, nil, monReaders},
	{"list outputs", "GET", "/v1/taxpayers/{A}/outputs", nil, nil, everyone},
	{"put output", "PUT", "/v1/taxpayers/{A}/outputs/2024-02", func(*world) any {
		return obj{"product": "硫酸", "unit": "t", "quantity": "10"}
	}, nil, filers},
	{"own reconciliation", "GET", "/v1/taxpayers/{A}/reconciliation?period=2024-Q1", nil, nil, monReaders},
	{"packets", "GET", "/v1/monitoring/packets?mn=MN-SETUP", nil, nil, monReaders},
	{"split messages", "GET", "/v1/monitoring/splits?mn=MN-SETUP", nil, nil, monReaders},
	{"set device key", "PUT", "/v1/monitoring/devices/MN-SETUP/key", func(*world) any { return obj{"key": "9f3a6c1e2b7d4058a1c2e3f405162738"} }, nil, keyWriters},
	{"device keys", "GET", "/v1/monitoring/devices/MN-SETUP/keys", nil, nil, keyWriters},
	{"run", "POST", "/v1/reconciliations", func(*world) any { return obj{"period": "2024-Q1", "credit_code": codeA} }, nil, officers},
	{"list runs", "GET", "/v1/reconciliations", nil, nil, rcReaders},
	{"get run", "GET", "/v1/reconciliations/{run}", nil, nil, rcReaders},
	{"results", "GET", "/v1/reconciliation/results?period=2024-Q1", nil, nil, rcReaders},
	{"flags", "GET", "/v1/reconciliation/flags?period=2024-Q1", nil, nil, rcReaders},
}

// TestMonitoringRoutesEveryRole walks the monitoring and reconciliation
// routes as every role, as TestEveryRouteEveryRole does for the rest.
func TestMonitoringRoutesEveryRole(t *testing.T) {
	for _, role := range []string{"enterprise", "tax_officer", "env_officer", "finance", "admin", "enterprise_b", "tax_officer_bj", ""} {
		t.Run("as "+role, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, api.Config{})
				w := setupWorld(t, e)
				var dev, run struct{ ID int64 }
				must(t, e.do("admin", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-SETUP", "outlet_no": "DA001", "valid_from": "2023-01-01"}, nil), 201).json(t, &dev)
				frames, _, err := reconciletest.Month(reconciletest.Device{MN: "MN-SETUP", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 100}}}, "2024-01")
				if err != nil {
					t.Fatal(err)
				}
				var batch []store.Incoming
				for _, f := range frames[:48] {
					batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "roles"})
				}
				if _, err := db.Ingest(context.Background(), batch); err != nil {
					t.Fatal(err)
				}
				must(t, e.do("enterprise", "PUT", "/v1/taxpayers/"+codeA+"/outputs/2024-01", obj{"product": "硫酸", "unit": "t", "quantity": "5"}, nil), 201)
				// The 2023-Q4 declaration is submitted; reconcile it so that
				// there are standing results and flags to read.
				var rv struct{ Run struct{ ID int64 } }
				must(t, e.do("admin", "POST", "/v1/reconciliations", obj{"period": "2023-Q4", "region": "500000"}, nil), 201).json(t, &rv)
				must(t, e.do("admin", "POST", "/v1/reconciliations", obj{"period": "2024-Q1", "region": "500000"}, nil), 201).json(t, &rv)
				run.ID = rv.Run.ID
				repl := strings.NewReplacer("{dev}", fmt.Sprint(dev.ID), "{run}", fmt.Sprint(run.ID))
				before := monSnapshot(t, e, w)
				for _, r := range monRoutes {
					var body any
					if r.body != nil {
						body = r.body(w)
					}
					res := e.do(role, r.method, repl.Replace(w.path(r.path)), body, r.h)
					listing := r.name == "list runs" || r.name == "results" || r.name == "flags"
					switch {
					case role == "":
						if res.status != 401 {
							t.Errorf("%s without a token: %d", r.name, res.status)
						}
						res.problem(t)
					case role == "tax_officer_bj" && listing:
						// A listing answers, without taxpayer A.
						if res.status != 200 || strings.Contains(string(res.body), codeA) || strings.Contains(string(res.body), `"region":"500000"`) {
							t.Errorf("%s as %s: %d %s", r.name, role, res.status, trim(res.body))
						}
					case role == "enterprise_b" || role == "tax_officer_bj":
						if res.status != 403 && res.status != 404 {
							t.Errorf("%s as %s: %d %s", r.name, role, res.status, trim(res.body))
						}
						res.problem(t)
					case contains(r.roles, role):
						if res.status == 401 || res.status == 403 || res.status == 404 || res.status >= 500 {
							t.Errorf("%s as %s: %d %s", r.name, role, res.status, trim(res.body))
						}
					default:
						if res.status != 403 {
							t.Errorf("%s as %s: %d, want 403: %s", r.name, role, res.status, trim(res.body))
						}
						res.problem(t)
					}
				}
				if role == "enterprise_b" || role == "tax_officer_bj" || role == "" {
					if after := monSnapshot(t, e, w); after != before {
						t.Errorf("%s changed taxpayer A's data:\n%s\n---\n%s", role, before, after)
					}
				}
			})
		})
	}
}

func monSnapshot(t *testing.T, e *env, w *world) string {
	var b strings.Builder
	b.WriteString(snapshot(t, e, w))
	for _, p := range []string{"/v1/taxpayers/{A}/devices", "/v1/taxpayers/{A}/outputs", "/v1/reconciliations", "/v1/reconciliation/flags?period=2024-Q1"} {
		b.Write(must(t, e.do("admin", "GET", w.path(p), nil, nil), 200).body)
		b.WriteByte('\n')
	}
	return b.String()
}

// TestMonitoringBadInput: every bad field is a 4xx problem naming it, and
// stores nothing.
func TestMonitoringBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		dev := "/v1/taxpayers/" + codeA + "/devices"
		for _, c := range []struct {
			who, method, path string
			body              any
			h                 hdr
			status            int
			field             string
		}{
			{"admin", "POST", dev, obj{"outlet_no": "DA001", "valid_from": "2024-01-01"}, nil, 400, "mn"},
			{"admin", "POST", dev, obj{"mn": "A;B", "outlet_no": "DA001", "valid_from": "2024-01-01"}, nil, 400, "mn"},
			{"admin", "POST", dev, obj{"mn": "M1", "outlet_no": "", "valid_from": "2024-01-01"}, nil, 400, "outlet_no"},
			{"admin", "POST", dev, obj{"mn": "M1", "outlet_no": "DA001", "valid_from": "2024-13-01"}, nil, 400, "valid_from"},
			{"admin", "POST", dev, obj{"mn": "M1", "outlet_no": "DA001", "valid_from": "2024-02-01", "valid_to": "2024-01-01"}, nil, 400, "valid_to"},
			{"admin", "POST", dev, obj{"mn": "M1", "outlet_no": "DA001", "valid_from": "2024-02-01", "extra": 1}, nil, 400, "extra"},
			{"admin", "POST", dev, obj{"mn": "M1", "outlet_no": "DA001", "valid_from": "2024-02-01", "version": 3}, nil, 400, "version"},
			{"admin", "POST", "/v1/taxpayers/91440300708461136T/devices", obj{"mn": "M1", "outlet_no": "DA001", "valid_from": "2024-02-01"}, nil, 404, ""},
			{"admin", "GET", "/v1/taxpayers/" + codeA + "/monitoring?month=2024-13", nil, nil, 400, "month"},
			{"admin", "GET", "/v1/taxpayers/" + codeA + "/monitoring", nil, nil, 400, "month"},
			{"admin", "PUT", "/v1/taxpayers/" + codeA + "/outputs/2024-01", obj{"product": "x", "unit": "t", "quantity": "-1"}, nil, 400, "quantity"},
			{"admin", "PUT", "/v1/taxpayers/" + codeA + "/outputs/2024-01", obj{"product": "x", "unit": "t"}, nil, 400, "quantity"},
			{"admin", "PUT", "/v1/taxpayers/" + codeA + "/outputs/2024-1", obj{"product": "x", "unit": "t", "quantity": "1"}, nil, 400, "month"},
			{"admin", "PUT", "/v1/taxpayers/" + codeA + "/outputs/2024-01", obj{"product": "", "unit": "t", "quantity": "1"}, nil, 400, "product"},
			{"admin", "PUT", "/v1/taxpayers/" + codeA + "/outputs/2024-01", obj{"product": "x", "unit": "t", "quantity": "1", "version": 2}, nil, 409, ""},
			{"admin", "POST", "/v1/reconciliations", obj{"period": "2024-Q5"}, nil, 400, "period"},
			{"admin", "POST", "/v1/reconciliations", obj{"period": "2024-Q1", "region": "5000"}, nil, 400, "region"},
			{"admin", "POST", "/v1/reconciliations", obj{"period": "2024-Q1", "credit_code": "123"}, nil, 400, "credit_code"},
			{"env_officer", "POST", "/v1/reconciliations", obj{"period": "2024-Q1"}, nil, 403, ""},
			{"admin", "GET", "/v1/reconciliation/flags?period=2024-Q1&code=nope", nil, nil, 400, "code"},
			{"admin", "GET", "/v1/reconciliation/flags", nil, nil, 400, "period"},
			{"admin", "GET", "/v1/monitoring/packets?verdict=maybe", nil, nil, 400, "verdict"},
			{"admin", "GET", "/v1/monitoring/packets?month=24-01", nil, nil, 400, "month"},
			{"admin", "GET", "/v1/monitoring/packets?limit=0", nil, nil, 400, "limit"},
			{"admin", "GET", "/v1/reconciliations/999", nil, nil, 404, ""},
			{"admin", "GET", "/v1/taxpayers/" + codeA + "/devices/999", nil, nil, 404, ""},
		} {
			res := e.do(c.who, c.method, c.path, c.body, c.h)
			if res.status != c.status {
				t.Errorf("%s %s %v: %d, want %d: %s", c.method, c.path, c.body, res.status, c.status, trim(res.body))
				continue
			}
			p := res.problem(t)
			if c.field != "" && firstPath(p) != c.field {
				t.Errorf("%s %s %v: path %q, want %q", c.method, c.path, c.body, firstPath(p), c.field)
			}
		}
		var devs struct{ Devices []any }
		must(t, e.do("admin", "GET", dev, nil, nil), 200).json(t, &devs)
		var outs struct{ Outputs []any }
		must(t, e.do("admin", "GET", "/v1/taxpayers/"+codeA+"/outputs", nil, nil), 200).json(t, &outs)
		if len(devs.Devices) != 0 || len(outs.Outputs) != 0 {
			t.Errorf("bad input stored something: %v %v", devs, outs)
		}
	})
}
