package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// uploadFile posts a form with one file under name, as a browser does.
func (b *browser) uploadFile(path, filename string, data []byte) *page {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("_csrf", b.csrf)
	fw, _ := w.CreateFormFile("file", filename)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", b.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

// The two bureaus share their data on the pages: the tax officer makes
// the tax bureau's batch of a quarter and downloads its archive; the
// environment officer of the other system uploads it and reads what
// became of its records (those matching nothing registered there go to
// 信息共享待核对); the same archive again changes nothing and says so; a
// file that is not a batch is refused in words. Each bureau sends only
// its own direction.
func TestWebExchange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// Without the exchange key nothing is signed: said in words.
		nokey := newEnv(t, sameDialect(t, db), api.Config{})
		nk := newBrowser(t, nokey)
		nk.signIn(nokey.tokens["tax_officer"])
		nk.get("/app/exchange")
		if p := nk.post("/app/exchange/export", url.Values{"period": {"2024-Q1"}, "format": {"xlsx"}}); p.status != 503 || !strings.Contains(p.body, "尚未配置信息交换密钥") {
			t.Errorf("a batch without the key: %d", p.status)
		} else {
			plainChinese(t, "no exchange key", p.body)
		}

		tax := newEnvWithKey(t, db, api.Config{}, exchangeKey)
		flaggedWorld(t, tax, db)
		// The tax bureau of the region sends the region's data.
		tax.addToken("tax_officer_cq", &filing.Token{Role: filing.RoleTaxOfficer, Region: "500000"})
		o := newBrowser(t, tax)
		o.signIn(tax.tokens["tax_officer_cq"])
		home := o.get("/app/exchange")
		if home.status != 200 || !strings.Contains(home.body, `id="export-batch"`) || !strings.Contains(home.body, "还没有生成或导入过数据包") {
			t.Fatalf("exchange page: %d", home.status)
		}
		plainChinese(t, "exchange page", home.body)
		bad := o.post("/app/exchange/export", url.Values{"period": {"2024-Q5"}, "format": {"xlsx"}})
		if bad.status != 400 || !strings.Contains(bad.body, "所属期请按 2024-Q1") {
			t.Errorf("a batch of 2024-Q5: %d", bad.status)
		}
		plainChinese(t, "refused batch", bad.body)
		made := o.get(location(t, o.post("/app/exchange/export", url.Values{"period": {"2024-Q1"}, "format": {"xlsx"}}), 303))
		m := regexp.MustCompile(`<tr data-batch="([^"]+)"><th data-label="所属期" scope="row">2024-Q1</th><td data-label="内容">税务机关发来[^<]*</td><td data-label="来源">本部门生成</td><td data-label="记录数" class="num">(\d+)</td>`).FindStringSubmatch(made.body)
		if m == nil || !strings.Contains(made.body, `id="made"`) || m[2] == "0" {
			t.Fatalf("the batch made is not listed:\n%s", made.body)
		}
		plainChinese(t, "batch made", made.body)
		zip := o.get("/app/exchange/batches/" + m[1] + "/archive")
		if zip.status != 200 || zip.header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(zip.body, "PK") {
			t.Fatalf("archive: %d %s", zip.status, zip.header.Get("Content-Type"))
		}

		env := newEnvWithKey(t, sameDialect(t, db), api.Config{}, exchangeKey)
		e := newBrowser(t, env)
		e.signIn(env.tokens["env_officer"])
		e.get("/app/exchange")
		if p := e.uploadFile("/app/exchange/import", "batch.zip", []byte("not an archive")); p.status != 400 {
			t.Errorf("a file that is not a batch: %d", p.status)
		} else {
			plainChinese(t, "refused archive", p.body)
		}
		in := e.uploadFile("/app/exchange/import", "batch.zip", []byte(zip.body))
		if in.status != 200 || !strings.Contains(in.body, "已导入对方发来的数据包，共 "+m[2]+" 条记录") || !strings.Contains(in.body, "无法对应（见信息共享待核对）") {
			t.Fatalf("import: %d\n%s", in.status, in.body)
		}
		plainChinese(t, "batch imported", in.body)
		if !regexp.MustCompile(`<td data-label="来源">对方发来</td><td data-label="记录数" class="num">` + m[2] + `</td>`).MatchString(in.body) {
			t.Errorf("the imported batch is not listed as received")
		}
		if again := e.uploadFile("/app/exchange/import", "batch.zip", []byte(zip.body)); again.status != 200 || !strings.Contains(again.body, "以前已经导入过") {
			t.Errorf("the same batch again: %d", again.status)
		}
		if wl := e.get("/app/exchange/worklist"); !strings.Contains(wl.body, "该纳税人未在本系统登记") {
			t.Errorf("the unmatched records are not on the worklist")
		}
		// The environment officer sends only the environment bureau's data.
		if p := e.post("/app/exchange/export", url.Values{"period": {"2024-Q1"}, "format": {"csv"}}); p.status != 303 {
			t.Errorf("the environment bureau's batch: %d", p.status)
		}
		ent := newBrowser(t, tax)
		ent.signIn(tax.tokens["enterprise"])
		if p := ent.get("/app/exchange"); p.status != 403 {
			t.Errorf("the enterprise on the exchange page: %d", p.status)
		}
		if p := ent.get("/app/exchange/batches/" + m[1] + "/archive"); p.status != 403 {
			t.Errorf("the enterprise downloading a batch: %d", p.status)
		}
	})
}
