package app

import "github.com/ecotax/ecotax/store"

// The records and filters of the operations that the store happens to
// define: the doors name them through this package, so that neither the
// JSON API nor the pages import the store.
type (
	AuditFilter  = store.AuditFilter
	PacketFilter = store.PacketFilter
	SplitFilter  = store.SplitFilter
	SplitSet     = store.SplitSet
	RunFilter    = store.RunFilter
	ResultFilter = store.ResultFilter
	FlagFilter   = store.FlagFilter
	Run          = store.Run
	Flag         = store.StoredFlag
	Result       = store.StoredResult
	Item         = store.StoredItem
	Incoming     = store.Incoming
	DamageCase   = store.BudgetDamageCase
	Settlement   = store.BudgetEcoSettlement
	FeeBill      = store.BudgetFeeBill
	Batch        = store.XBatch
)
