package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/web/pages"
)

// openStore opens the database named by DATABASE_URL (PostgreSQL) or,
// without it, the SQLite file ECOTAX_SQLITE_PATH (default ./ecotax.db),
// and applies the migrations.
func openStore(e *env) (*store.DB, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(e.ctx, openTimeout)
	defer cancel()
	// Opened beside the wait: a database that accepts connections and
	// never answers must not keep the command from giving up at the
	// timeout or on SIGTERM (the driver's reads have deadlines of their
	// own, store/pgconn.go, but longer ones).
	type opened struct {
		db  *store.DB
		err error
	}
	done := make(chan opened, 1)
	go func() {
		db, err := store.OpenWith(ctx, cfg.dsn(), cfg.Store)
		if err == nil {
			if err = db.Migrate(ctx); err != nil {
				db.Close()
				db = nil
			}
		}
		done <- opened{db, err}
	}()
	select {
	case o := <-done:
		return o.db, o.err
	case <-ctx.Done():
		go func() { // close what opens late
			if o := <-done; o.db != nil {
				o.db.Close()
			}
		}()
		return nil, fmt.Errorf("the database did not answer within %s or the command was stopped: %w", openTimeout, ctx.Err())
	}
}

// openTimeout bounds opening and migrating the database.
var openTimeout = 30 * time.Second

// newLogger writes JSON lines on stderr at ECOTAX_LOG_LEVEL.
func newLogger(e *env) *slog.Logger {
	level := slog.LevelInfo
	if cfg, err := e.config(); err == nil {
		level = cfg.LogLevel
	}
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// httpServer wraps the handler with the connection's timeouts: the
// write timeout leaves 15 s past the request's own deadline.
func httpServer(h http.Handler, cfg api.Config, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.WithDefaults().RequestTimeout + 15*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serverConfig is what ecotax serve is set up with from the environment
// (cmd/ecotax/config.go): the API's limits and access log, and the pages'
// sessions. The pages share the API's body and rate limits.
type serverConfig struct {
	API   api.Config
	Pages pages.Config
}

// setLogSample takes ECOTAX_ACCESS_LOG_SAMPLE: 0 writes no successful
// fast request.
func (s *serverConfig) setLogSample(f float64) {
	s.API.AccessLogSample = f
	if f == 0 {
		s.API.AccessLogSample = api.LogNone
	}
}

// newServer wires the application layer, the pages and the API over one
// database: the only place the HTTP server is built.
func newServer(db *store.DB, tables *app.Tables, log *slog.Logger, sc serverConfig, exchangeKey []byte) (*api.Server, *app.Service, error) {
	cfg := sc.API.WithDefaults()
	var pools []api.Pool
	for name, p := range db.Pools() {
		pools = append(pools, api.Pool{Name: name, DB: p})
	}
	metrics := api.NewMetrics(nil, pools...)
	svc, err := app.New(app.Deps{Store: db, Tables: tables, Now: time.Now, Observer: metrics, ExchangeKey: exchangeKey})
	if err != nil {
		return nil, nil, err
	}
	limiter := api.NewLimiter(cfg.RateLimit, cfg.RateBurst)
	pc := sc.Pages
	pc.BodyLimit, pc.ImportLimit, pc.RateLimit, pc.RateBurst = cfg.BodyLimit, cfg.ImportLimit, cfg.RateLimit, cfg.RateBurst
	pg, err := pages.New(pages.Deps{App: svc, Log: log, Limiter: limiter, Config: pc})
	if err != nil {
		return nil, nil, err
	}
	return api.New(api.Deps{App: svc, Metrics: metrics, Pages: pg, Limiter: limiter, Log: log, Config: cfg}), svc, nil
}

// cmdServe runs the HTTP API until the environment's context ends
// (SIGINT/SIGTERM), then shuts down gracefully.
func cmdServe(e *env, args []string) int { return serve(e, args, app.LoadTables) }

// serve is cmdServe with the loading of the tables given, so that a test
// can start it on a broken table.
func serve(e *env, args []string, load func() (*app.Tables, error)) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", "", "listen address HOST:PORT (default $ECOTAX_ADDR or :8080)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitInput
	}
	conf, err := e.config()
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax serve:", err)
		return exitInput
	}
	if *addr == "" {
		*addr = conf.Addr
	}
	log := newLogger(e)
	cfg := conf.Server.API
	// The collector's target for a server (api.GCPercent), unless the
	// operator chose one; restored when serve returns (tests run it in
	// their own process).
	if e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(api.GCPercent))
	}
	// Every table is read before the database is opened: a bad row stops
	// the start with its file and line, never a request later.
	tables, err := load()
	if err != nil {
		log.Error("parameter tables", "error", err)
		return exitInternal
	}
	db, err := openStore(e)
	if err != nil {
		log.Error("database", "error", err)
		return exitInternal
	}
	defer db.Close()
	srv, svc, err := newServer(db, tables, log, conf.Server, conf.ExchangeKey)
	if err != nil {
		log.Error("server", "error", err)
		return exitInternal
	}
	// Monitoring figures are derived data, kept fresh in the background
	// (500 device-months a minute at most) so that no read has to.
	go svc.KeepFiguresFresh(e.ctx, time.Minute, 500, func(err error) { log.Error("monitoring figures", "error", err) })
	// Raw real-time and minute data past ECOTAX_RAW_RETENTION_MONTHS are
	// dropped at start and every 6 hours, each run within 10 minutes (on
	// PostgreSQL a run drops whole partitions: quick; on SQLite it deletes
	// rows), in the name of the operator (the audit log says admin#0).
	if conf.RawRetention > 0 {
		go svc.KeepRawRetention(e.ctx, cliPrincipal, conf.RawRetention, 6*time.Hour, 10*time.Minute, func(err error) { log.Error("raw data retention", "error", err) })
	}
	hs := httpServer(srv, cfg, log)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("listen", "addr", *addr, "error", err)
		return exitInternal
	}
	log.Info("listening", "addr", ln.Addr().String(), "database", db.Dialect())
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		log.Error("server stopped", "error", err)
		return exitInternal
	case <-e.ctx.Done():
	}
	log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		log.Error("shutdown", "error", err)
		return exitInternal
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("server", "error", err)
		return exitInternal
	}
	log.Info("stopped")
	return exitOK
}
