package api

import (
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
)

// readBody reads at most limit bytes of a body of the given media type
// (JSON when want is ""): a longer body is 413, another type 415.
func readBody(c echo.Context, limit int64, want string) ([]byte, error) {
	if want == "" {
		want = "application/json"
	}
	if ct := c.Request().Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != want {
			return nil, apiError(kindMediaType, "unsupported_media_type", "不支持的内容类型", "send "+want,
				calc.FieldError{Path: "Content-Type", Code: "unsupported_media_type", Message: "want " + want})
		}
	}
	r := c.Request()
	if r.ContentLength > limit {
		return nil, errTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, apiError(calc.KindInvalid, "unreadable_body", "请求体读取失败", err.Error())
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge
	}
	return body, nil
}

// assess is the public calculator: the contract's request in, its result
// out, nothing stored.
func (s *Server) assess(c echo.Context) error {
	body, err := readBody(c, s.cfg.BodyLimit, "")
	if err != nil {
		return err
	}
	out, err := s.assessContract(body, "calculator")
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, out)
}

// assessContract is the calculator's code path: a request in the
// contract's JSON shape in, the result's JSON out. The web pre-check page
// (api/web_precheck.go) calls it too, so page and API cannot disagree.
func (s *Server) assessContract(body []byte, origin string) ([]byte, error) {
	req, err := calc.DecodeRequest(body)
	if err != nil {
		s.metrics.assessments.WithLabelValues(origin, "rejected").Inc()
		return nil, err
	}
	res, err := s.engine.Assess(req)
	if err != nil {
		s.metrics.assessments.WithLabelValues(origin, "rejected").Inc()
		return nil, err
	}
	out, err := res.MarshalJSON() // not json.Marshal: that would re-compact the bytes, doubling the cost
	if err != nil {
		return nil, err
	}
	s.metrics.assessments.WithLabelValues(origin, "ok").Inc()
	return out, nil
}
