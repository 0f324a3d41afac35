// Package app is the application layer of ecotax: every business
// operation — registering taxpayers and sources, declarations and their
// corrections, acceptance and payment, monitoring, reconciliation, 复核,
// penalties, the exchange, budgets and their inputs — lives here once.
//
// An operation takes a context, the principal (who asks) and domain
// values; it checks the principal's permission and what it may see, runs
// in one transaction through the store and returns domain values or a
// *calc.Error whose Kind the doors map to a status once. The doors — the
// JSON API (api/), the pages (web/) and the CLI (cmd/ecotax) — only
// decode, call an operation and encode; the store (store/) only maps
// rows; the rules themselves live in the vocabulary packages (calc/,
// filing/, monitor/, reconcile/, exchange/, budget/), which know nothing
// of transactions.
package app

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/damage"
	"github.com/ecotax/ecotax/calc/ecocomp"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/monitor"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// Tables are the law tables the operations compute with: the tax
// engine's and every other calculator's, the filing, reconciliation and
// review rules. They are loaded once at start (LoadTables), so that a bad
// row stops the program with its file and line instead of failing a
// request later.
type Tables struct {
	Engine    *calc.Engine
	Filing    *filing.Params         // deadlines and 滞纳金
	Fees      *fees.Catalog          // fee schedules
	Ecocomp   *ecocomp.Catalog       // eco-compensation schemes
	Damage    *damage.Params         // damage parameter sets
	Reconcile *reconcile.Params      // reconciliation thresholds
	Review    *exchange.ReviewParams // 复核 rules
	Quality   *monitor.Rules         // data marks, valid days, substitution of missing data
}

// LoadTables reads every embedded table strictly. The first bad one stops
// it with an error naming the file and line.
func LoadTables() (*Tables, error) {
	t := &Tables{}
	tax, err := fixtures.Load()
	if err != nil {
		return nil, err
	}
	if t.Engine, err = calc.NewEngine(tax); err != nil {
		return nil, err
	}
	if t.Filing, err = fixtures.LoadFiling(); err != nil {
		return nil, fmt.Errorf("filing tables: %w", err)
	}
	if t.Fees, err = fixtures.LoadFees(); err != nil {
		return nil, fmt.Errorf("fee tables: %w", err)
	}
	if t.Ecocomp, err = fixtures.LoadEcocomp(); err != nil {
		return nil, fmt.Errorf("eco-compensation tables: %w", err)
	}
	if t.Damage, err = fixtures.LoadDamage(); err != nil {
		return nil, fmt.Errorf("damage tables: %w", err)
	}
	if t.Reconcile, err = fixtures.LoadReconcile(); err != nil {
		return nil, fmt.Errorf("reconciliation tables: %w", err)
	}
	if t.Review, err = fixtures.LoadExchange(); err != nil {
		return nil, fmt.Errorf("review tables: %w", err)
	}
	if t.Quality, err = fixtures.LoadQuality(); err != nil {
		return nil, fmt.Errorf("data-quality tables: %w", err)
	}
	return t, nil
}

func (t *Tables) check() error {
	for name, missing := range map[string]bool{"Engine": t.Engine == nil, "Filing": t.Filing == nil, "Fees": t.Fees == nil,
		"Ecocomp": t.Ecocomp == nil, "Damage": t.Damage == nil, "Reconcile": t.Reconcile == nil, "Review": t.Review == nil,
		"Quality": t.Quality == nil} {
		if missing {
			return fmt.Errorf("app: table %s is missing", name)
		}
	}
	return nil
}

// Observer hears what operators count (Prometheus in the HTTP door); a
// nil one hears nothing.
type Observer interface {
	// Assessed counts one assessment by where it came from
	// ("calculator", "declaration") and its outcome ("ok", "rejected").
	Assessed(origin, outcome string)
}

type nobody struct{}

func (nobody) Assessed(string, string) {}

// Deps are what the service needs from outside.
type Deps struct {
	Store       *store.DB
	Tables      *Tables
	Now         func() time.Time // the clock; time.Now when nil
	Observer    Observer
	ExchangeKey []byte // HMAC key of exchange batches; none: the exchange refuses
	// SplitWait is how long the parts of a split HJ 212 message are waited
	// for before the message is judged incomplete [10m].
	SplitWait time.Duration
}

// Service holds the operations.
type Service struct {
	store    *store.DB
	t        *Tables
	now      func() time.Time
	observer Observer
	xkey     []byte
	split    time.Duration
	keyGen   atomic.Int64 // bumped by SetDeviceKey: cached device keys are read again
	jobsOnce sync.Once
	jobs     *jobs
}

// New builds the service; a missing store or table is the caller's
// mistake and an error.
func New(d Deps) (*Service, error) {
	if d.Store == nil {
		return nil, fmt.Errorf("app: no store")
	}
	if d.Tables == nil {
		return nil, fmt.Errorf("app: no tables")
	}
	if err := d.Tables.check(); err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Observer == nil {
		d.Observer = nobody{}
	}
	if d.SplitWait <= 0 {
		d.SplitWait = DefaultSplitWait
	}
	return &Service{store: d.Store, t: d.Tables, now: d.Now, observer: d.Observer, xkey: d.ExchangeKey, split: d.SplitWait}, nil
}

// Tables are the law tables the service was built with (read-only).
func (s *Service) Tables() *Tables { return s.t }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Ready answers nil when the database answers within ctx.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return &calc.Error{Kind: KindUnavailable, Code: "database_unavailable", Title: "数据库不可用", Detail: "the database does not answer"}
	}
	return nil
}
