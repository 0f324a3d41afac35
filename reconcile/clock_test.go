package reconcile_test

import "time"

// nowNanos is the benchmarks' stopwatch (tests may read the clock; the
// package may not).
func nowNanos() int64 { return time.Now().UnixNano() }
