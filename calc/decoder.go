package calc

// A Decoder decodes requests as DecodeRequest does, keeping its memory
// from one request to the next: the copy of the input the request's
// strings are cut from, its sources, its pollutant lines, the
// coefficients of its decimals and the paths beyond the shared table. A
// worker that decodes, assesses and writes one request after another
// (ecotax calc --jsonl, the calculator route) then allocates nothing for
// a request of a shape it has seen; DecodeRequest allocates all of it
// for every request.
//
// The price is a contract: the Request Decode returns — its strings,
// decimals and slices, and so everything built from them, such as a
// Result assessed from it and its lines, or an error the engine returns
// for it (which may quote its paths and names) — is valid only until the
// next call of Decode on the same Decoder. Write the result or the error
// (or copy what must stay) first. Decode copies the input itself: data
// may change as soon as it returns (DecodeBorrowed does not, and asks
// more of its caller). A request that has to be kept (stored, queued, handed to
// another goroutine that may outlive the call) is decoded with
// DecodeRequest instead.
//
// A Decoder is not safe for concurrent use; its zero value is ready.
// Requests the fast path does not read (faults, rare shapes) are decoded
// by the strict decoder into fresh memory, exactly as DecodeRequest
// decodes them.
type Decoder struct {
	d    fastDec
	text []byte
	req  Request
}

// Decode reads a request as DecodeRequest does (same request, same
// faults), into the Decoder's memory: the previous request decoded by d
// is no longer valid. data is copied; it may change as soon as Decode
// returns.
func (dc *Decoder) Decode(data []byte) (*Request, error) {
	if cap(dc.text) > maxKeptText {
		dc.text = nil
	}
	dc.text = append(dc.text[:0], data...)
	return dc.decode(dc.text, data)
}

// DecodeBorrowed is Decode without the copy of the input: the request's
// strings are cut from data itself. The caller promises that data does
// not change until the next call of Decode or DecodeBorrowed on dc (when
// the request stops being valid anyway): ecotax calc --jsonl decodes
// each line where it was read, in the chunk's buffer, which is reused
// only once the chunk's output is written. Copying every line again was
// a hundredth of a batch run. Anyone who cannot promise that uses
// Decode.
func (dc *Decoder) DecodeBorrowed(data []byte) (*Request, error) {
	return dc.decode(data, data)
}

// decode reads text (the input, or a copy of it that stays unchanged
// while the request is in use) into dc's memory; data is the input
// itself, for the strict decoder.
func (dc *Decoder) decode(text, data []byte) (*Request, error) {
	d := &dc.d
	d.reuse()
	d.nums.reuse()
	d.paths = d.paths[:0]
	if d.nnoise > cap(d.noise) || d.nnoise > maxKeptLines {
		d.noise = make([]NoisePeriod, 0, min(d.nnoise, maxKeptLines))
	}
	d.noise, d.nnoise = d.noise[:0], 0
	d.load(text)
	if req, ok := d.request(&dc.req); ok {
		return req, nil
	}
	return decodeStrict(data)
}

// reuse makes the lines and sources of the last request serve the next:
// one slab as large as the last request's lines, written over from its
// start (a request's lines are appended to it, each written anew from
// the zero line), and the sources' slice likewise.
func (d *fastDec) reuse() {
	if d.lines > cap(d.pols) || d.lines > maxKeptLines {
		d.pols = make([]PollutantInput, 0, min(d.lines, maxKeptLines))
	}
	d.pols, d.lines = d.pols[:0], 0
	if cap(d.srcs) > maxKeptLines {
		d.srcs = nil
	}
}
