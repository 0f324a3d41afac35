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

// The environment officer keeps the register of monitoring devices on the
// pages: a mapping with mistakes comes back with each error beside its
// input in Chinese and what was typed kept; a good one is shown to
// confirm, then listed; a second mapping of the same device over the same
// days is refused in words; a mapping is ended on a day and listed as
// ended. The enterprise reads its own devices, never registers one.
func TestWebDeviceRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		env := newBrowser(t, e)
		env.signIn(e.tokens["env_officer"])
		home := env.get("/app/devices?taxpayer=" + codeA)
		if home.status != 200 || !strings.Contains(home.body, "尚未登记在线监测设备") || !strings.Contains(home.body, `href="/app/devices"`) {
			t.Fatalf("devices page: %d", home.status)
		}
		plainChinese(t, "devices page", home.body)

		bad := env.post("/app/devices", url.Values{"taxpayer": {codeA}, "mn": {"MN 1;2"}, "outlet_no": {""}, "valid_from": {"2024-13-01"}, "note": {"东侧烟囱"}})
		if bad.status != 400 {
			t.Fatalf("a bad mapping: %d", bad.status)
		}
		plainChinese(t, "refused mapping", bad.body)
		for _, want := range []string{"设备唯一标识（MN）应为", "排放口编号必须填写", "有效期起请按", `value="东侧烟囱"`, `value="MN 1;2"`} {
			if !strings.Contains(bad.body, want) {
				t.Errorf("refused mapping lacks %q", want)
			}
		}
		good := url.Values{"taxpayer": {codeA}, "mn": {"MN-DA001"}, "outlet_no": {"DA001"}, "valid_from": {"2024-01-01"}, "note": {"东侧烟囱"}}
		confirm := env.post("/app/devices", good)
		if confirm.status != 200 || !strings.Contains(confirm.body, `id="confirm-mn">MN-DA001<`) {
			t.Fatalf("confirm step: %d", confirm.status)
		}
		plainChinese(t, "mapping to confirm", confirm.body)
		good.Set("confirm", "1")
		listed := env.get(location(t, env.post("/app/devices", good), 303))
		if !strings.Contains(listed.body, `id="saved"`) || !regexp.MustCompile(`<th data-label="设备（MN）" scope="row">MN-DA001</th>\s*<td data-label="排放口">DA001 锅炉废气排放口</td>\s*<td data-label="有效期">2024-01-01 至 今</td>\s*<td data-label="状态">在用</td>`).MatchString(listed.body) {
			t.Fatalf("registered device not listed:\n%s", listed.body)
		}
		plainChinese(t, "devices after registering", listed.body)
		// The same device on the same days again: refused, beside the day.
		good.Set("outlet_no", "DW001")
		again := env.post("/app/devices", good)
		if again.status != 400 || !strings.Contains(again.body, "这台设备在这段时间已对应到一个排放口") {
			t.Errorf("overlapping mapping: %d", again.status)
		}
		plainChinese(t, "overlapping mapping", again.body)

		// Ending it: a day that is not one is refused; a day ends it.
		m := regexp.MustCompile(`action="(/app/devices/\d+/end)"[\s\S]*?name="version" value="(\d+)"`).FindStringSubmatch(listed.body)
		if m == nil {
			t.Fatal("no form to end the mapping")
		}
		badEnd := env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {m[2]}, "valid_to": {"2024-02-30"}})
		if badEnd.status != 400 || !strings.Contains(badEnd.body, "设备 MN-DA001：") {
			t.Errorf("ending on 2024-02-30: %d", badEnd.status)
		}
		plainChinese(t, "refused end", badEnd.body)
		before := env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {m[2]}, "valid_to": {"2023-12-31"}})
		if before.status != 400 || !strings.Contains(before.body, "有效期止不能早于有效期起") {
			t.Errorf("ending before it began: %d", before.status)
		}
		ended := env.get(location(t, env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {m[2]}, "valid_to": {"2024-03-31"}}), 303))
		if !strings.Contains(ended.body, `id="ended"`) || !strings.Contains(ended.body, "2024-01-01 至 2024-03-31") || !strings.Contains(ended.body, "已停用") {
			t.Errorf("ended mapping not listed as ended")
		}
		// The form of an ended mapping is gone; its stale version is refused.
		if stale := env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {m[2]}, "valid_to": {"2024-02-29"}}); stale.status < 400 || stale.status == 500 {
			t.Errorf("ending again at the old version: %d", stale.status)
		} else {
			plainChinese(t, "stale end", stale.body)
		}

		// Without the form's token, or from another site: refused, nothing ended.
		if p := env.post(m[1], url.Values{"taxpayer": {codeA}, "version": {"2"}, "valid_to": {"2024-01-31"}, "_csrf": {"-"}}); p.status != 403 {
			t.Errorf("ending without the form's token: %d", p.status)
		}
		if !strings.Contains(env.get("/app/devices?taxpayer="+codeA).body, "2024-01-01 至 2024-03-31") {
			t.Errorf("a refused post changed the mapping")
		}

		ent := newBrowser(t, e)
		ent.signIn(e.tokens["enterprise"])
		own := ent.get("/app/devices?taxpayer=" + codeA)
		if own.status != 200 || !strings.Contains(own.body, "MN-DA001") || strings.Contains(own.body, `id="record-device"`) || strings.Contains(own.body, `href="/app/devices"`) {
			t.Errorf("enterprise's devices: %d", own.status)
		}
		if p := ent.post("/app/devices", url.Values{"taxpayer": {codeA}, "mn": {"MN-X"}, "outlet_no": {"DA001"}, "valid_from": {"2024-01-01"}, "confirm": {"1"}}); p.status != 403 {
			t.Errorf("enterprise registering a device: %d", p.status)
		}
	})
}
