// Package api is the HTTP face of ecotax: the public tax calculator and
// the stored taxpayers, tax sources and declarations, on Echo v4. Every
// route is registered in routes.go; handlers are methods on Server, which
// holds its dependencies explicitly.
package api

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// Config holds the limits of the server; zero values take the defaults.
type Config struct {
	BodyLimit      int64         // JSON bodies, bytes (default 1 MiB)
	ImportLimit    int64         // XLSX uploads, bytes (default 10 MiB)
	RequestTimeout time.Duration // per request (default 15 s)
	RateLimit      rate.Limit    // public calculator, requests per second per client (default 10)
	RateBurst      int           // (default 20)
	TrustProxy     bool          // take the client address from X-Forwarded-For
	Version        string        // shown by /v1/meta
	SessionKey     []byte        // signs the web pages' session cookies; random per process when empty
	ExchangeKey    []byte        // HMAC key of exchange batches (ECOTAX_EXCHANGE_KEY); none: the exchange routes refuse

	// AccessLogSample is the share (0 to 1) of successful fast requests
	// written to the access log (default 1: all; LogNone: none). Errors
	// and requests slower than SlowRequest are always written.
	AccessLogSample float64
	SlowRequest     time.Duration // default 1 s
}

// LogNone as Config.AccessLogSample writes no successful fast request.
const LogNone = -1.0

func (c *Config) defaults() {
	if c.BodyLimit <= 0 {
		c.BodyLimit = 1 << 20
	}
	if c.ImportLimit <= 0 {
		c.ImportLimit = 10 << 20
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 15 * time.Second
	}
	if c.RateLimit == 0 {
		c.RateLimit = 10
	}
	if c.RateBurst <= 0 {
		c.RateBurst = 20
	}
	if c.AccessLogSample == 0 {
		c.AccessLogSample = 1
	}
	if c.SlowRequest <= 0 {
		c.SlowRequest = time.Second
	}
	if c.Version == "" {
		c.Version = "dev"
	}
}

// WithDefaults is c with its zero values replaced by the defaults New
// uses (for the caller's own timeouts around the server).
func (c Config) WithDefaults() Config {
	c.defaults()
	return c
}

// Deps are what the server needs from outside. The law tables are loaded
// by the caller (fixtures.Load*), so that a bad row stops the program at
// start with its file and line instead of failing requests later; New
// refuses a nil one.
type Deps struct {
	Store     *store.DB
	Engine    *calc.Engine
	Filing    *filing.Params         // deadlines and 滞纳金 (fixtures.LoadFiling)
	Fees      *fees.Catalog          // fee schedules (fixtures.LoadFees)
	Ecocomp   *ecocomp.Catalog       // eco-compensation schemes (fixtures.LoadEcocomp)
	Damage    *damage.Params         // damage parameter sets (fixtures.LoadDamage)
	Reconcile *reconcile.Params      // reconciliation thresholds (fixtures.LoadReconcile)
	Review    *exchange.ReviewParams // 复核 rules (fixtures.LoadExchange)
	Now       func() time.Time       // the clock; time.Now when nil
	Log       *slog.Logger           // slog.Default() when nil
	Registry  *prometheus.Registry   // a fresh registry when nil
	Config    Config
}

// Server serves the API.
type Server struct {
	store   *store.DB
	engine  *calc.Engine
	filing  *filing.Params
	now     func() time.Time
	log     *slog.Logger
	cfg     Config
	reg     *prometheus.Registry
	metrics *metrics
	limiter *clientLimiter
	recover echo.MiddlewareFunc // echo's Recover, configured (api/middleware.go)
	logged  atomic.Uint64       // successful fast requests seen, for the access log's sampling
	echo    *echo.Echo
	meta    []byte
	web     *webUI // the browser pages (api/web*.go)
	app     *app.Service

	fees      *fees.Catalog
	ecocomp   *ecocomp.Catalog
	damage    *damage.Params
	reconcile *reconcile.Params
	review    *exchange.ReviewParams
}

// New builds the server and its routes. It panics when a table of Deps is
// missing: that is a mistake of the caller, not of the data.
func New(d Deps) *Server {
	for name, missing := range map[string]bool{"Store": d.Store == nil, "Engine": d.Engine == nil, "Filing": d.Filing == nil,
		"Fees": d.Fees == nil, "Ecocomp": d.Ecocomp == nil, "Damage": d.Damage == nil, "Reconcile": d.Reconcile == nil, "Review": d.Review == nil} {
		if missing {
			panic("api.New: Deps." + name + " is nil")
		}
	}
	d.Config.defaults()
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	s := &Server{store: d.Store, engine: d.Engine, filing: d.Filing, now: d.Now, log: d.Log, cfg: d.Config, reg: d.Registry,
		fees: d.Fees, ecocomp: d.Ecocomp, damage: d.Damage, reconcile: d.Reconcile, review: d.Review}
	s.metrics = newMetrics(d.Registry, d.Store)
	svc, err := app.New(app.Deps{Store: d.Store, Now: d.Now, Observer: s.metrics, ExchangeKey: d.Config.ExchangeKey,
		Tables: &app.Tables{Engine: d.Engine, Filing: d.Filing, Fees: d.Fees, Ecocomp: d.Ecocomp, Damage: d.Damage, Reconcile: d.Reconcile, Review: d.Review}})
	if err != nil {
		panic(err)
	}
	s.app = svc
	s.limiter = newClientLimiter(d.Config.RateLimit, d.Config.RateBurst)
	s.recover = s.newRecover()
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = echo.ExtractIPDirect()
	if d.Config.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	s.echo = e
	s.meta = []byte(`{"service":"ecotax","api":"v1","version":"` + d.Config.Version + `"}`)
	ui, err := newWebUI(d.Engine, d.Config.SessionKey)
	if err != nil {
		panic(err) // the templates are embedded: a broken one is a build mistake, caught by the tests
	}
	s.web = ui
	s.routes(e)
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }
