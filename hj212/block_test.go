package hj212

import (
	"testing"
	"unsafe"
)

// Go's malloc size classes (runtime/sizeclasses.go) from 512 bytes to
// 8 KB: a block should end just below one of them.
var sizeClasses = []uintptr{512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192}

// The sizes behind blockSizes: if a field is added to Packet or Pair,
// the pair counts must be computed again.
func TestBlockSizes(t *testing.T) {
	if s := unsafe.Sizeof(Value{}); s != 16 {
		t.Errorf("Value is %d bytes", s)
	}
	pkt, field, pair := unsafe.Sizeof(Packet{}), unsafe.Sizeof(Field{}), unsafe.Sizeof(Pair{})
	if pkt != 368 || field != 32 || pair != 88 {
		t.Fatalf("Packet %d, Field %d, Pair %d bytes: recompute blockSizes", pkt, field, pair)
	}
	for _, b := range blockSizes {
		if len(b.pairs) != len(b.alloc) || b.pairs[len(b.pairs)-1] < 64 {
			t.Fatalf("%d fields: %v", b.fields, b.pairs)
		}
		for i, n := range b.pairs {
			size := pkt + uintptr(b.fields)*field + uintptr(n)*pair
			class := uintptr(0)
			for _, c := range sizeClasses {
				if c >= size {
					class = c
					break
				}
			}
			if size+pair <= class {
				t.Errorf("%d fields, %d pairs: %d bytes, class %d has room for another pair", b.fields, n, size, class)
			}
			p := b.alloc[i](b.fields, n)
			if len(p.Header) != b.fields || cap(p.Header) != b.fields || len(p.CP) != n || cap(p.CP) != n {
				t.Errorf("%d fields, %d pairs: allocator gives %d/%d fields, %d/%d pairs", b.fields, n, len(p.Header), cap(p.Header), len(p.CP), cap(p.CP))
			}
			if i > 0 && b.pairs[i-1] >= n {
				t.Errorf("%d fields: pair counts not increasing: %v", b.fields, b.pairs)
			}
		}
	}
	// Every shape within the limits gets a block that holds it, with
	// the lengths and capacities asked for, and the header and the
	// pairs do not overlap.
	var f Frame
	for nh := 0; nh <= 8; nh++ {
		for np := 0; np <= 64; np++ {
			f.Header, f.CP = make([]RawPair, nh), make([]RawPair, np)
			p := f.alloc()
			if len(p.Header) != nh || cap(p.Header) != nh || len(p.CP) != np || cap(p.CP) != np || p.Header == nil || p.CP == nil {
				t.Fatalf("%d fields, %d pairs: got %d/%d, %d/%d", nh, np, len(p.Header), cap(p.Header), len(p.CP), cap(p.CP))
			}
			p.Header = append(p.Header, Field{Key: "x"})
			for i := range p.CP {
				if p.CP[i].Key != "" {
					t.Fatalf("%d fields, %d pairs: appending a field wrote into the pairs", nh, np)
				}
			}
		}
	}
}
