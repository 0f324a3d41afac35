// Package api is the HTTP face of ecotax: the public tax calculator and
// the stored taxpayers, tax sources and declarations, on Echo v4. Every
// route is registered in routes.go; handlers are methods on Server, which
// holds its dependencies explicitly.
package api

import (
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/internal/httpx"
)

// Config holds the limits of the server; zero values take the defaults.
type Config struct {
	BodyLimit      int64          // JSON bodies, bytes (default 1 MiB)
	ImportLimit    int64          // XLSX uploads, bytes (default 10 MiB)
	RequestTimeout time.Duration  // per request (default 15 s)
	ReadyTimeout   time.Duration  // /readyz's wait for the database (default 2 s)
	RateLimit      rate.Limit     // public calculator, requests per second per client (default 10)
	RateBurst      int            // (default 20)
	TrustProxy     bool           // take the client address from X-Forwarded-For
	TrustedProxies []netip.Prefix // the proxies whose X-Forwarded-For hops count (none: httpx.DefaultTrustedProxies)
	Version        string         // shown by /v1/meta

	// AccessLogSample is the share (0 to 1) of successful fast requests
	// written to the access log (default 1: all; LogNone: none). Errors
	// and requests slower than SlowRequest are always written.
	AccessLogSample float64
	SlowRequest     time.Duration // default 1 s
}

// LogNone as Config.AccessLogSample writes no successful fast request.
const LogNone = -1.0

// GCPercent is the collector's target `ecotax serve` sets when Go's own
// GOGC is not in its environment (cmd/ecotax/serve.go): the heap may grow
// to five times the live data between collections instead of twice (for
// serve ≈ 8 MB live, ≈ 40 MB between collections). Nearly all of a
// calculator request's garbage is the engine's (≈ 95 % of the server's
// bytes for the Chongqing quarter); with Go's default the collector ran
// every ≈ 30 ms under load and a quarter of the quarter's requests met a
// marking phase. docs/service.md ("Speed") has the figures. GOMEMLIMIT
// bounds the heap where memory is scarce (README).
const GCPercent = 400

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
	if c.ReadyTimeout <= 0 {
		c.ReadyTimeout = 2 * time.Second
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

// Mounter is a door served beside the API on the same server (the pages,
// web/pages): it adds its routes to e.
type Mounter interface {
	Register(e *echo.Echo)
}

// Deps are what the server needs from outside.
type Deps struct {
	App     *app.Service // every operation; the law tables were loaded by the caller (app.LoadTables)
	Metrics *Metrics     // NewMetrics; also the application layer's observer
	Pages   Mounter      // nil: the API alone
	// Limiter is the per-client rate limit of the public calculator,
	// shared with the pages; nil: one of its own from Config.
	Limiter middleware.RateLimiterStore
	Log     *slog.Logger // slog.Default() when nil
	Config  Config
}

// Server serves the API.
type Server struct {
	app     *app.Service
	log     *slog.Logger
	cfg     Config
	metrics *Metrics
	limiter *clientLimiter
	recover echo.MiddlewareFunc // echo's Recover, configured (api/middleware.go)
	logged  atomic.Uint64       // successful fast requests seen, for the access log's sampling
	echo    *echo.Echo
	meta    []byte
}

// New builds the server and its routes. A missing application layer or
// metrics is the caller's mistake: it panics.
func New(d Deps) *Server {
	if d.App == nil || d.Metrics == nil {
		panic("api.New: Deps.App and Deps.Metrics are required")
	}
	d.Config.defaults()
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Server{app: d.App, log: d.Log, cfg: d.Config, metrics: d.Metrics}
	s.limiter = newClientLimiter(d.Limiter, d.Config.RateLimit, d.Config.RateBurst)
	s.recover = s.newRecover()
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = echo.ExtractIPDirect()
	if d.Config.TrustProxy {
		trusted := d.Config.TrustedProxies
		if len(trusted) == 0 {
			trusted = httpx.DefaultTrustedProxies
		}
		e.IPExtractor = httpx.ClientIP(trusted)
	}
	s.echo = e
	s.meta = []byte(`{"service":"ecotax","api":"v1","version":"` + d.Config.Version + `"}`)
	s.routes(e)
	if d.Pages != nil {
		d.Pages.Register(e)
	}
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }
