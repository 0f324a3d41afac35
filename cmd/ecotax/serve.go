package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

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
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	db, err := store.OpenWith(ctx, cfg.dsn(), cfg.Store)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

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
	conf, err := e.config()
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax serve:", err)
		return exitInput
	}
	if *addr == "" {
		*addr = conf.Addr
	}
	log := newLogger(e)
	cfg := conf.API
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
