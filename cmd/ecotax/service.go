package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/store"
)

// keepFiguresFresh starts the server's bounded background job that
// recomputes out-of-date monthly monitoring figures (500 device-months a
// minute at most), so that no read has to.
func keepFiguresFresh(ctx context.Context, db *store.DB, t *serviceTables, log *slog.Logger) error {
	svc, err := app.New(app.Deps{Store: db, Tables: &app.Tables{Engine: t.engine, Filing: t.filing, Fees: t.fees, Ecocomp: t.ecocomp,
		Damage: t.damage, Reconcile: t.reconcile, Review: t.review}})
	if err != nil {
		return err
	}
	go svc.KeepFiguresFresh(ctx, time.Minute, 500, func(err error) { log.Error("monitoring figures", "error", err) })
	return nil
}

// exitFor is the exit status of an operation's error: the caller's
// mistake (invalid, not found) is exitInput, anything else exitInternal.
func exitFor(err error) int {
	var ce *calc.Error
	if errors.As(err, &ce) && (ce.Kind == calc.KindInvalid || ce.Kind == calc.KindNotFound) {
		return exitInput
	}
	return exitInternal
}
