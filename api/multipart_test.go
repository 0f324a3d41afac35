package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/internal/httpx"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// uploadRaw posts a multipart form with fields as given and one file
// named name, writing both byte for byte (no escaping but of the quote),
// so that NUL, invalid UTF-8 and long names reach the server as sent.
func (b *browser) uploadRaw(path string, fields map[string]string, name string, file []byte) *page {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("_csrf", b.csrf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+strings.ReplaceAll(name, `"`, `\"`)+`"`)
	h.Set("Content-Type", "application/octet-stream")
	fw, _ := w.CreatePart(h)
	fw.Write(file)
	w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// TestBadInputMultipart (issue 11): the fields and the file names of the
// uploads (the public pre-check workbook, a declaration's figures import)
// go through the one text rule: NUL, invalid UTF-8, a lone surrogate in
// UTF-8 and over-long values are a 400 invalid_text, on both databases (a
// NUL in a file's name is refused by Go's multipart reader before the
// rule sees it: a 400 invalid_form);
// the other bad values (formulas, traversal, huge numbers) are never a
// 5xx.
func TestBadInputMultipart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		w := setupWorld(t, e)
		b := newBrowser(t, e)
		b.signIn(e.tokens["enterprise"])
		invalid := []string{"a\x00b", "\xff\xfe", "\xed\xa0\x80", strings.Repeat("税", httpx.MaxTextBytes/3+1)}
		longName := strings.Repeat("长", httpx.MaxFileNameBytes/3) + ".xlsx"
		uploads := []struct {
			page, path string
			fields     map[string]string
		}{
			{"/precheck", "/precheck/upload", map[string]string{"region": "500000", "period": "2024-Q1", "taxpayer.name": "示例"}},
			{fmt.Sprintf("/app/declarations/%d", w.draft), fmt.Sprintf("/app/declarations/%d/import", w.draft), map[string]string{"version": "1"}},
		}
		calls := 0
		for _, u := range uploads {
			if p := b.get(u.page); p.status != 200 {
				t.Fatalf("%s: %d", u.page, p.status)
			}
			send := func(what, field, v, name string, want400 bool) {
				t.Helper()
				fields := map[string]string{}
				for k, x := range u.fields {
					fields[k] = x
				}
				if field != "" {
					fields[field] = v
				}
				p := b.uploadRaw(u.path, fields, name, []byte("not a workbook"))
				if field == "" {
					v = name
				}
				calls++
				switch {
				case want400 && (p.status != 400 || !(strings.Contains(p.body, "invalid_text") || field == "" && strings.Contains(v, "\x00") && strings.Contains(p.body, "invalid_form"))):
					t.Errorf("%s %s %q: %d, want 400 invalid_text: %s", u.path, what, trimS(v), p.status, trim([]byte(p.body)))
				case p.status >= 500:
					t.Errorf("%s %s %q: %d %s", u.path, what, trimS(v), p.status, trim([]byte(p.body)))
				}
			}
			for _, v := range append(append([]string{}, invalid...), badValues...) {
				bad := contains(invalid, v)
				for field := range u.fields {
					send("field "+field, field, v, "数据.xlsx", bad)
				}
				send("an unknown field", "note", v, "数据.xlsx", bad)
				send("the file's name", "", "", v, bad)
			}
			send("a long file name", "", "", longName+"x", true)
			send("a file name at the limit", "", "", longName[:httpx.MaxFileNameBytes-5]+".xlsx", false)
		}
		t.Logf("%d uploads", calls)
	})
}

func trimS(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
