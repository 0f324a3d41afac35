//go:build race

package hj212

// raceEnabled: the race detector allocates behind the code's back, so
// allocation counts mean nothing under it.
const raceEnabled = true
