package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// BenchmarkPrecheckPageVsAPI posts the Chongqing example as the pre-check
// form (parse the form, write the request, assess, render the page) and as
// JSON to POST /v1/tax/assessments, alternately in one run, and reports
// the page's cost as a multiple of the API's: what the form and the HTML
// add on top of the shared assessment.
func BenchmarkPrecheckPageVsAPI(b *testing.B) {
	s := benchServer(b)
	data := exampleRequest(b)
	f, _, err := formFromJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	// A CSRF token and its cookie, as a browser has them.
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/precheck", nil))
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		b.Fatal("no CSRF token")
	}
	cookies := w.Result().Cookies()
	vals := f.Values()
	vals.Set("_csrf", m[1])
	form := vals.Encode()
	page := func() *http.Request {
		r := httptest.NewRequest("POST", "/precheck", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			r.AddCookie(c)
		}
		return r
	}
	apiReq := func() *http.Request {
		r := httptest.NewRequest("POST", "/v1/tax/assessments", bytes.NewReader(data))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	serve(b, s, page)
	serve(b, s, apiReq)
	var tp, ta time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		serve(b, s, apiReq)
		t1 := time.Now()
		serve(b, s, page)
		tp += time.Since(t1)
		ta += t1.Sub(t0)
	}
	b.ReportMetric(float64(ta.Nanoseconds())/float64(b.N), "api-ns/op")
	b.ReportMetric(float64(tp.Nanoseconds())/float64(b.N), "page-ns/op")
	b.ReportMetric(float64(tp)/float64(ta), "page/api")
}
