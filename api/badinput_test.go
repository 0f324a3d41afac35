package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestBadInput sends malformed, mistyped, unknown, oversize and invalid
// bodies: each is a 4xx problem naming a path, never a 5xx, and nothing
// is stored (taxpayer A's data and the audit log are unchanged).
func TestBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{BodyLimit: 64 << 10})
		w := setupWorld(t, e)
		draft := fmt.Sprintf("/v1/declarations/%d", w.draft)
		figs := func(mod func(f obj)) any {
			q := quarter(w.ids, "100")
			mod(q[0])
			return obj{"period": "2024-Q2", "figures": q}
		}
		huge := `{"credit_code":"` + strings.Repeat("9", 70<<10) + `"}`
		cases := []struct {
			name, who, method, path string
			body                    any
			h                       hdr
			status                  int
			path0                   string // the first error's path
			code                    string
		}{
			{"malformed JSON", "tax_officer", "POST", "/v1/taxpayers", `{"credit_code": "91`, nil, 400, "credit_code", "invalid_json"},
			{"not an object", "tax_officer", "POST", "/v1/taxpayers", `[1,2]`, nil, 400, "$", "invalid_type"},
			{"trailing data", "tax_officer", "POST", "/v1/taxpayers", `{} {}`, nil, 400, "$", "invalid_json"},
			{"empty body", "tax_officer", "POST", "/v1/taxpayers", ``, nil, 400, "$", "invalid_json"},
			{"wrong type", "tax_officer", "POST", "/v1/taxpayers", `{"credit_code": 91350100, "name": "x", "region": "500103"}`, nil, 400, "credit_code", "invalid_type"},
			{"unknown field", "tax_officer", "POST", "/v1/taxpayers", `{"credit_code": "` + codeB + `", "name": "x", "region": "500103", "vip": true}`, nil, 400, "vip", "unknown_field"},
			{"duplicate field", "tax_officer", "POST", "/v1/taxpayers", `{"credit_code": "` + codeB + `", "credit_code": "` + codeB + `"}`, nil, 400, "credit_code", "duplicate_field"},
			{"invalid credit code", "tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": "91350100M000100Y44", "name": "x", "region": "500103"}, nil, 400, "credit_code", "invalid_credit_code"},
			{"bad region", "tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeB, "name": "x", "region": "5001"}, nil, 400, "region", "invalid_value"},
			{"oversize body", "tax_officer", "POST", "/v1/taxpayers", huge, nil, 413, "$", "body_too_large"},
			{"wrong media type", "tax_officer", "POST", "/v1/taxpayers", []byte("PK..."), nil, 415, "Content-Type", "unsupported_media_type"},
			{"source: unknown kind", "enterprise", "POST", "/v1/taxpayers/" + codeA + "/sources", obj{"outlet_no": "X", "outlet_name": "x", "kind": "smell", "pollutant": "x", "valid_from": "2024-01-01"}, nil, 400, "kind", "invalid_value"},
			{"source: bad date", "enterprise", "POST", "/v1/taxpayers/" + codeA + "/sources", obj{"outlet_no": "X", "outlet_name": "x", "kind": "air", "pollutant": "x", "valid_from": "2024-02-30"}, nil, 400, "valid_from", "invalid_value"},
			{"source: negative", "enterprise", "POST", "/v1/taxpayers/" + codeA + "/sources", obj{"outlet_no": "X", "outlet_name": "x", "kind": "air", "pollutant": "x", "valid_from": "2024-01-01", "standard_concentration": "-1"}, nil, 400, "standard_concentration", "invalid_number"},
			{"source: exponent", "enterprise", "POST", "/v1/taxpayers/" + codeA + "/sources", `{"outlet_no": "X", "outlet_name": "x", "kind": "air", "pollutant": "x", "valid_from": "2024-01-01", "standard_concentration": 1e400}`, nil, 400, "standard_concentration", "invalid_number"},
			{"month outside the period", "enterprise", "POST", "/v1/taxpayers/" + codeA + "/declarations", figs(func(f obj) {}), nil, 400, "figures[0].month", "month_outside_period"},
			{"too many decimals", "enterprise", "POST", "/v1/taxpayers/" + codeA + "/declarations", obj{"period": "2024-Q2", "figures": []obj{{"source_id": w.ids["so2"], "month": "2024-04", "emission_kg": "1.0000000000001"}}}, nil, 400, "figures[0].emission_kg", "invalid_number"},
			{"figure of another kind", "enterprise", "POST", "/v1/taxpayers/" + codeA + "/declarations", obj{"period": "2024-Q2", "figures": []obj{{"source_id": w.ids["so2"], "month": "2024-04", "generated_t": "1"}}}, nil, 400, "figures[0].generated_t", "not_applicable"},
			{"unknown source", "enterprise", "POST", "/v1/taxpayers/" + codeA + "/declarations", obj{"period": "2024-Q2", "figures": []obj{{"source_id": 999, "month": "2024-04"}}}, nil, 400, "figures[0].source_id", "unknown_source"},
			{"bad period", "enterprise", "POST", "/v1/taxpayers/" + codeA + "/declarations", obj{"period": "2024-Q5", "figures": []obj{}}, nil, 400, "period", "invalid_value"},
			{"days as text", "enterprise", "PUT", draft + "/figures", `{"figures": [{"source_id": 1, "month": "2024-01", "day_exceed_days": "16"}]}`, hdr{"If-Match": `"1"`}, 400, "figures[0].day_exceed_days", "invalid_type"},
			{"bad If-Match", "enterprise", "PUT", draft + "/figures", obj{"figures": []obj{}}, hdr{"If-Match": "abc"}, 400, "If-Match", "invalid_value"},
			{"not a workbook", "enterprise", "POST", draft + "/import", []byte("not xlsx"), hdr{"If-Match": `"1"`}, 400, "$", "invalid_xlsx"},
			{"bad idempotency key", "tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeB, "name": "x", "region": "500103"}, hdr{"Idempotency-Key": "a b"}, 400, "Idempotency-Key", "invalid_value"},
			{"payment in the future", "finance", "POST", fmt.Sprintf("/v1/declarations/%d/payment", w.submitted), obj{"paid_on": "2030-01-01", "amount": "1"}, hdr{"If-Match": `"2"`}, 400, "paid_on", "invalid_value"},
			{"calculator: malformed", "", "POST", "/v1/tax/assessments", `{"sources": [`, nil, 400, "", "invalid_json"},
			{"calculator: unknown field", "", "POST", "/v1/tax/assessments", `{"sources": [], "x": 1}`, nil, 400, "x", ""},
			{"unknown route", "admin", "GET", "/v1/nothing", nil, nil, 404, "", "route_not_found"},
			{"unknown declaration", "admin", "GET", "/v1/declarations/99999", nil, nil, 404, "", "declaration_not_found"},
			{"non-numeric id", "admin", "GET", "/v1/declarations/abc", nil, nil, 404, "", "not_found"},
		}
		before := snapshot(t, e, w)
		for _, c := range cases {
			r := e.do(c.who, c.method, c.path, c.body, c.h)
			if r.status != c.status {
				t.Errorf("%s: status %d, want %d: %s", c.name, r.status, c.status, trim(r.body))
				continue
			}
			p := r.problem(t)
			if c.path0 != "" && firstPath(p) != c.path0 && !strings.HasPrefix(firstPath(p), c.path0) {
				t.Errorf("%s: path %q, want %q: %v", c.name, firstPath(p), c.path0, p["errors"])
			}
			if c.code != "" && p["code"] != c.code && !strings.Contains(fmt.Sprint(p["errors"]), c.code) {
				t.Errorf("%s: code %v, want %s: %v", c.name, p["code"], c.code, p["errors"])
			}
		}
		if after := snapshot(t, e, w); after != before {
			t.Errorf("bad input changed stored data:\n%s\n---\n%s", before, after)
		}
	})
}

// TestRateLimit: the public calculator answers 429 past the burst.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, storetest.OpenSQLite(t), api.Config{RateLimit: 1, RateBurst: 2})
	statuses := map[int]int{}
	for i := 0; i < 5; i++ {
		statuses[e.do("", "POST", "/v1/tax/assessments", `{}`, nil).status]++
	}
	if statuses[429] != 3 || statuses[400] != 2 {
		t.Errorf("statuses %v, want 2×400 then 3×429", statuses)
	}
}
