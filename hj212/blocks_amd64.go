package hj212

// scanBlocks is blockMasks for n 64-byte blocks at c, in AVX2
// (blocks_amd64.s); only called when haveBlocks.
//
//go:noescape
func scanBlocks(c *byte, n int, m *blockMask) uint64

func hasAVX2() bool

var haveBlocks = hasAVX2()
