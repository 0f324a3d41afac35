package store

// SliceQueries are a slice's load queries with their arguments, for the
// plans TestReconcileExplain prints.
func (tx *Tx) SliceQueries(sc Scope) map[string][]any {
	start, end := sc.Period.Start(), sc.Period.End()
	months := sc.Period.Months()
	from, to := months[0], months[len(months)-1]
	who := sc.who()
	q := map[string][]any{
		tx.q.RcTaxpayers:    who,
		tx.q.RcDeclarations: append(sc.whoRows(), sc.Period.Text, lastYear(sc.Period)),
		tx.q.RcDevices:      append(sc.whoRows(), end.String(), start.String()),
		tx.q.RcSources:      sc.whoRows(),
		tx.q.RcFigures:      append(sc.whoRows(), sc.Period.Text),
		tx.q.RcEmissions:    append(sc.whoRows(), lastYear(sc.Period)),
		tx.q.RcMonthly:      append(sc.whoRows(), from, to),
		tx.q.RcOutputs:      append(sc.whoRows(), from, to),
	}
	return q
}

// QueryName names a query by its text.
func (tx *Tx) QueryName(sql string) string { return tx.q.nameOf[sql] }

// Exec runs a statement in the transaction (tests).
func (tx *Tx) Exec(sql string, args ...any) error {
	_, err := tx.exec(sql, args...)
	return err
}

// QueryText runs a query returning one text column per row (tests).
func (tx *Tx) QueryText(sql string, args ...any) ([]string, error) {
	var out []string
	err := tx.sel(&out, sql, args...)
	return out, err
}
