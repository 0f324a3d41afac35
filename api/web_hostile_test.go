package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// pageRoutes are the pages read with GET, their parameters as {name}.
var pageRoutes = []string{
	"/app/taxpayers", "/app/declarations", "/app/taxpayers/{code}", "/app/taxpayers/{code}/sources.xlsx",
	"/app/taxpayers/{code}/sources/new", "/app/taxpayers/{code}/sources/{id}", "/app/taxpayers/{code}/sources/{id}/edit",
	"/app/taxpayers/{code}/outputs", "/app/taxpayers/{code}/audit", "/app/taxpayers/{code}/monitoring",
	"/app/declarations/{id}", "/app/declarations/{id}/template.xlsx", "/app/declarations/{id}/confirm", "/app/declarations/{id}/export.xlsx",
	"/app/reconciliation", "/app/reconciliation/jobs/{id}", "/app/reconciliation/{code}", "/app/reconciliation/{code}/item",
	"/app/reviews", "/app/reviews/{id}", "/app/exchange/worklist", "/app/exchange", "/app/exchange/batches/{id}/archive",
	"/app/permits", "/app/samples", "/app/devices", "/app/penalties", "/app/devices/keys", "/app/devices/packets",
	"/app/budget", "/app/budget/damage-cases", "/app/budget/eco-settlements", "/app/budget/fee-bills", "/app/budget.xlsx",
}

// pageQueryKeys are the query parameters the pages read.
var pageQueryKeys = []string{"period", "region", "status", "flag", "taxpayer", "mn", "month", "set", "saved", "ended",
	"made", "year", "code", "verdict", "before", "source", "pollutant", "outlet", "kind", "id", "q", "next"}

// TestWebHostileInputs reads every page, as every role, with hostile
// values in each path parameter and in every query parameter the pages
// read (all at once, then one at a time beside sensible others): bytes
// that are not UTF-8, a NUL, very long text, markup, SQL and a path out
// of the tree. No page fails with a server error, none shows
// the markup unescaped, and whatever it refuses it refuses in a page.
func TestWebHostileInputs(t *testing.T) {
	hostile := []string{"\xff\xfe", "a\x00b", strings.Repeat("长", 3000), `<script>alert("x")</script>`, `' OR 1=1; DROP TABLE taxpayers;--`,
		"../../etc/passwd", "2024-Q1\r\nSet-Cookie: x=1", "-1", "99999999999999999999999", "%"}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		flaggedWorld(t, e, db)
		for _, role := range []string{"tax_officer", "env_officer", "enterprise", "finance", "admin", "tax_officer_bj"} {
			b := newBrowser(t, e)
			b.signIn(e.tokens[role])
			check := func(path string) {
				t.Helper()
				p := b.get(path)
				if p.status >= 500 {
					t.Errorf("%s: GET %.120q: %d", role, path, p.status)
				}
				if strings.Contains(p.body, `<script>alert("x")`) {
					t.Errorf("%s: GET %.120q shows the markup unescaped", role, path)
				}
			}
			for _, route := range pageRoutes {
				for _, h := range hostile {
					esc := url.PathEscape(h)
					path := strings.NewReplacer("{code}", esc, "{id}", esc).Replace(route)
					if path != route {
						check(path)
					}
				}
				base := strings.NewReplacer("{code}", codeA, "{id}", "1").Replace(route)
				for _, h := range hostile {
					q := url.Values{}
					for _, k := range pageQueryKeys {
						q.Set(k, h)
					}
					check(base + "?" + q.Encode())
				}
				// One parameter at a time, the others as a person sends them,
				// so that each reaches as deep as it can.
				if role != "tax_officer" && role != "env_officer" && role != "enterprise" {
					continue
				}
				for _, k := range pageQueryKeys {
					for _, h := range hostile[2:6] { // text the middleware lets through
						check(base + "?" + url.Values{"period": {"2024-Q1"}, "taxpayer": {codeA}, "month": {"2024-01"}, k: {h}}.Encode())
					}
				}
			}
		}
	})
}
