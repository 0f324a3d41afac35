package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// BenchmarkSQLiteCommit commits one small write transaction (a taxpayer
// row and its audit-free insert) per iteration under each synchronous
// setting: the price of durability against power loss (full fsyncs the
// WAL at every commit; normal only at checkpoints). The file lives in
// ECOTAX_BENCH_DIR when set (a real disk: /tmp may be memory), else in
// the test's temporary directory. Figures in docs/service.md.
func BenchmarkSQLiteCommit(b *testing.B) {
	for _, mode := range store.SQLiteSynchronousModes {
		b.Run(mode, func(b *testing.B) {
			dir := os.Getenv("ECOTAX_BENCH_DIR")
			if dir == "" {
				dir = b.TempDir()
			} else {
				var err error
				if dir, err = os.MkdirTemp(dir, "ecotax-bench-"); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { os.RemoveAll(dir) })
			}
			db, err := store.OpenWith(ctx, filepath.Join(dir, "ecotax.db"), store.Options{SQLiteSynchronous: mode})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(ctx); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				err := db.InTx(ctx, func(tx *store.Tx) error {
					return tx.InsertTaxpayer(&filing.Taxpayer{CreditCode: fmt.Sprintf("9150000%011d", i), Name: "基准", Region: "500103", Industry: "化工"})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
