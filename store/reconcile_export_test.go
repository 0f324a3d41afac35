package store

import (
	"context"

	"github.com/ecotax/ecotax/reconcile"
)

// ParallelInputs exposes DB.reconcileInputs to the tests of package
// store_test.
func (db *DB) ParallelInputs(ctx context.Context, sc Scope) ([]*reconcile.Input, error) {
	return db.reconcileInputs(ctx, sc)
}
