//go:build !amd64

package hj212

func scanBlocks(c *byte, n int, m *blockMask) uint64 { panic("no scanBlocks") }

const haveBlocks = false
