package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// A statement that fails says which named query it was; a missing row
// still reads as sql.ErrNoRows.
func TestErrorsNameTheQuery(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(tx.q.InsertTaxpayer) // no arguments: the driver refuses
		return err
	})
	if err == nil || !strings.HasPrefix(err.Error(), "store: insert-taxpayer: ") {
		t.Errorf("got %v", err)
	}
	err = db.View(ctx, func(tx *Tx) error {
		var code string
		return tx.get(&code, "SELECT credit_code FROM taxpayers WHERE credit_code = 'none'")
	})
	if !errors.Is(err, sql.ErrNoRows) {
		t.Errorf("missing row: %v", err)
	}
}
