package hj212

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"
)

// A decoded packet lives in one allocation, a block: the Packet, its
// header fields, its CP pairs, its findings (Issues) and, at the end,
// the bytes its strings point into (the raw frame, the plaintext of a
// decrypted one, the findings' messages and the reason). Any string of
// the packet keeps the whole block alive (before, it kept the raw text
// alive): a caller that keeps a few strings of many packets it drops
// should copy them (strings.Clone).
//
// Go has no generic array length, so the block's type is made with
// reflect (once per shape, cached): struct{ P Packet; H [nh]Field;
// C [np]Pair; I [ni]Issue; B [nb]byte }, with nb chosen so that the
// block fills its allocator size class exactly (the bytes after the
// pointers cost nothing to the garbage collector, and one type then
// serves every text length that lands in that class). The header,
// pair and issue arrays have exactly the lengths asked for, and the
// slices over them have capacity = length, so that appending to one
// never writes into its neighbour.

// The cache of block types: an array for the usual shapes, a map for
// the others, and a bound on how many types are made, after which a
// packet's parts are allocated separately.
const (
	blockMaxFields = 8
	blockMaxPairs  = 255
	blockMaxIssues = 15
	blockMaxTypes  = 4096
)

// sizeClasses are the sizes of Go's small-object allocator classes
// (internal/runtime/gc/sizeclasses.go), from 384 bytes up (a Packet
// alone is 368); all are multiples of 32. TestSizeClasses checks them
// against runtime.MemStats.BySize. A wrong table costs memory, never
// correctness: the block is simply rounded up by the allocator.
var sizeClasses = [...]uintptr{384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688,
	3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568,
	14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// mallocHeader is the word the allocator puts before an object with
// pointers larger than 512 bytes (Go 1.22+), inside its size class.
const mallocHeader = 8

// classOf32[i] is the index in sizeClasses of the smallest class of at
// least 32*i bytes.
var classOf32 = func() (t [32768/32 + 1]uint8) {
	k := 0
	for i := range t {
		for sizeClasses[k] < uintptr(i*32) {
			k++
		}
		t[i] = uint8(k)
	}
	return t
}()

// blockSize is the size of a type of at least n bytes with pointers
// that fills what the allocator gives it: its size class, less the
// malloc header above 512 bytes, or whole pages for a large object.
func blockSize(n uintptr) uintptr {
	switch {
	case n <= 512:
		return sizeClasses[classOf32[(n+31)/32]]
	case n+mallocHeader <= sizeClasses[len(sizeClasses)-1]:
		return sizeClasses[classOf32[(n+mallocHeader+31)/32]] - mallocHeader
	}
	const page = 8192
	return (n + page - 1) / page * page
}

var (
	packetType = reflect.TypeFor[Packet]()
	fieldType  = reflect.TypeFor[Field]()
	pairType   = reflect.TypeFor[Pair]()
	issueType  = reflect.TypeFor[Issue]()
	byteType   = reflect.TypeFor[byte]()

	fieldsAt = unsafe.Sizeof(Packet{})
)

// blockKind is one cached block type: the issues it holds and its size
// (the header and pair counts index the cache).
type blockKind struct {
	typ  reflect.Type
	ni   int
	size uintptr
}

var (
	blockKinds [blockMaxFields + 1][blockMaxPairs + 1]atomic.Pointer[[]blockKind]
	blockOther sync.Map // [4]uintptr{nh, np, ni, size} → reflect.Type, beyond the array
	blockMu    sync.Mutex
	blockCount atomic.Int32 // types made
)

// blockLayout is where the parts of a block of nh fields, np pairs and
// ni issues start.
func blockLayout(nh, np, ni int) (pairsAt, issuesAt, bytesAt uintptr) {
	pairsAt = fieldsAt + uintptr(nh)*unsafe.Sizeof(Field{})
	issuesAt = pairsAt + uintptr(np)*unsafe.Sizeof(Pair{})
	bytesAt = issuesAt + uintptr(ni)*unsafe.Sizeof(Issue{})
	return
}

// newBlock allocates a packet with nh header fields, np pairs, ni issues
// and nb bytes of text, all with their lengths set (the issues and the
// text are returned for the caller to fill). It returns a nil Packet
// when no more block types may be made.
func newBlock(nh, np, ni, nb int) (*Packet, []Issue, []byte) {
	pairsAt, issuesAt, bytesAt := blockLayout(nh, np, ni)
	// At least one byte of text, so that the text array is never empty
	// (an empty last field would be padded).
	size := blockSize(bytesAt + uintptr(max(nb, 1)))
	var typ reflect.Type
	if nh <= blockMaxFields && np <= blockMaxPairs && ni <= blockMaxIssues {
		if l := blockKinds[nh][np].Load(); l != nil {
			for i := range *l {
				if k := &(*l)[i]; k.ni == ni && k.size == size {
					typ = k.typ
					break
				}
			}
		}
	} else if t, ok := blockOther.Load([4]uintptr{uintptr(nh), uintptr(np), uintptr(ni), size}); ok {
		typ = t.(reflect.Type)
	}
	if typ == nil {
		if typ = makeBlockKind(nh, np, ni, size); typ == nil {
			return nil, nil, nil
		}
	}
	base := unsafeNew(typeOf(typ))
	p := (*Packet)(base)
	// An empty part gets no pointer into the block (it could point just
	// past its end), but a non-nil empty slice all the same.
	p.Header, p.CP = []Field{}, []Pair{}
	var issues []Issue
	var text []byte
	if nh > 0 {
		p.Header = unsafe.Slice((*Field)(unsafe.Add(base, fieldsAt)), nh)
	}
	if np > 0 {
		p.CP = unsafe.Slice((*Pair)(unsafe.Add(base, pairsAt)), np)
	}
	if ni > 0 {
		issues = unsafe.Slice((*Issue)(unsafe.Add(base, issuesAt)), ni)
	}
	if nb > 0 {
		text = unsafe.Slice((*byte)(unsafe.Add(base, bytesAt)), nb)
	}
	return p, issues, text
}

// makeBlockKind makes and caches the block type of the shape; nil once
// blockMaxTypes are made.
func makeBlockKind(nh, np, ni int, size uintptr) reflect.Type {
	blockMu.Lock()
	defer blockMu.Unlock()
	small := nh <= blockMaxFields && np <= blockMaxPairs && ni <= blockMaxIssues
	key := [4]uintptr{uintptr(nh), uintptr(np), uintptr(ni), size}
	var old *[]blockKind
	if small {
		if old = blockKinds[nh][np].Load(); old != nil {
			for _, k := range *old {
				if k.ni == ni && k.size == size {
					return k.typ
				}
			}
		}
	} else if t, ok := blockOther.Load(key); ok {
		return t.(reflect.Type)
	}
	if blockCount.Load() >= blockMaxTypes {
		return nil
	}
	_, _, bytesAt := blockLayout(nh, np, ni)
	typ := reflect.StructOf([]reflect.StructField{
		{Name: "P", Type: packetType},
		{Name: "H", Type: reflect.ArrayOf(nh, fieldType)},
		{Name: "C", Type: reflect.ArrayOf(np, pairType)},
		{Name: "I", Type: reflect.ArrayOf(ni, issueType)},
		{Name: "B", Type: reflect.ArrayOf(int(size-bytesAt), byteType)},
	})
	if small {
		var l []blockKind
		if old != nil {
			l = append(l, *old...)
		}
		l = append(l, blockKind{typ, ni, size})
		blockKinds[nh][np].Store(&l)
	} else {
		blockOther.Store(key, typ)
	}
	blockCount.Add(1)
	return typ
}

// unsafeNew allocates a zeroed object of the type typ points to (an
// *abi.Type); it is what reflect.New does, without reflect.New's lookup
// of the pointer type in a global map (a sizeable share of the cost of
// a packet). The runtime provides it for reflect and keeps it for the
// packages that link to it, as this one does.
//
//go:linkname unsafeNew reflect.unsafe_New
func unsafeNew(typ unsafe.Pointer) unsafe.Pointer

// typeOf is the runtime type behind t: a reflect.Type made by reflect
// holds a *reflect.rtype, which is the *abi.Type it wraps.
func typeOf(t reflect.Type) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&t))[1]
}

// issueKinds caches the types of newIssues by issue count (up to
// blockMaxIssues; more take the map) and size. Only packets with
// findings about their values need one.
var (
	issueKinds [blockMaxIssues + 1]atomic.Pointer[[]blockKind]
	issueOther sync.Map // [2]uintptr{ni, size} → reflect.Type
)

// newIssues allocates, in one block, ni issues and nb bytes of text for
// their messages.
func newIssues(ni, nb int) ([]Issue, []byte) {
	bytesAt := uintptr(ni) * unsafe.Sizeof(Issue{})
	size := blockSize(bytesAt + uintptr(max(nb, 1)))
	var typ reflect.Type
	if ni <= blockMaxIssues {
		if l := issueKinds[ni].Load(); l != nil {
			for i := range *l {
				if (*l)[i].size == size {
					typ = (*l)[i].typ
					break
				}
			}
		}
	} else if t, ok := issueOther.Load([2]uintptr{uintptr(ni), size}); ok {
		typ = t.(reflect.Type)
	}
	if typ == nil {
		if typ = makeIssuesKind(ni, size); typ == nil {
			return make([]Issue, ni), make([]byte, nb)
		}
	}
	base := unsafeNew(typeOf(typ))
	var text []byte
	if nb > 0 {
		text = unsafe.Slice((*byte)(unsafe.Add(base, bytesAt)), nb)
	}
	return unsafe.Slice((*Issue)(base), ni), text
}

// makeIssuesKind makes and caches the type of newIssues' block; nil
// once blockMaxTypes are made.
func makeIssuesKind(ni int, size uintptr) reflect.Type {
	blockMu.Lock()
	defer blockMu.Unlock()
	key := [2]uintptr{uintptr(ni), size}
	var old *[]blockKind
	if ni <= blockMaxIssues {
		if old = issueKinds[ni].Load(); old != nil {
			for _, k := range *old {
				if k.size == size {
					return k.typ
				}
			}
		}
	} else if t, ok := issueOther.Load(key); ok {
		return t.(reflect.Type)
	}
	if blockCount.Load() >= blockMaxTypes {
		return nil
	}
	bytesAt := uintptr(ni) * unsafe.Sizeof(Issue{})
	typ := reflect.StructOf([]reflect.StructField{
		{Name: "I", Type: reflect.ArrayOf(ni, issueType)},
		{Name: "B", Type: reflect.ArrayOf(int(size-bytesAt), byteType)},
	})
	if ni <= blockMaxIssues {
		var l []blockKind
		if old != nil {
			l = append(l, *old...)
		}
		l = append(l, blockKind{typ, ni, size})
		issueKinds[ni].Store(&l)
	} else {
		issueOther.Store(key, typ)
	}
	blockCount.Add(1)
	return typ
}
