package hj212

import (
	"runtime"
	"slices"
	"testing"
	"unsafe"
)

// The allocator's size classes the blocks are cut to are Go's own, as
// far as runtime.MemStats.BySize lists them.
func TestSizeClasses(t *testing.T) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var sizes []uintptr
	for _, c := range ms.BySize {
		sizes = append(sizes, uintptr(c.Size))
	}
	last := sizes[len(sizes)-1]
	for _, c := range sizeClasses {
		if c <= last && !slices.Contains(sizes, c) {
			t.Errorf("%d is not a size class (runtime: %v)", c, sizes)
		}
	}
	for _, c := range sizes {
		if c >= sizeClasses[0] && c <= sizeClasses[len(sizeClasses)-1] && !slices.Contains(sizeClasses[:], c) {
			t.Errorf("size class %d is missing", c)
		}
	}
	for n := uintptr(1); n <= 40000; n++ {
		size := blockSize(n)
		alloc := size
		if size > 512 && size < 32768 {
			alloc += mallocHeader
		}
		i := slices.Index(sizeClasses[:], alloc)
		switch {
		case size < n:
			t.Fatalf("%d bytes: size %d", n, size)
		case alloc > 32768:
			if size%8192 != 0 || size-n >= 8192 {
				t.Fatalf("%d bytes: size %d", n, size)
			}
		case i < 0:
			t.Fatalf("%d bytes: size %d, %d allocated, not a size class", n, size, alloc)
		case i > 0 && sizeClasses[i-1]-(alloc-size) >= n:
			t.Fatalf("%d bytes: size %d, but class %d would do", n, size, sizeClasses[i-1])
		}
	}
}

// Shapes gets blocks that hold them, with the lengths and capacities
// asked for, whose types fill their size classes, and whose parts do not
// overlap. (Not every shape: each makes a type, and the cache is bounded.)
func TestBlockShapes(t *testing.T) {
	if s := unsafe.Sizeof(Value{}); s != 16 {
		t.Errorf("Value is %d bytes", s)
	}
	for nh := 0; nh <= blockMaxFields; nh++ {
		for _, np := range []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 23, 31, 47, 63, 64, 100, blockMaxPairs} {
			for _, ni := range []int{0, blockMaxIssues} {
				for _, nb := range []int{0, 3000} {
					p, issues, text := newBlock(nh, np, ni, nb)
					if p == nil {
						t.Fatalf("%d fields, %d pairs, %d issues, %d bytes: no block", nh, np, ni, nb)
					}
					if len(p.Header) != nh || cap(p.Header) != nh || len(p.CP) != np || cap(p.CP) != np || p.Header == nil || p.CP == nil ||
						len(issues) != ni || cap(issues) != ni || len(text) != nb || cap(text) != nb || (ni == 0) != (issues == nil) || (nb == 0) != (text == nil) {
						t.Fatalf("%d fields, %d pairs, %d issues, %d bytes: got %d/%d, %d/%d, %d/%d, %d/%d", nh, np, ni, nb,
							len(p.Header), cap(p.Header), len(p.CP), cap(p.CP), len(issues), cap(issues), len(text), cap(text))
					}
					for i := range text {
						text[i] = 0xFF
					}
					for i := range issues {
						issues[i] = Issue{Code: "x", At: -1, Message: "y"}
					}
					p.Header = append(p.Header, Field{Key: "x"})
					p.CP = append(p.CP, Pair{Key: "x"})
					for i := range p.CP[:np] {
						if p.CP[i].Key != "" || p.CP[i].Num != (Value{}) {
							t.Fatalf("%d fields, %d pairs: the pairs were written into", nh, np)
						}
					}
					if p.Raw != "" || p.Reason != "" {
						t.Fatalf("%d fields, %d pairs: the packet was written into", nh, np)
					}
				}
			}
		}
	}
	for h := range blockKinds {
		for i := range blockKinds[h] {
			kinds := blockKinds[h][i].Load()
			if kinds == nil {
				continue
			}
			for _, b := range *kinds {
				if b.typ.Size() != b.size {
					t.Errorf("%v: %d bytes, want %d", b.typ, b.typ.Size(), b.size)
				}
			}
		}
	}
	// Beyond the array and the small objects.
	for _, c := range [][4]int{{blockMaxFields + 1, 1, 0, 0}, {2, blockMaxPairs + 1, 20, 100}, {1, 1, 0, 40000}} {
		p, issues, text := newBlock(c[0], c[1], c[2], c[3])
		if p == nil || len(p.Header) != c[0] || len(p.CP) != c[1] || len(issues) != c[2] || len(text) != c[3] {
			t.Errorf("%v: no block of that shape", c)
		}
	}
}

// The issues of the findings about values get blocks of the lengths
// asked for, whose types fill their size classes.
func TestIssueBlocks(t *testing.T) {
	for _, ni := range []int{1, 2, 3, 7, blockMaxIssues, blockMaxIssues + 1, 40} {
		for _, nb := range []int{0, 1, 70, 600, 5000} {
			issues, text := newIssues(ni, nb)
			if len(issues) != ni || cap(issues) != ni || len(text) != nb || cap(text) != nb {
				t.Fatalf("%d issues, %d bytes: got %d/%d, %d/%d", ni, nb, len(issues), cap(issues), len(text), cap(text))
			}
			for i := range text {
				text[i] = 0xFF
			}
			for i := range issues {
				if issues[i] != (Issue{}) {
					t.Fatalf("%d issues, %d bytes: issue %d not zero", ni, nb, i)
				}
			}
		}
	}
	for i := range issueKinds {
		if l := issueKinds[i].Load(); l != nil {
			for _, k := range *l {
				if k.typ.Size() != k.size {
					t.Errorf("%v: %d bytes, want %d", k.typ, k.typ.Size(), k.size)
				}
			}
		}
	}
}
