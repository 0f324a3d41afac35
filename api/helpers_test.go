package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/web"
	"github.com/ecotax/ecotax/web/pages"
)

var (
	tablesOnce sync.Once
	tables     *app.Tables
	tablesErr  error
)

// loadTables reads every embedded table once, as ecotax serve does.
func loadTables(t testing.TB) *app.Tables {
	tablesOnce.Do(func() { tables, tablesErr = app.LoadTables() })
	if tablesErr != nil {
		t.Fatal(tablesErr)
	}
	return tables
}

// newServer wires the application layer, the pages and the API over db
// as ecotax serve does, with the clock now (nil: the store's).
func newServer(t testing.TB, db *store.DB, now func() time.Time, log *slog.Logger, cfg api.Config, exchangeKey []byte, pageOpts ...func(*pages.Config)) *api.Server {
	t.Helper()
	if now == nil {
		now = db.Now
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	metrics := api.NewMetrics(nil)
	svc, err := app.New(app.Deps{Store: db, Tables: loadTables(t), Now: now, Observer: metrics, ExchangeKey: exchangeKey})
	if err != nil {
		t.Fatal(err)
	}
	limiter := api.NewLimiter(cfg.WithDefaults().RateLimit, cfg.WithDefaults().RateBurst)
	pc := pages.Config{BodyLimit: cfg.BodyLimit, ImportLimit: cfg.ImportLimit, RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst}
	for _, o := range pageOpts {
		o(&pc)
	}
	pg, err := pages.New(pages.Deps{App: svc, Log: log, Limiter: limiter, Config: pc})
	if err != nil {
		t.Fatal(err)
	}
	return api.New(api.Deps{App: svc, Metrics: metrics, Pages: pg, Limiter: limiter, Log: log, Config: cfg})
}

// clock is the test's "today": 2024-05-20 in Beijing, after the Q1 deadline.
var clock = time.Date(2024, 5, 20, 2, 0, 0, 0, time.UTC)

type env struct {
	t      testing.TB
	db     *store.DB
	srv    *httptest.Server
	router routers.Router
	tokens map[string]string // name → secret
}

const (
	codeA = "91350100M000100Y43"
	codeB = "91440300708461136T"
)

func newEnv(t testing.TB, db *store.DB, cfg api.Config) *env { return newEnvWithKey(t, db, cfg, nil) }

// newEnvWithKey is newEnv with the exchange's HMAC key (the application
// layer's: ECOTAX_EXCHANGE_KEY).
func newEnvWithKey(t testing.TB, db *store.DB, cfg api.Config, exchangeKey []byte, pageOpts ...func(*pages.Config)) *env {
	db.Now = func() time.Time { return clock }
	if cfg.RateLimit == 0 {
		cfg.RateLimit = rate.Inf
	}
	s := newServer(t, db, func() time.Time { return clock }, nil, cfg, exchangeKey, pageOpts...)
	e := &env{t: t, db: db, srv: httptest.NewServer(s), tokens: map[string]string{}}
	t.Cleanup(e.srv.Close)
	e.router = specRouter(t)
	for name, tok := range map[string]*filing.Token{
		"admin":          {Role: filing.RoleAdmin},
		"tax_officer":    {Role: filing.RoleTaxOfficer},
		"tax_officer_bj": {Role: filing.RoleTaxOfficer, Region: "110000"},
		"env_officer":    {Role: filing.RoleEnvOfficer, Region: "500000"},
		"finance":        {Role: filing.RoleFinance},
		"enterprise":     {Role: filing.RoleEnterprise, CreditCode: codeA},
		"enterprise_b":   {Role: filing.RoleEnterprise, CreditCode: codeB},
	} {
		secret := filing.TokenPrefix + "test-" + name
		if err := db.InTx(context.Background(), func(tx *store.Tx) error { return tx.InsertToken(tok, filing.HashToken(secret)) }); err != nil {
			t.Fatal(err)
		}
		e.tokens[name] = secret
	}
	return e
}

var (
	specOnce sync.Once
	spec     *openapi3.T
	specErr  error
)

func specRouter(t testing.TB) routers.Router {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		if spec, specErr = loader.LoadFromData(api.OpenAPI()); specErr != nil {
			return
		}
		specErr = spec.Validate(context.Background())
		spec.Servers = nil // match paths on the test server's port
	})
	if specErr != nil {
		t.Fatalf("api/openapi.yaml: %v", specErr)
	}
	r, err := legacy.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func init() {
	openapi3filter.RegisterBodyDecoder("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", openapi3filter.FileBodyDecoder)
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r *resp) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
}

// problem decodes a problem document and checks its shape.
func (r *resp) problem(t testing.TB) map[string]any {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("status %d with Content-Type %q, want application/problem+json: %s", r.status, ct, r.body)
	}
	var p map[string]any
	r.json(t, &p)
	if p["code"] == "" || p["title"] == "" || int(p["status"].(float64)) != r.status {
		t.Fatalf("incomplete problem: %s", r.body)
	}
	return p
}

// firstPath is the path of the first field error of a problem.
func firstPath(p map[string]any) string {
	errs, _ := p["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].(map[string]any)["path"].(string)
}

type hdr map[string]string

// do sends a request as the named token ("" for none) and checks request
// and response against api/openapi.yaml.
func (e *env) do(who, method, path string, body any, h hdr) *resp {
	e.t.Helper()
	var data []byte
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		data = b
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(data))
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
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

func (e *env) validate(req *http.Request, body []byte, r *resp) {
	e.t.Helper()
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := e.router.FindRoute(vreq)
	if err != nil {
		if r.status != 404 { // a route the server does not have either
			e.t.Errorf("openapi: %s %s: %v", req.Method, req.URL.Path, err)
		}
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	// Bad input is sent on purpose by some tests; only well-formed requests
	// that the server accepted must match the description.
	if r.status < 400 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			e.t.Errorf("openapi request %s %s: %v", req.Method, req.URL.Path, short(err))
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	out.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		e.t.Errorf("openapi response %s %s → %d: %v\n%s", req.Method, req.URL.Path, r.status, short(err), trim(r.body))
	}
}

func short(err error) string {
	s := err.Error()
	if len(s) > 600 {
		s = s[:600] + "…"
	}
	return s
}

func trim(b []byte) string {
	s := string(b)
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return strings.ReplaceAll(s, "\n", " ")
}

// formFromJSON fills the pre-check form with a contract request, as the
// page's template upload fills it from a built request.
func formFromJSON(data []byte) (*web.Form, []string, error) {
	req, err := calc.DecodeRequest(data)
	if err != nil {
		return nil, nil, err
	}
	f, dropped := web.FormFromRequest(req)
	return f, dropped, nil
}
