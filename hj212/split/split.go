// Package split reassembles split HJ 212 messages (分包, PNUM total parts,
// PNO part number in the header) into one logical packet. It sits above
// single-packet parsing: each part is parsed (and decrypted) on its own by
// package hj212; this package only reads parsed parts and re-frames their
// data as one packet, which hj212.Parse then reads like any other.
//
// What the standards say and what is assumed here (docs/hj212.md):
//   - HJ 212-2017 and 2025: Flag bit 1 marks a split message, PNUM is the
//     number of parts and PNO the part's number (1..PNUM); HJ 212-2025
//     §8.1.2/§8.2.2: a data segment over 1024 characters shall be split
//     (shared reference hj212-2025.md, high).
//   - Not stated in the reference: how the CP data are cut. Parts are
//     joined in PNO order; where neither side of a cut has a separator
//     (';' between items, ',' between values), a ';' is put between them,
//     as a cut between items is what a sender that keeps every part a
//     readable packet produces.
//   - The parts of one message share MN, QN and CN (a request's QN is its
//     identity, HJ 212-2017 6.3.2); so they are grouped by MN, QN, CN and
//     PNUM.
//
// Nothing is dropped without a verdict: Assemble answers every set of
// parts with Complete (and the logical packet) or a verdict and its cause.
package split

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ecotax/ecotax/hj212"
)

// Key identifies a split message.
type Key struct {
	MN, QN, CN string
	Total      int // PNUM
}

func (k Key) String() string {
	return fmt.Sprintf("MN=%s QN=%s CN=%s PNUM=%d", k.MN, k.QN, k.CN, k.Total)
}

// Part is one received part of a split message, as the store keeps it.
type Part struct {
	No       int    // PNO; -1 when absent or not a number
	Header   string // the header fields before ";CP=&&", as sent (plaintext)
	CP       string // the data between "CP=&&" and the closing "&&"
	Lenient  bool   // the part passed only the lenient CRC check
	Backfill bool   // RF=1
}

// PartOf tells whether p is one part of a split message (an accepted
// packet with an MN and PNUM above 1) and returns its key and part. A
// packet with PNUM=1 is whole and is read as it is.
func PartOf(p *hj212.Packet) (Key, Part, bool) {
	if p == nil || !p.Accepted() || p.MN == "" || p.PNUM <= 1 {
		return Key{}, Part{}, false
	}
	i := strings.Index(p.Data, ";CP=&&")
	if i < 0 || !strings.HasSuffix(p.Data, "&&") || len(p.Data) < i+len(";CP=&&")+2 {
		return Key{}, Part{}, false
	}
	return Key{MN: p.MN, QN: p.QN, CN: p.CN, Total: p.PNUM}, Part{
		No: p.PNO, Header: p.Data[:i], CP: p.Data[i+len(";CP=&&") : len(p.Data)-2],
		Lenient: p.Verdict == hj212.Lenient, Backfill: p.Backfill(),
	}, true
}

// Verdict is what became of a set of parts.
type Verdict string

const (
	Complete   Verdict = "complete"   // every part, once: the logical packet is built
	Incomplete Verdict = "incomplete" // parts missing (so far)
	Conflict   Verdict = "conflict"   // one part number with different data
	TooLarge   Verdict = "too_large"  // more parts or bytes than the limits
	Invalid    Verdict = "invalid"    // a part number outside 1..PNUM, or a logical packet that does not parse
)

// Limits bound a set. The logical packet is framed as one HJ 212 frame,
// whose length field has four digits: its data segment cannot exceed 9999
// characters, so neither can MaxBytes.
type Limits struct {
	MaxParts int // PNUM above this is refused [64]
	MaxBytes int // data of all parts together [9000]
}

// MaxFrame is the longest data segment a four-digit length field allows.
const MaxFrame = 9999

func (l Limits) norm() Limits {
	if l.MaxParts <= 0 {
		l.MaxParts = 64
	}
	if l.MaxBytes <= 0 || l.MaxBytes > MaxFrame-200 {
		l.MaxBytes = 9000
	}
	return l
}

// Outcome is the verdict on a set of parts.
type Outcome struct {
	Key        Key
	Verdict    Verdict
	Cause      string        // why, in words; "" when Complete
	Packet     *hj212.Packet // the logical packet when Complete
	Have       []int         // part numbers received, sorted, once each
	Missing    []int         // part numbers not received (Incomplete)
	Duplicates int           // parts received more than once with the same data
}

// Assemble judges a set of parts of key k, in any order, duplicates
// included, and builds the logical packet when every part is there once.
// It never panics.
func Assemble(k Key, parts []Part, lim Limits) Outcome {
	lim = lim.norm()
	o := Outcome{Key: k}
	if k.Total < 2 || k.Total > lim.MaxParts {
		o.Verdict, o.Cause = TooLarge, fmt.Sprintf("PNUM=%d is outside 2..%d parts", k.Total, lim.MaxParts)
		if k.Total < 2 {
			o.Verdict = Invalid
		}
		return o
	}
	byNo := map[int]Part{}
	var bad []string
	size := 0
	for _, p := range parts {
		if p.No < 1 || p.No > k.Total {
			bad = append(bad, strconv.Itoa(p.No))
			continue
		}
		if old, ok := byNo[p.No]; ok {
			if old.CP != p.CP || old.Header != p.Header && !sameHeader(old.Header, p.Header) {
				o.Verdict, o.Cause = Conflict, fmt.Sprintf("part %d of %d received twice with different data", p.No, k.Total)
				o.Have = sortedNos(byNo)
				return o
			}
			o.Duplicates++
			continue
		}
		byNo[p.No] = p
		size += len(p.CP)
	}
	o.Have = sortedNos(byNo)
	if len(bad) > 0 {
		o.Verdict, o.Cause = Invalid, fmt.Sprintf("PNO %s outside 1..%d", strings.Join(bad, ", "), k.Total)
		return o
	}
	if size > lim.MaxBytes {
		o.Verdict, o.Cause = TooLarge, fmt.Sprintf("the parts carry %d characters of data, more than the %d a reassembled packet may hold", size, lim.MaxBytes)
		return o
	}
	for i := 1; i <= k.Total; i++ {
		if _, ok := byNo[i]; !ok {
			o.Missing = append(o.Missing, i)
		}
	}
	if len(o.Missing) > 0 {
		o.Verdict, o.Cause = Incomplete, fmt.Sprintf("parts %s of %d missing", joinInts(o.Missing), k.Total)
		return o
	}
	first := byNo[1]
	var cp strings.Builder
	lenient, backfill := false, false
	for i := 1; i <= k.Total; i++ {
		p := byNo[i]
		lenient = lenient || p.Lenient
		backfill = backfill || p.Backfill
		if i > 1 && cp.Len() > 0 && p.CP != "" {
			prev := cp.String()
			if !strings.HasSuffix(prev, ";") && !strings.HasSuffix(prev, ",") && p.CP[0] != ';' && p.CP[0] != ',' {
				cp.WriteByte(';')
			}
		}
		cp.WriteString(p.CP)
	}
	data := wholeHeader(first.Header) + ";CP=&&" + cp.String() + "&&"
	if len(data) > MaxFrame {
		o.Verdict, o.Cause = TooLarge, fmt.Sprintf("the reassembled data segment has %d characters, more than a frame's %d", len(data), MaxFrame)
		return o
	}
	raw := fmt.Sprintf("##%04d%s%s\r\n", len(data), data, hj212.Checksum([]byte(data)))
	p := hj212.Parse([]byte(raw), hj212.Options{})
	if !p.Accepted() {
		o.Verdict, o.Cause = Invalid, "the reassembled packet does not parse: "+p.Reason
		return o
	}
	if lenient {
		// The parts' own checks carry over: the logical packet is no
		// better than its weakest part.
		p.Verdict, p.Reason = hj212.Lenient, "reassembled from parts some of which passed only the lenient CRC check"
	}
	_ = backfill // RF travels in part 1's header, kept by wholeHeader
	o.Verdict, o.Packet = Complete, p
	return o
}

// wholeHeader drops PNUM and PNO from a part's header and clears Flag's
// split bit, so that the logical packet reads as one whole message.
func wholeHeader(h string) string {
	fields := strings.Split(h, ";")
	out := fields[:0]
	for _, f := range fields {
		switch {
		case strings.HasPrefix(f, "PNUM=") || strings.HasPrefix(f, "PNO="):
			continue
		case strings.HasPrefix(f, "Flag="):
			if n, err := strconv.Atoi(f[len("Flag="):]); err == nil && n >= 0 {
				f = "Flag=" + strconv.Itoa(n&^hj212.FlagSplit)
			}
		}
		out = append(out, f)
	}
	return strings.Join(out, ";")
}

// sameHeader: two copies of a part may differ only in PNO/PNUM order or
// the like; what matters is the header without the part fields.
func sameHeader(a, b string) bool { return wholeHeader(a) == wholeHeader(b) }

func sortedNos(m map[int]Part) []int {
	out := make([]int, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
