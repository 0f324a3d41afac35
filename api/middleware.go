package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

const keyPrincipal = "principal"

// recoverer is the outermost middleware (echo's Recover): a panic anywhere
// below, in a handler or another middleware, is logged once with its
// stack and the request ID, answered as an internal error (500, the
// problem body with the request ID), and still counted in the metrics and
// written to the access log, which observe (inside it) could not do
// because the panic went through it.
func (s *Server) recoverer(next echo.HandlerFunc) echo.HandlerFunc {
	rec := s.recover(next)
	return func(c echo.Context) error {
		start := time.Now()
		err := rec(c)
		// A panic went through observe, which therefore recorded nothing.
		if p, _ := c.Get(keyPanicked).(bool); p {
			s.record(c, start, true)
		}
		return err
	}
}

// newRecover is echo's Recover as the server configures it. Echo chains
// the middleware of e.Use on every request, so it is built once (New).
func (s *Server) newRecover() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		StackSize:       16 << 10,
		DisableStackAll: true, // this goroutine's stack; the others say nothing about the request
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			c.Set(keyPanicked, true)
			s.log.LogAttrs(c.Request().Context(), slog.LevelError, "panic",
				slog.String("request_id", httpx.RequestID(c)),
				slog.String("req", c.Request().Method+" "+c.Request().URL.Path),
				slog.String("error", err.Error()),
				slog.String("stack", string(stack)))
			return fmt.Errorf("panic: %w", err)
		},
	})
}

// keyPanicked marks a request whose handler panicked.
const keyPanicked = "request_panicked"

// withRequestID keeps a caller's X-Request-ID when it is sane, or makes
// one (echo's RequestID; an insane one is dropped first, so echo makes a
// new one).
func (s *Server) withRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	h := echoRequestID(next)
	return func(c echo.Context) error {
		if id := c.Request().Header.Get(echo.HeaderXRequestID); id != "" && !saneID(id) {
			c.Request().Header.Del(echo.HeaderXRequestID)
		}
		return h(c)
	}
}

// echoRequestID is echo's RequestID, built once (echo chains the
// middleware on every request).
var echoRequestID = middleware.RequestIDWithConfig(middleware.RequestIDConfig{
	Generator: func() string {
		var b [8]byte
		rand.Read(b[:])
		return hex.EncodeToString(b[:])
	},
	RequestIDHandler: func(c echo.Context, id string) { c.Set(httpx.KeyRequestID, id) },
})

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

// observe renders errors itself (so the status is known), then records
// the request's metrics and access line.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		s.record(c, start, false)
		return nil
	}
}

// record counts a finished request in the metrics and writes its access
// line: one compact line — the request ID, "METHOD path", the route when
// the path has parameters, status, bytes, milliseconds, client. Errors
// (status ≥ 400, and panics) and slow requests (Config.SlowRequest) are
// always written; successful fast ones only at the share
// Config.AccessLogSample.
func (s *Server) record(c echo.Context, start time.Time, panicked bool) {
	d := time.Since(start)
	req := c.Request()
	route := c.Path()
	if route == "" {
		route = "unmatched"
	}
	status := c.Response().Status
	s.metrics.observe(req.Method, route, status, d)
	level := slog.LevelInfo
	switch {
	case status >= 500 || panicked:
		level = slog.LevelError
	case d >= s.cfg.SlowRequest:
		level = slog.LevelWarn
	case status >= 400:
	default:
		if !s.sampled() {
			return
		}
	}
	attrs := make([]slog.Attr, 0, 8)
	attrs = append(attrs, slog.String("request_id", httpx.RequestID(c)), slog.String("req", req.Method+" "+req.URL.Path))
	if route != req.URL.Path {
		attrs = append(attrs, slog.String("route", route))
	}
	attrs = append(attrs,
		slog.Int("status", status),
		slog.Int64("bytes", c.Response().Size),
		slog.Float64("ms", float64(d.Microseconds())/1000),
		slog.String("client", c.RealIP()))
	if panicked {
		attrs = append(attrs, slog.Bool("panic", true))
	}
	s.log.LogAttrs(req.Context(), level, "request", attrs...)
}

// sampled says whether this successful fast request is written: exactly
// one in 1/AccessLogSample of them, spread evenly (no randomness, so a
// test and an operator can count on it).
func (s *Server) sampled() bool {
	p := s.cfg.AccessLogSample
	if p >= 1 {
		return true
	}
	if p <= 0 {
		return false
	}
	n := s.logged.Add(1)
	return math.Floor(float64(n)*p) > math.Floor(float64(n-1)*p)
}

// timeout bounds every request's context; the store's queries honour it.
func (s *Server) timeout(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// auth requires a live bearer token and puts its principal in the
// request's context values.
func (s *Server) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || !strings.HasPrefix(secret, filing.TokenPrefix) || len(secret) > 200 {
			return apiError(app.KindUnauthorized, "unauthorized", "未认证", "send Authorization: Bearer <token> (made by `ecotax token create`)")
		}
		var tok *filing.Token
		err := s.store.View(c.Request().Context(), func(tx *store.Tx) error {
			var err error
			tok, err = tx.TokenByHash(filing.HashToken(secret))
			return err
		})
		if err != nil {
			return err
		}
		c.Set(keyPrincipal, tok.Principal())
		return next(c)
	}
}

func who(c echo.Context) filing.Principal {
	p, _ := c.Get(keyPrincipal).(filing.Principal)
	return p
}

// rateLimited applies the per-client limit of the public calculator
// (echo's rate limiter on its memory store, which forgets a client idle
// for ten minutes).
func (s *Server) rateLimited(next echo.HandlerFunc) echo.HandlerFunc {
	return s.limiter.mw(next)
}

// clientLimiter is one token bucket per key (the client address, or
// "signin " + address for the sign-in form) in echo's memory store.
type clientLimiter struct {
	store *middleware.RateLimiterMemoryStore
	mw    echo.MiddlewareFunc
}

func newClientLimiter(l rate.Limit, burst int) *clientLimiter {
	st := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{Rate: l, Burst: burst, ExpiresIn: 10 * time.Minute})
	return &clientLimiter{store: st, mw: middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store:               st,
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", "1")
			return apiError(app.KindTooMany, "rate_limited", "请求过于频繁", "too many requests from this client; retry later")
		},
	})}
}

// allow takes a token of key's bucket (the pages' forms use it directly).
func (l *clientLimiter) allow(key string) bool {
	ok, _ := l.store.Allow(key) // the memory store never fails
	return ok
}

// ifMatch reads the version a write was based on, from If-Match ("3" or
// W/"3") or from the body's version field; neither is 428.
func ifMatch(c echo.Context, bodyVersion int) (int, error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h != "" {
		h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
		v, err := strconv.Atoi(h)
		if err != nil || v <= 0 {
			return 0, apiError(calc.KindInvalid, "invalid_if_match", "If-Match 无效", "If-Match must be the version, e.g. \"3\"",
				calc.FieldError{Path: "If-Match", Code: "invalid_value", Message: "want the ETag of the resource, a version number"})
		}
		if bodyVersion != 0 && bodyVersion != v {
			return 0, apiError(calc.KindInvalid, "version_mismatch", "版本不一致", "If-Match and the body's version differ",
				calc.FieldError{Path: "version", Code: "version_mismatch", Message: "differs from If-Match"})
		}
		return v, nil
	}
	if bodyVersion > 0 {
		return bodyVersion, nil
	}
	return 0, apiError(httpx.KindPrecondition, "version_required", "缺少版本号", "send If-Match with the resource's ETag (or a version field) so a stale write is refused",
		calc.FieldError{Path: "version", Code: "required", Message: "If-Match header or version field required"})
}

func setETag(c echo.Context, version int) {
	c.Response().Header().Set("ETag", `"`+strconv.Itoa(version)+`"`)
}
