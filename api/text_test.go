package api_test

import (
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestBadText (issue 11, item 3): NUL bytes and invalid UTF-8 in a path,
// a query or a JSON string are a 400 invalid_text naming the field, on
// both databases, before any SQL (PostgreSQL answered 500).
func TestBadText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		for _, c := range []struct {
			name, who, method, path string
			body                    any
			field                   string
		}{
			{"NUL in a path", "tax_officer", "GET", "/v1/taxpayers/%00", nil, "code"},
			{"invalid UTF-8 in a path", "tax_officer", "GET", "/v1/taxpayers/%ff/sources", nil, "code"},
			{"NUL in a query", "env_officer", "GET", "/v1/monitoring/packets?mn=A%00", nil, "mn"},
			{"invalid UTF-8 in a query", "tax_officer", "GET", "/v1/audit?credit_code=%C3", nil, "credit_code"},
			{"NUL in JSON", "tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeB, "name": "a\x00b", "region": "500103", "industry": "x"}, "name"},
			{"invalid UTF-8 in JSON", "tax_officer", "POST", "/v1/taxpayers", "{\"credit_code\":\"" + codeB + "\",\"name\":\"a\xffb\",\"region\":\"500103\",\"industry\":\"x\"}", "name"},
			{"over-long query", "tax_officer", "GET", "/v1/audit?credit_code=" + strings.Repeat("a", httpx.MaxTextBytes+1), nil, "credit_code"},
			{"lone surrogate in JSON", "tax_officer", "POST", "/v1/taxpayers", `{"credit_code":"` + codeB + `","name":"a\udc00","region":"500103","industry":"x"}`, "name"},
		} {
			t.Run(c.name, func(t *testing.T) {
				p := must(t, e.do(c.who, c.method, c.path, c.body, nil), 400).problem(t)
				errs, _ := p["errors"].([]any)
				if p["code"] != "invalid_text" || len(errs) == 0 || errs[0].(map[string]any)["path"] != c.field {
					t.Errorf("%v", p)
				}
			})
		}
	})
}
