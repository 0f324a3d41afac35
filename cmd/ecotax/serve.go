package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// openStore opens the database named by DATABASE_URL (PostgreSQL) or,
// without it, the SQLite file ECOTAX_SQLITE_PATH (default ./ecotax.db),
// and applies the migrations.
func openStore(e *env) (*store.DB, error) {
	dsn := e.getenv("DATABASE_URL")
	if dsn == "" {
		dsn = e.getenv("ECOTAX_SQLITE_PATH")
		if dsn == "" {
			dsn = "ecotax.db"
		}
	}
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func newLogger(e *env) *slog.Logger {
	level := slog.LevelInfo
	switch e.getenv("ECOTAX_LOG_LEVEL") {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	return slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// serviceTables are the law tables the service computes with: the tax
// engine's and every other calculator's, the filing, reconciliation and
// review rules.
type serviceTables struct {
	engine    *calc.Engine
	filing    *filing.Params
	fees      *fees.Catalog
	ecocomp   *ecocomp.Catalog
	damage    *damage.Params
	reconcile *reconcile.Params
	review    *exchange.ReviewParams
}

// loadServiceTables reads every embedded table strictly. The first bad one
// stops it with an error naming the file and line.
func loadServiceTables() (*serviceTables, error) {
	t := &serviceTables{}
	var err error
	if t.engine, err = loadEngine(); err != nil {
		return nil, err
	}
	if t.filing, err = fixtures.LoadFiling(); err != nil {
		return nil, fmt.Errorf("filing tables: %w", err)
	}
	if t.fees, err = fixtures.LoadFees(); err != nil {
		return nil, fmt.Errorf("fee tables: %w", err)
	}
	if t.ecocomp, err = fixtures.LoadEcocomp(); err != nil {
		return nil, fmt.Errorf("eco-compensation tables: %w", err)
	}
	if t.damage, err = fixtures.LoadDamage(); err != nil {
		return nil, fmt.Errorf("damage tables: %w", err)
	}
	if t.reconcile, err = fixtures.LoadReconcile(); err != nil {
		return nil, fmt.Errorf("reconciliation tables: %w", err)
	}
	if t.review, err = fixtures.LoadExchange(); err != nil {
		return nil, fmt.Errorf("review tables: %w", err)
	}
	return t, nil
}

// deps hands the tables to api.New.
func (t *serviceTables) deps(db *store.DB, log *slog.Logger, cfg api.Config) api.Deps {
	return api.Deps{Store: db, Engine: t.engine, Filing: t.filing, Fees: t.fees, Ecocomp: t.ecocomp, Damage: t.damage,
		Reconcile: t.reconcile, Review: t.review, Now: time.Now, Log: log, Config: cfg}
}

// cmdServe runs the HTTP API until the environment's context ends
// (SIGINT/SIGTERM), then shuts down gracefully.
func cmdServe(e *env, args []string) int { return serve(e, args, loadServiceTables) }

// serve is cmdServe with the loading of the tables given, so that a test
// can start it on a broken table.
func serve(e *env, args []string, load func() (*serviceTables, error)) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	addr := fs.String("addr", "", "listen address HOST:PORT (default $ECOTAX_ADDR or :8080)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return exitInput
	}
	if *addr == "" {
		*addr = e.getenv("ECOTAX_ADDR")
	}
	if *addr == "" {
		*addr = ":8080"
	}
	log := newLogger(e)
	cfg, err := serveConfig(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax serve:", err)
		return exitInput
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
	srv := api.New(tables.deps(db, log, cfg))
	if err := keepFiguresFresh(e.ctx, db, tables, log); err != nil {
		log.Error("monitoring figures", "error", err)
		return exitInternal
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 15*time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
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

// serveConfig reads the limits from the environment.
func serveConfig(e *env) (api.Config, error) {
	var cfg api.Config
	if s := e.getenv("ECOTAX_RATE_LIMIT"); s != "" {
		if s == "inf" {
			cfg.RateLimit = rate.Inf
		} else {
			n, err := strconv.ParseFloat(s, 64)
			if err != nil || n <= 0 {
				return cfg, fmt.Errorf("ECOTAX_RATE_LIMIT=%q: want requests per second (> 0) or inf", s)
			}
			cfg.RateLimit = rate.Limit(n)
		}
	}
	if s := e.getenv("ECOTAX_RATE_BURST"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return cfg, fmt.Errorf("ECOTAX_RATE_BURST=%q: want a whole number > 0", s)
		}
		cfg.RateBurst = n
	}
	if s := e.getenv("ECOTAX_BODY_LIMIT"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return cfg, fmt.Errorf("ECOTAX_BODY_LIMIT=%q: want bytes > 0", s)
		}
		cfg.BodyLimit = n
	}
	if s := e.getenv("ECOTAX_REQUEST_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return cfg, fmt.Errorf("ECOTAX_REQUEST_TIMEOUT=%q: want a duration like 15s", s)
		}
		cfg.RequestTimeout = d
	}
	cfg.TrustProxy = e.getenv("ECOTAX_TRUST_PROXY") == "1"
	// The exchange key is optional for serving; a key that is set but too
	// short is a mistake to stop on (docs/exchange.md).
	if k := e.getenv("ECOTAX_EXCHANGE_KEY"); k != "" {
		if err := exchange.CheckKey([]byte(k)); err != nil {
			return cfg, fmt.Errorf("ECOTAX_EXCHANGE_KEY: %v", err)
		}
		cfg.ExchangeKey = []byte(k)
	}
	// The web pages' session cookies are signed with this key; without it
	// a random one is made at start (sessions then end on restart and are
	// not shared between servers). See docs/web.md.
	if k := e.getenv("ECOTAX_SESSION_KEY"); k != "" {
		if len(k) < 32 {
			return cfg, fmt.Errorf("ECOTAX_SESSION_KEY: want at least 32 characters")
		}
		cfg.SessionKey = []byte(k)
	}
	return cfg, nil
}
