package api_test

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// The security suite of issue 11, generated from api/openapi.yaml so that
// it cannot shrink silently: every operation the description lists is
// called, and TestEveryRouteIsDescribed fails when routes.go serves a
// route the description does not list (so a new route is in the matrix
// without editing this file).

// operation is one method and path of the description.
type operation struct {
	method, path string
	op           *openapi3.Operation
}

func operations(t *testing.T) []operation {
	specRouter(t) // loads spec
	var ops []operation
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, operation{method, path, op})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	return ops
}

var routeRe = regexp.MustCompile(`(?m)^\s*(?:e|v1)\.(GET|POST|PUT|PATCH|DELETE)\("([^"]+)"`)

// TestEveryRouteIsDescribed: every route of routes.go is in openapi.yaml.
func TestEveryRouteIsDescribed(t *testing.T) {
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	described := map[string]bool{}
	for _, o := range operations(t) {
		described[o.method+" "+o.path] = true
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	n := 0
	for _, m := range routeRe.FindAllStringSubmatch(string(src), -1) {
		p := m[2]
		if !strings.HasPrefix(p, "/v1") && !strings.HasPrefix(p, "/") {
			p = "/v1" + p
		}
		if strings.HasPrefix(m[0], "\tv1.") || strings.Contains(m[0], "v1.") {
			p = "/v1" + m[2]
		}
		p = param.ReplaceAllString(p, "{$1}")
		n++
		if !described[m[1]+" "+p] && p != "/metrics" && p != "/openapi.yaml" {
			t.Errorf("route %s %s is not in api/openapi.yaml (so not in the security matrix)", m[1], p)
		}
	}
	if n < 70 {
		t.Errorf("found only %d routes in routes.go", n)
	}
}

// tenantA is taxpayer A's world with one thing of every kind a path
// parameter names, keyed by the kind: the path segment before the
// parameter ("sources" for /v1/taxpayers/{code}/sources/{id}, "batches"
// for /v1/exchange/batches/{batch}). A new route over an existing kind is
// filled without editing this file; a route over a new kind fails fill
// until setupTenantA makes one.
type tenantA struct {
	*world
	ids map[string]string
}

// setupTenantA is setupWorld plus, for taxpayer A (region 500103 of
// Chongqing, 500000), a device mapping, a damage case, an eco-compensation
// settlement, a fee bill, a reconciliation run and a finished
// reconciliation job, a review, a penalty and an exchange batch, each by a
// role that keeps it.
func setupTenantA(t *testing.T, e *env) *tenantA {
	t.Helper()
	w := setupWorld(t, e)
	a := &tenantA{world: w, ids: map[string]string{
		"sources":      fmt.Sprint(w.ids["so2"]),
		"declarations": fmt.Sprint(w.submitted),
	}}
	e.addToken("tax_officer_cq", &filing.Token{Role: filing.RoleTaxOfficer, Region: "500000"})
	var v struct{ ID int64 }
	id := func(kind string, r *resp) {
		t.Helper()
		v.ID = 0
		r.json(t, &v)
		if v.ID == 0 {
			t.Fatalf("%s: no id in %s", kind, trim(r.body))
		}
		a.ids[kind] = fmt.Sprint(v.ID)
	}
	id("devices", must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/devices", obj{"mn": "MN-A", "outlet_no": "DA001", "valid_from": "2023-01-01"}, nil), 201))
	id("damage-cases", must(t, e.do("env_officer", "POST", "/v1/budget/damage-cases", damageCase, nil), 201))
	id("eco-settlements", must(t, e.do("finance", "POST", "/v1/budget/eco-settlements", ecoSettlement("II"), nil), 201))
	id("fee-bills", must(t, e.do("finance", "POST", "/v1/budget/fee-bills", feeBill, nil), 201))
	id("reviews", must(t, e.do("tax_officer_cq", "POST", "/v1/reviews", obj{"credit_code": codeA, "period": "2023-Q4", "outlet_no": "DA001",
		"pollutant": "二氧化硫", "month": "2023-10", "flag_code": "monitored_above_declared", "reason": "在线监测排放量高于申报量"}, nil), 201))
	id("penalties", must(t, e.do("env_officer", "POST", "/v1/taxpayers/"+codeA+"/penalties", obj{"case_no": "渝环罚〔2023〕9号", "outlet_no": "DA001",
		"case_code": "tampered_data", "period_from": "2023-10-01", "period_to": "2023-10-31", "decided_on": "2023-11-20",
		"pollutants": []string{"二氧化硫"}}, nil), 201))
	var run struct{ Run struct{ ID int64 } }
	must(t, e.do("tax_officer_cq", "POST", "/v1/reconciliations", obj{"period": "2023-Q4", "region": "500000"}, nil), 201).json(t, &run)
	a.ids["reconciliations"] = fmt.Sprint(run.Run.ID)
	var job struct{ ID, Status string }
	must(t, e.do("tax_officer_cq", "POST", "/v1/reconciliation-jobs", obj{"period": "2023-Q4", "region": "500000"}, nil), 202).json(t, &job)
	a.ids["reconciliation-jobs"] = job.ID
	// Finished before the snapshot, so that its writes are not taken for
	// another tenant's.
	for until := time.Now().Add(30 * time.Second); job.Status != "done" && job.Status != "failed"; {
		if time.Now().After(until) {
			t.Fatalf("reconciliation job %s: %s", job.ID, job.Status)
		}
		time.Sleep(20 * time.Millisecond)
		must(t, e.do("tax_officer_cq", "GET", "/v1/reconciliation-jobs/"+job.ID, nil, nil), 200).json(t, &job)
	}
	var batch batchView
	must(t, e.do("tax_officer_cq", "POST", "/v1/exchange/exports", obj{"direction": "tax_to_env", "period": "2023-Q4"}, nil), 201).json(t, &batch)
	a.ids["batches"] = batch.Batch.BatchID
	for kind, v := range a.ids {
		if v == "" || v == "0" {
			t.Fatalf("tenant A has no %s", kind)
		}
	}
	return a
}

// markers are strings only tenant A's things contain: its credit code and
// name, the damage case's name, the settlement's section, the penalty's
// case number, the review's reason, the device's MN, the job's and the
// batch's ids.
func (a *tenantA) markers() []string {
	return []string{codeA, "示例化工", "指导案例130号", "渝中—大渡口界", "渝环罚〔2023〕9号", "在线监测排放量高于申报量", `"MN-A"`,
		a.ids["reconciliation-jobs"], a.ids["batches"]}
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// fill puts taxpayer A's identifiers in a described path: {code} is A's
// credit code, {month} a month, and any other parameter the id of A's
// thing of the kind the segment before it names.
func (a *tenantA) fill(t *testing.T, path string) string {
	t.Helper()
	segs := strings.Split(path, "/")
	for i, s := range segs {
		m := pathParam.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		switch {
		case m[1] == "code":
			segs[i] = codeA
		case m[1] == "month":
			segs[i] = "2024-01"
		case i > 0 && a.ids[segs[i-1]] != "":
			segs[i] = a.ids[segs[i-1]]
		default:
			kind := ""
			if i > 0 {
				kind = segs[i-1]
			}
			t.Fatalf("%s: no id of tenant A for {%s} (kind %q): make one in setupTenantA", path, m[1], kind)
		}
	}
	return strings.Join(segs, "/")
}

// TestCrossTenantMatrix: every described operation as every principal of
// another tenant (another taxpayer's enterprise, officers and finance of
// another region), on both databases: never a 5xx, never A's credit code
// or name in an answer, nothing of A changed.
func TestCrossTenantMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvWithKey(t, db, api.Config{}, []byte("9f86d081884c7d659a2feaa0c55ad015-security"))
		addToken(t, e, "env_officer_bj", filing.RoleEnvOfficer, "110000")
		addToken(t, e, "finance_bj", filing.RoleFinance, "110000")
		a := setupTenantA(t, e)
		w := a.world
		before := snapshot(t, e, w)
		calls := 0
		for _, o := range operations(t) {
			for _, who := range []string{"enterprise_b", "tax_officer_bj", "env_officer_bj", "finance_bj"} {
				var body any
				if o.op.RequestBody != nil {
					body = obj{"credit_code": codeA, "region": "500103", "district": "500103"}
				}
				path := a.fill(t, o.path)
				if o.method == "GET" && strings.Contains(o.path, "packets") {
					path += "?mn=MN-A"
				}
				res := e.do(who, o.method, path, body, nil)
				calls++
				if res.status >= 500 {
					t.Errorf("%s %s as %s: %d %s", o.method, path, who, res.status, trim(res.body))
				}
				if res.status < 300 && o.op.Security != nil && len(*o.op.Security) == 0 {
					continue // a public operation
				}
				if res.status < 300 {
					for _, m := range a.markers() {
						if strings.Contains(string(res.body), m) {
							t.Errorf("%s %s as %s: %d shows tenant A's %q: %s", o.method, path, who, res.status, m, trim(res.body))
						}
					}
				}
			}
		}
		if after := snapshot(t, e, w); after != before {
			t.Errorf("another tenant changed taxpayer A's data")
		}
		t.Logf("%d calls", calls)
	})
}

// badValues are the inputs every field of a type gets (issue 11): NUL,
// invalid UTF-8, lone surrogates, formulas, path traversal, huge
// exponents and 30 digits.
var badValues = []string{
	"a\x00b", "\xff\xfe", `\ud800`, "=HYPERLINK(\"http://evil.example\",\"x\")", "@SUM(A1:A9)", "../../../../etc/passwd",
	"1e400", "1E-10000000", "123456789012345678901234567890", "-0.0000000000001",
}

// TestBadInputPerField: every string property of every described JSON
// body gets every bad value (as the operator, who may call everything),
// and every described query parameter too: never a 5xx.
func TestBadInputPerField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvWithKey(t, db, api.Config{}, []byte("9f86d081884c7d659a2feaa0c55ad015-security"))
		a := setupTenantA(t, e)
		calls := 0
		for _, o := range operations(t) {
			path := a.fill(t, o.path)
			for _, pr := range o.op.Parameters {
				if pr.Value == nil || pr.Value.In != "query" {
					continue
				}
				for _, v := range badValues {
					res := e.do("admin", o.method, path+"?"+pr.Value.Name+"="+escapeQuery(v), nil, nil)
					calls++
					if res.status >= 500 {
						t.Errorf("%s %s ?%s=%q: %d %s", o.method, path, pr.Value.Name, v, res.status, trim(res.body))
					}
				}
			}
			if o.op.RequestBody == nil || o.op.RequestBody.Value == nil {
				continue
			}
			mt := o.op.RequestBody.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				continue
			}
			for name := range mt.Schema.Value.Properties {
				for _, v := range badValues {
					body := "{" + quoteJSON(name) + ":" + rawJSONString(v) + "}"
					res := e.do("admin", o.method, path, body, nil)
					calls++
					if res.status >= 500 {
						t.Errorf("%s %s %s=%q: %d %s", o.method, path, name, v, res.status, trim(res.body))
					}
				}
			}
		}
		t.Logf("%d calls", calls)
	})
}

func quoteJSON(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// rawJSONString writes v as a JSON string without escaping its bytes (so
// invalid UTF-8 and a written-out \ud800 reach the server as they are).
func rawJSONString(v string) string {
	if strings.HasPrefix(v, `\u`) {
		return `"` + v + `"`
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\x00", `\u0000`).Replace(v) + `"`
}

func escapeQuery(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		fmt.Fprintf(&b, "%%%02X", v[i])
	}
	return b.String()
}
