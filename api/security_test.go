package api_test

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

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

// fill puts taxpayer A's identifiers in a described path.
func fill(path string, w *world) string {
	return strings.NewReplacer("{code}", codeA, "{id}", fmt.Sprint(w.submitted), "{month}", "2024-01", "{batch}", "b1").Replace(path)
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
		w := setupWorld(t, e)
		before := snapshot(t, e, w)
		calls := 0
		for _, o := range operations(t) {
			for _, who := range []string{"enterprise_b", "tax_officer_bj", "env_officer_bj", "finance_bj"} {
				var body any
				if o.op.RequestBody != nil {
					body = obj{"credit_code": codeA, "region": "500103", "district": "500103"}
				}
				path := fill(o.path, w)
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
				if res.status < 300 && (strings.Contains(string(res.body), codeA) || strings.Contains(string(res.body), "示例化工")) {
					t.Errorf("%s %s as %s: %d shows taxpayer A: %s", o.method, path, who, res.status, trim(res.body))
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
		w := setupWorld(t, e)
		calls := 0
		for _, o := range operations(t) {
			path := fill(o.path, w)
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
