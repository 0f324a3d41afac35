package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
)

// Every kind the project uses has its status, in the one table.
func TestStatus(t *testing.T) {
	for k, want := range map[calc.Kind]int{
		calc.KindInvalid: 400, calc.KindNotFound: 404, calc.KindConflict: 409, calc.KindInternal: 500,
		app.KindUnauthorized: 401, app.KindForbidden: 403, app.KindTooMany: 429, app.KindUnavailable: 503,
		KindTooLarge: 413, KindPrecondition: 428, KindMediaType: 415, KindMethod: 405, "no_such_kind": 500,
	} {
		if got := Status(k); got != want {
			t.Errorf("%s: %d, want %d", k, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	ce, status := Classify(app.Fail(app.KindForbidden, "forbidden", "无权执行该操作", "no"), "")
	if status != 403 || ce.Code != "forbidden" {
		t.Errorf("calc.Error: %d %+v", status, ce)
	}
	ce, status = Classify(echo.NewHTTPError(http.StatusMethodNotAllowed), "")
	if status != 405 || ce.Code != "method_not_allowed" || ce.Title == "" {
		t.Errorf("echo error: %d %+v", status, ce)
	}
	ce, status = Classify(errors.New("disk on fire"), "logged")
	if status != 500 || ce.Detail != "logged" || ce.Title != "服务器内部错误" {
		t.Errorf("plain error: %d %+v", status, ce)
	}
}

func TestIfMatch(t *testing.T) {
	e := echo.New()
	ctx := func(h string) echo.Context {
		r := httptest.NewRequest("PUT", "/", nil)
		if h != "" {
			r.Header.Set("If-Match", h)
		}
		return e.NewContext(r, httptest.NewRecorder())
	}
	for _, c := range []struct {
		header string
		body   int
		want   int
		kind   calc.Kind
	}{
		{`"3"`, 0, 3, ""}, {`W/"4"`, 4, 4, ""}, {"", 2, 2, ""},
		{"", 0, 0, KindPrecondition}, {`"x"`, 0, 0, calc.KindInvalid}, {`"3"`, 4, 0, calc.KindInvalid},
	} {
		v, err := IfMatch(ctx(c.header), c.body)
		var ce *calc.Error
		switch {
		case c.kind == "" && (err != nil || v != c.want):
			t.Errorf("%q/%d: %d %v", c.header, c.body, v, err)
		case c.kind != "" && (!errors.As(err, &ce) || ce.Kind != c.kind):
			t.Errorf("%q/%d: %v, want %s", c.header, c.body, err, c.kind)
		}
	}
}
