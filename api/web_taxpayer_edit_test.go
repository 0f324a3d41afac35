package api_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// The tax officer changes a taxpayer's registration on its page (a
// company renamed): a mistake comes back beside its input with what was
// typed kept; a good change is saved at the version shown; a change from
// a page read before it is refused in words and the form shows what is
// stored now. The enterprise and the environment officer change nothing.
func TestWebTaxpayerEdit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		path := "/app/taxpayers/" + codeA
		page := o.get(path)
		vm := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(page.body)
		if vm == nil || !strings.Contains(page.body, `id="update-taxpayer"`) {
			t.Fatalf("no registration form on the taxpayer page")
		}
		bad := o.post(path, url.Values{"version": {vm[1]}, "name": {""}, "region": {"500103"}, "industry": {"化学原料和化学制品制造业"}})
		if bad.status != 400 || !strings.Contains(bad.body, `id="ed-name" name="name" value="" aria-invalid="true"`) || !strings.Contains(bad.body, `value="化学原料和化学制品制造业"`) {
			t.Errorf("an empty name: %d", bad.status)
		}
		plainChinese(t, "refused change", bad.body)
		saved := o.get(location(t, o.post(path, url.Values{"version": {vm[1]}, "name": {"示例新材料有限公司"}, "region": {"500103"}, "industry": {"化学原料和化学制品制造业"}}), 303))
		if !strings.Contains(saved.body, `id="updated"`) || !strings.Contains(saved.body, "<h1>示例新材料有限公司</h1>") {
			t.Errorf("the new name is not shown")
		}
		stale := o.post(path, url.Values{"version": {vm[1]}, "name": {"旧页面的名称"}, "region": {"500103"}, "industry": {"化学原料和化学制品制造业"}})
		if stale.status != 409 || !strings.Contains(stale.body, "登记信息刚被修改过") || !strings.Contains(stale.body, `id="ed-name" name="name" value="示例新材料有限公司"`) {
			t.Errorf("a change from a stale page: %d", stale.status)
		}
		plainChinese(t, "stale change", stale.body)
		for _, who := range []string{"enterprise", "env_officer"} {
			b := newBrowser(t, e)
			b.signIn(e.tokens[who])
			if p := b.get(path); strings.Contains(p.body, `id="update-taxpayer"`) {
				t.Errorf("%s is offered the registration form", who)
			}
			if p := b.post(path, url.Values{"version": {"2"}, "name": {"x"}, "region": {"500103"}, "industry": {"x"}}); p.status != 403 {
				t.Errorf("%s changing the registration: %d", who, p.status)
			}
		}
	})
}
