package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// route is one route of the API as a role would call it. Bodies are
// valid, so a role that may act gets past authorization.
type route struct {
	name   string
	method string
	path   string
	body   func(w *world) any
	h      hdr
	roles  []string // roles that may act (enterprise means: on its own taxpayer)
}

// world is a taxpayer A with sources, a draft and a submitted declaration.
type world struct {
	ids       map[string]int64
	draft     int64
	submitted int64
}

func (w *world) path(p string) string {
	r := strings.NewReplacer("{A}", codeA, "{src}", fmt.Sprint(w.ids["so2"]), "{draft}", fmt.Sprint(w.draft), "{sub}", fmt.Sprint(w.submitted))
	return r.Replace(p)
}

var (
	everyone  = []string{"enterprise", "tax_officer", "env_officer", "finance", "admin"}
	filers    = []string{"enterprise", "admin"}
	officers  = []string{"tax_officer", "admin"}
	srcWriter = []string{"enterprise", "tax_officer", "admin"}
)

var allRoutes = []route{
	{"list taxpayers", "GET", "/v1/taxpayers", nil, nil, everyone},
	{"get taxpayer", "GET", "/v1/taxpayers/{A}", nil, nil, everyone},
	{"patch taxpayer", "PATCH", "/v1/taxpayers/{A}", func(*world) any { return obj{"industry": "化工"} }, hdr{"If-Match": `"1"`}, officers},
	{"list sources", "GET", "/v1/taxpayers/{A}/sources", nil, nil, everyone},
	{"export sources", "GET", "/v1/taxpayers/{A}/sources/export?format=csv", nil, nil, everyone},
	{"get source", "GET", "/v1/taxpayers/{A}/sources/{src}", nil, nil, everyone},
	{"source history", "GET", "/v1/taxpayers/{A}/sources/{src}/history", nil, nil, everyone},
	{"list declarations", "GET", "/v1/taxpayers/{A}/declarations", nil, nil, everyone},
	{"get declaration", "GET", "/v1/declarations/{sub}", nil, nil, everyone},
	{"template", "GET", "/v1/declarations/{draft}/template", nil, nil, everyone},
	{"export declaration", "GET", "/v1/declarations/{sub}/export?format=csv", nil, nil, everyone},
	{"precheck", "POST", "/v1/declarations/{draft}/precheck", nil, nil, filers},
	{"put figures", "PUT", "/v1/declarations/{draft}/figures", func(w *world) any { return obj{"figures": quarter(w.ids, "10")} }, hdr{"If-Match": `"1"`}, filers},
	{"submit", "POST", "/v1/declarations/{draft}/submit", nil, hdr{"If-Match": `"2"`}, filers},
	{"correct", "POST", "/v1/declarations/{sub}/corrections", nil, nil, filers},
	{"accept", "POST", "/v1/declarations/{sub}/accept", nil, hdr{"If-Match": `"2"`}, officers},
	{"pay", "POST", "/v1/declarations/{sub}/payment", func(*world) any { return obj{"paid_on": "2024-04-10", "amount": "1.00"} }, hdr{"If-Match": `"2"`}, []string{"tax_officer", "finance", "admin"}},
	{"change source", "PUT", "/v1/taxpayers/{A}/sources/{src}", func(*world) any {
		return obj{"outlet_no": "DA001", "outlet_name": "改", "kind": "air", "pollutant": "二氧化硫", "method": "automatic", "standard_concentration": "200", "valid_from": "2018-01-01"}
	}, hdr{"If-Match": `"1"`}, srcWriter},
	{"end source", "POST", "/v1/taxpayers/{A}/sources/{src}/end", func(*world) any { return obj{"valid_to": "2030-12-31"} }, hdr{"If-Match": `"2"`}, srcWriter},
	{"add source", "POST", "/v1/taxpayers/{A}/sources", func(*world) any {
		return obj{"outlet_no": "DA009", "outlet_name": "新", "kind": "air", "pollutant": "一般性粉尘", "valid_from": "2025-01-01"}
	}, nil, srcWriter},
	{"create declaration", "POST", "/v1/taxpayers/{A}/declarations", func(w *world) any { return obj{"period": "2024-Q3", "figures": []obj{}} }, nil, filers},
	{"audit", "GET", "/v1/audit?credit_code={A}", nil, nil, officers},
}

func setupWorld(t *testing.T, e *env) *world {
	w := &world{ids: registerA(t, e)}
	var d declaration
	must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2023-Q4", "figures": quarterOf("2023", []string{"10", "11", "12"}, w.ids)}, nil), 201).json(t, &d)
	must(t, e.do("enterprise", "POST", fmt.Sprintf("/v1/declarations/%d/submit", d.ID), nil, hdr{"If-Match": `"1"`}), 200)
	w.submitted = d.ID
	must(t, e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/declarations", obj{"period": "2024-Q1", "figures": quarter(w.ids, "100")}, nil), 201).json(t, &d)
	w.draft = d.ID
	// Make the draft's version 2, as the route table expects for submit.
	return w
}

func quarterOf(year string, months []string, ids map[string]int64) []obj {
	var figs []obj
	for _, f := range quarter(ids, "100") {
		m := f["month"].(string)
		f["month"] = year + "-" + months[map[string]int{"2024-01": 0, "2024-02": 1, "2024-03": 2}[m]]
		figs = append(figs, f)
	}
	return figs
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestEveryRouteEveryRole walks every authenticated route as every role,
// in a fresh world per role: roles that may act get past authorization;
// the others get 403, and an enterprise token of another taxpayer (or an
// officer of another region) gets 403 or 404 — never an answer — and
// changes nothing.
func TestEveryRouteEveryRole(t *testing.T) {
	for _, role := range []string{"enterprise", "tax_officer", "env_officer", "finance", "admin", "enterprise_b", "tax_officer_bj", ""} {
		t.Run("as "+role, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db, api.Config{})
				w := setupWorld(t, e)
				must(t, e.do("enterprise", "PUT", fmt.Sprintf("/v1/declarations/%d/figures", w.draft), obj{"figures": quarter(w.ids, "100")}, hdr{"If-Match": `"1"`}), 200)
				before := snapshot(t, e, w)
				for _, r := range allRoutes {
					var body any
					if r.body != nil {
						body = r.body(w)
					}
					res := e.do(role, r.method, w.path(r.path), body, r.h)
					switch {
					case role == "":
						if res.status != 401 {
							t.Errorf("%s without a token: %d", r.name, res.status)
						}
						res.problem(t)
					case (role == "enterprise_b" || role == "tax_officer_bj") && r.name == "list taxpayers":
						// A listing answers, without taxpayer A.
						if res.status != 200 || strings.Contains(string(res.body), codeA) {
							t.Errorf("%s as %s: %d %s", r.name, role, res.status, trim(res.body))
						}
					case role == "enterprise_b" || role == "tax_officer_bj":
						// Someone else's taxpayer, or outside the region.
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
					if after := snapshot(t, e, w); after != before {
						t.Errorf("%s changed taxpayer A's data:\n%s\n---\n%s", role, before, after)
					}
				}
				if role == "enterprise_b" {
					var list struct{ Taxpayers []obj }
					must(t, e.do(role, "GET", "/v1/taxpayers", nil, nil), 200).json(t, &list)
					if len(list.Taxpayers) != 0 {
						t.Errorf("enterprise B lists %v", list.Taxpayers)
					}
				}
			})
		})
	}
}

// snapshot is everything stored about taxpayer A, read as admin.
func snapshot(t *testing.T, e *env, w *world) string {
	var b strings.Builder
	for _, p := range []string{"/v1/taxpayers/{A}", "/v1/taxpayers/{A}/sources", "/v1/taxpayers/{A}/declarations",
		"/v1/declarations/{draft}", "/v1/declarations/{sub}", "/v1/audit?credit_code={A}"} {
		b.Write(must(t, e.do("admin", "GET", w.path(p), nil, nil), 200).body)
		b.WriteByte('\n')
	}
	return b.String()
}
