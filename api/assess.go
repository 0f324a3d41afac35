package api

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"sync"

	"github.com/ecotax/ecotax/internal/httpx"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
)

// readBody reads at most limit bytes of a body of the given media type
// (JSON when want is ""): a longer body is 413, another type 415.
func readBody(c echo.Context, limit int64, want string) ([]byte, error) {
	return readBodyInto(c, limit, want, nil)
}

// readBodyInto is readBody into buf's memory when it is large enough.
func readBodyInto(c echo.Context, limit int64, want string, buf []byte) ([]byte, error) {
	if want == "" {
		want = "application/json"
	}
	// The exact type needs no parsing (ParseMediaType builds a map).
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" && ct != want {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != want {
			return nil, apiError(httpx.KindMediaType, "unsupported_media_type", "不支持的内容类型", "send "+want,
				calc.FieldError{Path: "Content-Type", Code: "unsupported_media_type", Message: "want " + want})
		}
	}
	r := c.Request()
	if r.ContentLength > limit {
		return nil, httpx.ErrTooLarge
	}
	n := int64(512) // as io.ReadAll starts
	if r.ContentLength >= 0 {
		n = r.ContentLength + 1 // room to see the end without growing
	}
	if int64(cap(buf)) < n {
		buf = make([]byte, 0, n)
	}
	body, err := readAll(io.LimitReader(r.Body, limit+1), buf)
	if err != nil {
		return nil, apiError(calc.KindInvalid, "unreadable_body", "请求体读取失败", err.Error())
	}
	if int64(len(body)) > limit {
		return nil, httpx.ErrTooLarge
	}
	return body, nil
}

// readAll is io.ReadAll into buf, grown only when it is full.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// writeJSON writes a JSON document as c.JSONBlob does, with its
// Content-Length: net/http otherwise sends a body larger than its buffer
// (a result with its trace, 7 KB for one pollutant) in chunked encoding.
func writeJSON(c echo.Context, code int, b []byte) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	c.Response().WriteHeader(code)
	_, err := c.Response().Write(b)
	return err
}

// DefaultTrace is the calculator's trace level when the request names
// none (?trace=full|summary|none; api/openapi.yaml): the decisions, with
// each line's arithmetic left to its figures and the parameters it names.
const DefaultTrace = calc.TraceSummary

// assess is the public calculator: the contract's request in, its result
// out, nothing stored.
func (s *Server) assess(c echo.Context) error {
	level, ok := calc.ParseTraceLevel(c.QueryParam("trace"), DefaultTrace)
	if !ok {
		return apiError(calc.KindInvalid, "invalid_parameter", "参数错误", "trace is full, summary or none",
			calc.FieldError{Path: "trace", Code: "invalid_value", Message: "want full, summary or none"})
	}
	// The body and the answer are read and written into buffers kept
	// between requests: the decoders copy what they keep, and the
	// response writer copies the answer.
	bb := answerBuffers.Get().(*[]byte)
	body, err := readBodyInto(c, s.cfg.BodyLimit, "", (*bb)[:0])
	if err != nil {
		answerBuffers.Put(bb)
		return err
	}
	bp := answerBuffers.Get().(*[]byte)
	out, err := s.assessContract(c, body, "calculator", level, (*bp)[:0])
	if cap(body) <= maxPooledAnswer {
		*bb = body[:0]
	}
	answerBuffers.Put(bb)
	if err != nil {
		answerBuffers.Put(bp)
		return err
	}
	err = writeJSON(c, http.StatusOK, out)
	// The response writer has copied the answer (net/http's buffer or
	// the connection): the buffer can serve the next request. A huge one
	// is left to the collector rather than kept.
	if cap(out) <= maxPooledAnswer {
		*bp = out[:0]
	}
	answerBuffers.Put(bp)
	return err
}

// answerBuffers keeps the calculator's body and answer buffers between
// requests: the Chongqing quarter is 13.5 KB in and 40–130 KB out,
// allocated and cleared anew for every request before.
var answerBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledAnswer = 1 << 20

// assessContract is the calculator's code path: a request in the
// contract's JSON shape in, the result's JSON out with the trace at a
// level.
//
// The request is decoded into a calc.Decoder kept between requests
// (decoders): the request, and the result built from it, live in the
// decoder's memory until its next Decode, so the decoder goes back only
// once the answer is written into dst. An error from the engine may name
// the request's fields and is written after this returns: the decoder is
// then left to the collector. A decoding fault is built from body, not
// from the decoder's memory.
func (s *Server) assessContract(c echo.Context, body []byte, origin string, level calc.TraceLevel, dst []byte) ([]byte, error) {
	dec := decoders.Get().(*calc.Decoder)
	req, err := dec.Decode(body)
	if err != nil {
		decoders.Put(dec)
		s.app.Rejected(origin)
		return nil, err
	}
	res, err := s.app.AssessAt(ctx(c), origin, req, level)
	if err != nil {
		return nil, err
	}
	out := res.AppendJSON(dst, level) // not json.Marshal: that would re-compact the bytes, doubling the cost
	res.Release()                     // written: its lines can serve the next request
	decoders.Put(dec)                 // and the request's memory too
	return out, nil
}

// decoders keeps the calculator's request decoders between requests.
var decoders = sync.Pool{New: func() any { return new(calc.Decoder) }}
