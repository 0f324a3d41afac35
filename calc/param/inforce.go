package param

import "fmt"

// Keyed is a row of a table of dated parameters: a key and the range it is
// valid over (Contains, from the Meta it embeds).
type Keyed interface {
	ParamKey() string
	Contains(d Date) bool
}

// InForce finds the row for key in force on day d. The fixtures loaders
// refuse overlapping ranges for one key, so there is at most one; none is
// an error naming table (e.g. "filing parameter"), key and day.
func InForce[R Keyed](rows []R, table, key string, d Date) (R, error) {
	for _, r := range rows {
		if r.ParamKey() == key && r.Contains(d) {
			return r, nil
		}
	}
	var none R
	return none, fmt.Errorf("no %s %s in force on %s", table, key, d)
}
