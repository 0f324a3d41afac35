package hj212

import (
	"bytes"
	"io"
)

// MaxFrame is the longest frame the Reader looks through for an end:
// "##", a 4-digit length (at most 9999), the data, 4 CRC digits and CR LF.
// A frame cannot legitimately be longer, so past this the Reader gives up
// on it, reports it, and looks for the next "##".
const MaxFrame = 2 + 4 + 9999 + 4 + 2

// Reader reads packets from a byte stream (a TCP connection, a log file).
// Frames are cut at the first CR LF after "##", or just before the next
// "##" when a frame is cut short, so one bad frame never costs the next
// one: the Reader resynchronises on the next "##". Bytes between frames
// are returned as a rejected packet of their own rather than dropped;
// only bare CR and LF between frames are skipped as line noise.
type Reader struct {
	r     io.Reader
	opt   Options
	buf   []byte
	start int   // unread data is buf[start:]
	off   int64 // stream offset of buf[start]
	err   error // sticky read error (io.EOF at the end)
	frame Frame
}

// NewReader reads packets from r with the given checks.
func NewReader(r io.Reader, opt Options) *Reader {
	return &Reader{r: r, opt: opt, buf: make([]byte, 0, 8192)}
}

// more reads more bytes. It may move the buffer, so callers take their
// slices of it again afterwards. Call it only while r.err is nil; it
// either reads something or sets r.err.
func (r *Reader) more() {
	if r.start > 0 {
		n := copy(r.buf, r.buf[r.start:])
		r.buf = r.buf[:n]
		r.start = 0
	}
	if len(r.buf) == cap(r.buf) {
		nb := make([]byte, len(r.buf), 2*cap(r.buf))
		copy(nb, r.buf)
		r.buf = nb
	}
	for range 100 {
		n, err := r.r.Read(r.buf[len(r.buf):cap(r.buf)])
		r.buf = r.buf[:len(r.buf)+n]
		if err != nil {
			r.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	r.err = io.ErrNoProgress
}

// Next returns the next packet, valid or not. At the end of the stream it
// returns io.EOF; a read error other than EOF is returned once everything
// read before it has been handed out.
func (r *Reader) Next() (*Packet, error) {
	for {
		data := r.buf[r.start:]
		// Skip line noise between frames.
		i := 0
		for i < len(data) && (data[i] == '\r' || data[i] == '\n') {
			i++
		}
		r.consume(i)
		data = data[i:]
		if len(data) < 2 && r.err == nil {
			r.more()
			continue
		}
		if len(data) == 0 {
			if r.err == io.EOF {
				return nil, io.EOF
			}
			return nil, r.err
		}
		// In a run of three or more '#', the frame starts with the
		// last two; the ones before are stray.
		run := 0
		for run < len(data) && data[run] == '#' {
			run++
		}
		if run == len(data) && r.err == nil {
			r.more()
			continue
		}
		var p *Packet
		switch {
		case run > 2:
			p = r.stray(data[:run-2])
		case run == 2:
			p = r.frameAt(data)
		default:
			p = r.strayAt(data)
		}
		if p != nil {
			return p, nil
		}
		r.more() // frameAt and strayAt return nil only while r.err is nil
	}
}

func (r *Reader) consume(n int) {
	r.start += n
	r.off += int64(n)
}

// frameAt cuts a frame that starts with "##" at data[0]. It returns nil
// when it needs more bytes to find the end.
func (r *Reader) frameAt(data []byte) *Packet {
	end, terminated := -1, false
	if k := bytes.Index(data[2:], crlf); k >= 0 {
		end, terminated = 2+k+2, true
	}
	if k := bytes.Index(data[2:], hashes); k >= 0 && (end < 0 || 2+k < end) {
		end, terminated = 2+k, false
	}
	if end < 0 && len(data) < MaxFrame && r.err == nil {
		return nil
	}
	if end < 0 {
		end = len(data)
	}
	// A frame whose end so found is implausible (not "&&", 4 CRC digits
	// and CR LF) may be an HJ 212-2025 frame with a raw SM4 ciphertext,
	// which can hold CR LF or "##": then the length field decides, if it
	// points at a plausible end.
	if !plausibleEnd(data[:end], terminated) {
		if n, ok := digits4(data[2:min(6, len(data))]); ok {
			total := 2 + 4 + n + 4 + 2
			switch {
			// A frame that visibly starts inside what the length field
			// claims wins over it: a frame cut short and followed by
			// others (the last of which may end, by chance, exactly where
			// the cut frame's length points) must not swallow them.
			case total <= len(data) && total >= end && bytes.HasSuffix(data[:total], crlf) && plausibleEnd(data[:total], true) && !frameWithin(data[end:total]):
				// (The frame the length field gives must end with CR LF
				// itself: plausibleEnd only drops the last two bytes. It
				// then ends at or after the first CR LF, which is no
				// later than end.)
				end, terminated = total, true
			case total > len(data) && total <= MaxFrame && r.err == nil && (terminated || !frameStart(data[end:], r.err != nil)):
				// A CR LF or a "##" that does not start a frame, inside
				// the ciphertext: wait for the rest.
				return nil
			}
		}
	}
	limited := false
	if end > MaxFrame {
		end, limited, terminated = MaxFrame, true, false
	}
	raw := data[:end]
	r.frame.Parse(raw, r.opt)
	switch {
	case limited:
		r.frame.reject(Problem{Code: CodeTooLong, At: 0, Want: MaxFrame})
		r.frame.Verdict = Rejected
	case !terminated:
		r.frame.reject(Problem{Code: CodeNoTerminator, At: len(raw)})
		r.frame.Verdict = Rejected
	}
	p := r.frame.Packet()
	p.Offset = r.off
	r.consume(end)
	return p
}

// strayAt reports the bytes before the next "##" as one rejected packet.
// It returns nil when it needs more bytes to find the end.
func (r *Reader) strayAt(data []byte) *Packet {
	end := bytes.Index(data, hashes)
	if end < 0 {
		if len(data) < MaxFrame && r.err == nil {
			return nil
		}
		end = min(len(data), MaxFrame)
		if end == len(data) && end > 1 && data[end-1] == '#' && r.err == nil {
			end-- // it may be the first half of the next "##"
		}
	}
	return r.stray(data[:end])
}

// stray reports raw, the bytes at the head of the buffer, as one rejected
// packet.
func (r *Reader) stray(raw []byte) *Packet {
	p := &Packet{
		Raw:     string(raw),
		Offset:  r.off,
		Verdict: Rejected,
		Length:  -1,
		Flag:    -1,
		PNUM:    -1,
		PNO:     -1,
	}
	pr := Problem{Code: CodeStrayBytes, At: 0, Got: len(raw), Text: raw}
	p.Problems = []Issue{{pr.Code, 0, r.frame.message(pr)}}
	p.Reason = p.Problems[0].Message
	r.consume(len(raw))
	return p
}

var crlf = []byte("\r\n")

// plausibleEnd reports whether frame ends as a frame does: "&&", four hex
// digits and, when terminated, CR LF.
func plausibleEnd(frame []byte, terminated bool) bool {
	if terminated {
		if len(frame) < 2 {
			return false
		}
		frame = frame[:len(frame)-2]
	}
	n := len(frame)
	if n < 6 || frame[n-6] != '&' || frame[n-5] != '&' {
		return false
	}
	_, ok := parseHex4(frame[n-4:])
	return ok
}

// frameWithin reports whether a frame visibly starts anywhere in b.
func frameWithin(b []byte) bool {
	for i := 0; ; {
		k := bytes.Index(b[i:], hashes)
		if k < 0 {
			return false
		}
		if frameStart(b[i+k:], false) {
			return true
		}
		i += k + 1
	}
}

// frameStart reports whether b (which starts with "##") looks like the
// start of a frame: "##", 4 digits and "QN=" or "ST=". Too few bytes to
// tell count as a start only at the end of the stream (atEnd); before,
// they do not, and the Reader waits for more.
func frameStart(b []byte, atEnd bool) bool {
	if len(b) < 9 {
		return atEnd
	}
	if _, ok := digits4(b[2:6]); !ok {
		return false
	}
	h := string(b[6:9])
	return h == "QN=" || h == "ST="
}
