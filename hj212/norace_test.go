//go:build !race

package hj212

const raceEnabled = false
